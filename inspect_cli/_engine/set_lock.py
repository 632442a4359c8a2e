"""The lock that keeps two eval-set runs out of one log dir at once.

Two runs on one log dir would retry the same members and delete each other's
logs, so a run holds `.eval-set.lock` in the log dir while it works. The file
is created exclusively (O_EXCL locally, a conditional write on S3), so of two
runs starting together one wins and the other is refused at once, told who
holds the lock. The holder rewrites the file's `heartbeat` periodically.

A lock left by a killed run is taken over once stale: on a local log dir, when
its process is gone from this host; in every case, when its heartbeat is older
than INSPECT_CLI_EVAL_SET_LOCK_STALE seconds (a log dir shared between hosts,
or on S3, where a pid says nothing). Takeover replaces the stale lock only if
it is still the one judged stale (an ETag match on S3; locally a guard file
created exclusively), so two runs cannot both take it over.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from .. import settings, storage
from .._ids import short_uuid
from ..errors import EvalSetLockedError, ExistsError, InspectCliError, NotFoundError, WriteConflictError

LOCK_FILE = ".eval-set.lock"
DEFAULT_STALE_AFTER = 300.0


@dataclass
class _Holder:
    pid: int
    host: str
    started: str  # ISO 8601, UTC
    heartbeat: float  # seconds since the epoch, rewritten while the run lasts
    token: str  # tells this holder's lock from a later one of the same pid

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()


class SetLock:
    """Held from `acquire()` to `release()` (use it as a context manager)."""

    def __init__(self, log_dir: str) -> None:
        self.log_dir = log_dir
        self.path = storage.join(log_dir, LOCK_FILE)
        self.local = storage.is_local(log_dir)
        self.stale_after = settings.get_float(settings.EVAL_SET_LOCK_STALE, minimum=0.1) or DEFAULT_STALE_AFTER
        now = time.time()
        started = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.holder = _Holder(os.getpid(), socket.gethostname(), started, now, short_uuid())
        self._etag: str | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> SetLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, or take over a stale one; EvalSetLockedError if
        another run holds it."""
        storage.forget(self.path)
        try:
            storage.write_bytes(self.path, self.holder.encode(), exclusive=True)
        except ExistsError:
            current, etag = self._read()
            if current is None or not self._is_stale(current) or not self._take_over(current, etag):
                raise self._locked(current) from None
        self._etag = storage.etag_of(self.path)
        self._beat = threading.Thread(target=self._heartbeat, name="eval-set-lock", daemon=True)
        self._beat.start()

    def release(self) -> None:
        """Stop the heartbeat and remove the lock, if it is still ours."""
        if self._beat is None:
            return
        self._stop.set()
        self._beat.join()
        self._beat = None
        current, _ = self._read()
        if current is not None and current.token == self.holder.token:
            try:
                storage.remove(self.path)
            except InspectCliError:
                pass  # left behind, it is stale once our pid is gone or its heartbeat old

    def _read(self) -> tuple[_Holder | None, str | None]:
        """The lock's holder and ETag (None when gone or unreadable: a
        half-written lock cannot exist, so unreadable means not ours)."""
        storage.forget(self.path)
        try:
            etag = storage.etag_of(self.path)
            return _Holder(**json.loads(storage.read_bytes(self.path))), etag
        except (ValueError, TypeError, InspectCliError):
            return None, None

    def _is_stale(self, holder: _Holder) -> bool:
        if time.time() - holder.heartbeat > self.stale_after:
            return True
        return self.local and holder.host == self.holder.host and not _alive(holder.pid)

    def _take_over(self, stale: _Holder, etag: str | None) -> bool:
        """Replace the stale lock with ours, unless someone replaced it first."""
        data = self.holder.encode()
        if not self.local:
            try:
                storage.write_bytes(self.path, data, if_match=etag)
            except (WriteConflictError, NotFoundError):
                return False
            return True
        guard = self.path + ".takeover"
        try:
            storage.write_bytes(guard, b"", exclusive=True)
        except ExistsError:
            if time.time() - storage.info(guard).mtime > self.stale_after:
                storage.remove(guard)  # left by a run killed while taking over
            return False
        try:
            current, _ = self._read()
            if current is None or current.token != stale.token:
                return False
            storage.write_bytes(self.path, data)
            return True
        finally:
            storage.remove(guard)

    def _heartbeat(self) -> None:
        interval = self.stale_after / 5
        while not self._stop.wait(interval):
            self.holder.heartbeat = time.time()
            try:
                if self.local:
                    current, _ = self._read()
                    if current is None or current.token != self.holder.token:
                        return  # taken over (we looked dead): the lock is no longer ours
                    storage.write_bytes(self.path, self.holder.encode())
                else:
                    storage.write_bytes(self.path, self.holder.encode(), if_match=self._etag)
                    self._etag = storage.etag_of(self.path)
            except WriteConflictError:
                return  # taken over (we looked dead): the lock is no longer ours
            except InspectCliError:
                pass  # a storage hiccup: the next beat tries again

    def _locked(self, holder: _Holder | None) -> EvalSetLockedError:
        who = "another process" if holder is None else f"pid {holder.pid} on {holder.host}, started {holder.started}"
        return EvalSetLockedError(
            f"another eval set is running in {self.log_dir} ({who}); a lock left by a killed run is taken over "
            f"once its process is gone or its heartbeat is {self.stale_after:g} s old ({self.path})"
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
