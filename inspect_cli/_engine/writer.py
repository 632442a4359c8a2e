"""Writing a log while its eval runs, so an interrupted run keeps what it did.

The log package writes the file (`log_format(...).log_file`: every step
leaves a complete log on disk); this module decides when and where: finished
samples are buffered and flushed in batches, in one background thread, so
encoding and compressing overlap with the eval waiting on its model.

A new log is created exclusively under Inspect's file name: when the name is
taken (a retry in the same second as its original, a concurrent retry of the
same log), the time in the name moves on a second at a time. Remote logs
(s3://...) are written to a local file first and uploaded whole after each
step (the first upload is a conditional write, so it never replaces an
object); remote runs flush less often (see `default_buffer`). When uploads
fail, the eval goes on; if the last upload fails too, the local copy is kept
where the user finds it and named in the error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from .. import storage
from .._console import warn
from ..errors import ExistsError, InspectCliError, LogExistsError, StorageError
from ..log._file import LogFile, log_format
from ..log._names import log_file_name
from ..log._types import EvalLog, EvalSample

_NAME_ATTEMPTS = 3600  # seconds the time in a log's name may move on


def default_buffer(log_dir: str) -> int:
    """Samples per flush: 10 locally, 100 on remote storage."""
    return 10 if storage.is_local(log_dir) else 100


class LogWriter:
    """Writes one eval's log: `start`, then `add` samples as they finish, then `finish`."""

    def __init__(self, log_dir: str, fmt: str, buffer: int, explicit_buffer: bool = False) -> None:
        self.log_dir = log_dir
        self.location = ""  # chosen by start()
        self.format = fmt
        self.buffer = max(1, buffer)
        self.explicit_buffer = explicit_buffer
        self._pending: list[EvalSample] = []
        self._added: list[EvalSample] = []
        self._flushed = 0
        self._remote = not storage.is_local(log_dir)
        self._staging: str | None = None  # remote logs: the local folder they are written in
        self._file: LogFile | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-writer")
        self._last: Future[None] | None = None
        self._lock = threading.Lock()
        self._queued = 0  # batches submitted and not yet written
        self._upload_failure: InspectCliError | None = None

    # -- creating the log ---------------------------------------------------

    def start(self, log: EvalLog) -> None:
        """Create the log file (status `started`) under a name nobody else has."""
        created = log.eval.created
        for _ in range(_NAME_ATTEMPTS):
            name = log_file_name(created, log.eval.task, log.eval.task_id, self.format)
            self.location = storage.join(self.log_dir, name)
            try:
                self._create(log, name)
                return
            except (FileExistsError, ExistsError):
                when = datetime.fromisoformat(created) + timedelta(seconds=1)
                created = when.isoformat(timespec="seconds")
        raise LogExistsError(f"no free log file name in {self.log_dir} for task {log.eval.task}")

    def _create(self, log: EvalLog, name: str) -> None:
        fmt = log_format(name, self.format, sniff=False)
        if not self._remote:
            self._file = fmt.log_file(storage.local_path(self.location))
            self._file.start(log)
            return
        if self._staging is None:
            self._staging = tempfile.mkdtemp(prefix="inspect-log-")
        path = os.path.join(self._staging, name)
        self._file = fmt.log_file(path)
        self._file.start(log)
        try:
            self._upload(first=True)
        except BaseException:
            os.unlink(path)
            raise

    # -- samples --------------------------------------------------------------

    def add(self, sample: EvalSample) -> None:
        self._pending.append(sample)
        self._added.append(sample)
        if len(self._pending) >= self._batch():
            self.flush()

    def _batch(self) -> int:
        """Samples per flush. A `.json` log is rewritten whole at each flush, so
        unless the buffer was set explicitly its batches grow with the log
        (a tenth of what is written), keeping the total work linear."""
        if self.format == "json" and not self.explicit_buffer:
            return max(self.buffer, self._flushed // 10)
        return self.buffer

    def flush(self) -> None:
        """Write the samples added so far (in the background; `finish` waits)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._flushed += len(batch)
        if self._last is not None and self._last.done():
            self._last.result()  # report a failed write as soon as we see it
        with self._lock:
            self._queued += 1
        self._last = self._thread.submit(self._write_batch, batch)

    def _write_batch(self, batch: list[EvalSample]) -> None:
        assert self._file is not None
        try:
            self._file.flush(batch)
            with self._lock:
                latest = self._queued == 1
            if latest:  # a later batch uploads the log anyway: only the newest state is sent
                self._upload_in_run()
        finally:
            with self._lock:
                self._queued -= 1

    def finish(self, log: EvalLog) -> None:
        """Write the final log (its samples are those added)."""
        assert self._file is not None
        log.samples = list(self._added)
        batch, self._pending = self._pending, []
        self._thread.shutdown(wait=True)
        if self._last is not None:
            self._last.result()
        self._file.finish(log, batch)
        if self._remote:
            try:
                self._upload()
            except InspectCliError as ex:
                raise self._kept(ex) from None
            if self._staging is not None:
                shutil.rmtree(self._staging, ignore_errors=True)
        log.__dict__["_location"] = self.location

    # -- remote logs ------------------------------------------------------------

    def _upload(self, first: bool = False) -> None:
        """Put the local file's current state in place, whole (the first time
        only if no object is there)."""
        if self._file is None or not self._remote:
            return
        with open(self._file.path, "rb") as f, storage.atomic_write(self.location, exclusive=first) as out:
            shutil.copyfileobj(f, out, 8 * 1024 * 1024)

    def _upload_in_run(self) -> None:
        """Upload while the eval runs: a failure is reported once and the eval
        goes on (the next flush, or the end, tries again)."""
        try:
            self._upload()
            self._upload_failure = None
        except InspectCliError as ex:
            if self._upload_failure is None:
                warn(f"could not write the log to {self.location} ({ex}); the eval goes on and will try again")
            self._upload_failure = ex

    def _kept(self, failure: InspectCliError) -> StorageError:
        """The error for a remote log whose last upload failed: its local copy is
        moved where the user will find it (the current folder), and named."""
        assert self._file is not None
        try:
            kept = _copy_to_free_name(self._file.path, os.getcwd())
            os.unlink(self._file.path)
            if self._staging is not None:  # now empty: nothing is left in the temporary folder
                shutil.rmtree(self._staging, ignore_errors=True)
        except OSError:
            kept = self._file.path  # the current folder is not writable: leave it where it is
        return StorageError(
            f"could not write the log to {self.location} ({failure}); the log is kept in {kept} "
            f"(resume with: inspect eval-retry {kept} --log-dir {self.log_dir})"
        )


def _copy_to_free_name(path: str, folder: str) -> str:
    """Copy `path` into `folder` under its name, or with a number added before
    its suffix where that is taken (never replacing a file); the copy's path."""
    stem, suffix = os.path.splitext(os.path.basename(path))
    for n in range(1, 1000):
        candidate = os.path.join(folder, f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with open(path, "rb") as source, open(candidate, "xb") as target:
                shutil.copyfileobj(source, target, 8 * 1024 * 1024)
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for {path} in {folder}")
