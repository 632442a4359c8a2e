"""What the viewer shows, apart from HTTP (the live server and static bundles
read the same data from here): listings, headers, logs, byte
ranges, sample summaries, samples and the refresh signal.

Every log a request names goes through `resolve` first: the name must lead to
a log file (`.eval`/`.json`, not hidden) inside the log dir, after symlinks are
followed. A local log is then opened once (`storage.open_confined`: the check
and the open are one step, so a symlink swapped meanwhile cannot redirect it)
and everything a request reads comes from that open file, so a request can
never read anything else on the machine.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

import msgspec

from .. import settings, storage
from ..errors import ForbiddenError, InspectCliError, SampleNotFoundError, StorageError
from ._dump import dump_eval_log
from ._file import read_eval_log_header, read_eval_log_sample, read_eval_log_sample_summaries
from ._list import EvalLogInfo, is_log_file, list_eval_logs, read_headers
from ._tree import to_tree
from ._types import EvalLog

Write = Callable[[bytes], Any]

# A listing is shared by the requests that arrive within this many seconds
# (several open pages polling for changes cost one directory listing).
_LISTING_TTL = 0.5
_HEADER_CACHE_SIZE = 4096
_NAME_CACHE_SIZE = 100_000
_CHUNK = 256 * 1024  # byte ranges are read (and sent) this much at a time


class ViewApi:
    """The viewer's data, for one log dir."""

    def __init__(self, log_dir: str | os.PathLike[str] | None = None, recursive: bool = True) -> None:
        root = settings.log_dir(log_dir)
        self.local = storage.is_local(root)
        if self.local:
            path = os.path.abspath(storage.local_path(root))
            self._root_path = path
            self._root_real = os.path.realpath(path)
            self.log_dir = "file://" + path
            self._listed = path  # (errors then name the path)
        else:
            self.log_dir = self._listed = root.rstrip("/")
        self.recursive = recursive
        self._lock = threading.Lock()
        self._listed_at = -_LISTING_TTL
        self._listing: list[EvalLogInfo] = []
        self._fingerprint: frozenset[tuple[str, int, float | None]] | None = None
        self._changed_at = 0.0  # ms since the epoch: when the listing last changed
        self._headers: dict[tuple[str, int, float], EvalLog] = {}
        self._servable_names: dict[str, bool] = {}

    # -- names ---------------------------------------------------------------

    def resolve(self, name: str) -> str:
        """The URL of the log `name` (relative to the log dir, or a full path or
        URL inside it); ForbiddenError for anything else."""
        if not name or "\x00" in name or "\\" in name:
            raise ForbiddenError(f"{name!r}: not a log in the log dir")
        relative = self._relative(name)
        parts = relative.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            raise ForbiddenError(f"{name!r}: not a log in the log dir")
        if not is_log_file(parts[-1]):
            raise ForbiddenError(f"{name!r}: not a log file (.eval, or .json named as Inspect names logs)")
        if not self.local:
            return f"{self.log_dir}/{relative}"
        path = os.path.join(self._root_path, *parts)
        real = os.path.realpath(path)
        if not real.startswith(self._root_real + os.sep):
            raise ForbiddenError(f"{name!r}: leads outside the log dir")
        return "file://" + path

    def _relative(self, name: str) -> str:
        """`name` relative to the log dir (full paths and URLs must lie inside it)."""
        if self.local:
            if storage.scheme(name) not in ("", "file"):
                raise ForbiddenError(f"{name!r}: not in the log dir")
            path = storage.local_path(name)
            if not os.path.isabs(path):
                return path
            normal = os.path.normpath(path)
            if not normal.startswith(self._root_path + os.sep):
                raise ForbiddenError(f"{name!r}: not in the log dir")
            return normal[len(self._root_path) + 1 :]
        if "://" not in name:
            return name
        normal = name.split("://", 1)[0].lower() + "://" + posixpath.normpath(name.split("://", 1)[1])
        if not normal.startswith(self.log_dir + "/"):
            raise ForbiddenError(f"{name!r}: not in the log dir")
        return normal[len(self.log_dir) + 1 :]

    def _fresh(self, name: str) -> str:
        """`resolve`, and forget what fsspec cached of a remote log: it may have
        been rewritten since (a running eval uploads its log at each flush)."""
        url = self.resolve(name)
        storage.forget(url)
        return url

    @contextlib.contextmanager
    def _open(self, name: str) -> Iterator[storage.Source]:
        """The log `name` to read from: a local log opened once, confined to
        the log dir (what is checked is what is read); a remote log's URL
        (object stores have no symlinks: its name alone confines it)."""
        url = self._fresh(name)
        if not self.local:
            yield url
            return
        with storage.open_confined(self._root_path, storage.local_path(url), url) as f:
            yield f

    def _servable(self, name: str) -> bool:
        """Whether a listed log may be served (not through a symlink out of the
        log dir). Remembered per name: every poll lists the log dir again, and
        each request checks its own name anew anyway."""
        known = self._servable_names.get(name)
        if known is None:
            try:
                self.resolve(name)
                known = True
            except ForbiddenError:
                known = False
            if len(self._servable_names) >= _NAME_CACHE_SIZE:
                self._servable_names.clear()
            self._servable_names[name] = known
        return known

    # -- listing and the refresh signal --------------------------------------

    def _list(self, max_age: float) -> list[EvalLogInfo]:
        with self._lock:
            now = time.monotonic()
            if now - self._listed_at >= max_age:
                logs = [
                    log for log in list_eval_logs(self._listed, recursive=self.recursive) if self._servable(log.name)
                ]
                fingerprint = frozenset((log.name, log.size, log.mtime) for log in logs)
                if self._fingerprint is not None and fingerprint != self._fingerprint:
                    self._changed_at = time.time() * 1000.0
                self._listing, self._fingerprint, self._listed_at = logs, fingerprint, now
            return self._listing

    def logs(self) -> dict[str, Any]:
        """The logs in the log dir, newest first (Inspect's `/api/logs`)."""
        logs = self._list(max_age=0)
        return {"log_dir": self.log_dir, "files": [msgspec.to_builtins(log) for log in logs]}

    def events(self, last_eval_time: float) -> list[str]:
        """`["refresh-evals"]` when a log was added, changed or removed after
        `last_eval_time` (ms since the epoch), else nothing."""
        logs = self._list(max_age=_LISTING_TTL)
        newest = max((log.mtime or 0.0 for log in logs), default=0.0)
        return ["refresh-evals"] if max(newest, self._changed_at) > last_eval_time else []

    # -- logs ----------------------------------------------------------------

    def log_headers(self, names: list[str]) -> list[dict[str, Any]]:
        """The headers of several logs (those a listing shows: no samples, no
        epoch reductions); an unreadable log gives `{"read_error": message}`."""
        return [
            to_tree(header) if isinstance(header, EvalLog) else {"read_error": str(header)}
            for header in self.read_headers(names)
        ]

    def read_headers(self, names: list[str]) -> list[EvalLog | InspectCliError]:
        """`log_headers` as objects: each log's header, or why it cannot be read."""
        out: list[EvalLog | InspectCliError | None] = [None] * len(names)
        remote: list[tuple[int, tuple[str, int, float]]] = []
        for i, name in enumerate(names):
            try:
                with self._open(name) as source:
                    key = (storage.source_name(source), *_size_and_mtime(source))
                    cached = self._headers.get(key)
                    if cached is not None:
                        out[i] = cached
                    elif isinstance(source, str):
                        remote.append((i, key))  # read below, several at once
                    else:
                        out[i] = self._cache_header(key, read_eval_log_header(source))
            except InspectCliError as ex:
                out[i] = ex
        headers = read_headers([key[0] for _, key in remote])
        for (i, key), header in zip(remote, headers):
            if isinstance(header, EvalLog):
                out[i] = self._cache_header(key, header)
            else:
                out[i] = header
        return [entry for entry in out if entry is not None]

    def _cache_header(self, key: tuple[str, int, float], header: EvalLog) -> EvalLog:
        if len(self._headers) >= _HEADER_CACHE_SIZE:
            self._headers.clear()
        self._headers[key] = header
        return header

    def log(self, name: str, write: Write, header_only_mb: float | None = None) -> None:
        """Write a log as JSON (as `inspect log dump` prints it); only its header
        when `header_only_mb` is given and the file is larger than that many MB."""
        with self._open(name) as source:
            size = _size_and_mtime(source)[0]
            header_only = header_only_mb is not None and size > header_only_mb * 1024 * 1024
            dump_eval_log(source, write, header_only=header_only)

    def log_size(self, name: str) -> int:
        with self._open(name) as source:
            return _size_and_mtime(source)[0]

    @contextlib.contextmanager
    def log_range(self, name: str, start: int, end: int) -> Iterator[tuple[int, Iterator[bytes]]]:
        """Bytes `start` to `end` (inclusive, as in an HTTP Range) of a log
        file, `end` clamped to the file's last byte: their number, and the
        bytes in chunks (a large range is never held in memory whole).
        ValueError for a range that is empty or starts outside the file."""
        if start < 0 or end < start:
            raise ValueError(f"bad byte range {start}-{end}")
        with self._open(name) as source, storage.open_read(source) as f:
            where = storage.source_name(source)
            with storage.errors(where):
                size = storage.size_of(f)
                if start >= size:
                    raise ValueError(f"bad byte range {start}-{end}: the file has {size} bytes")
                length = min(end, size - 1) - start + 1
                f.seek(start)
            yield length, _chunks(f, length, where)

    def log_bytes(self, name: str, start: int, end: int) -> bytes:
        """Bytes `start` to `end` (inclusive) of a log file, as `log_range`."""
        with self.log_range(name, start, end) as (_, chunks):
            return b"".join(chunks)

    def sample_summaries(self, name: str) -> list[dict[str, Any]]:
        with self._open(name) as source:
            return [to_tree(summary) for summary in read_eval_log_sample_summaries(source)]

    def sample(self, name: str, id: str, epoch: int) -> dict[str, Any]:
        """One sample with its attachments resolved. `id` arrives as text: a
        sample whose id is the integer it spells is found too."""
        with self._open(name) as source:
            try:
                sample = read_eval_log_sample(source, id, epoch, resolve_attachments=True)
            except SampleNotFoundError:
                if not _is_int(id):
                    raise
                sample = read_eval_log_sample(source, int(id), epoch, resolve_attachments=True)
        return to_tree(sample)


def _size_and_mtime(source: storage.Source) -> tuple[int, float]:
    """The size and modification time of an open local log (of what was
    opened, not of what its name leads to now), or of a remote log."""
    if isinstance(source, str):
        found = storage.info(source)
        return found.size, found.mtime
    st = os.fstat(source.fileno())
    return st.st_size, st.st_mtime


def _chunks(f: IO[bytes], length: int, name: str) -> Iterator[bytes]:
    """`length` bytes of `f` from where it is, in chunks; StorageError if the
    file ends first (it was truncated meanwhile)."""
    while length > 0:
        with storage.errors(name):
            chunk = f.read(min(_CHUNK, length))
        if not chunk:
            raise StorageError(f"{name}: the file got shorter while it was read")
        length -= len(chunk)
        yield chunk


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
