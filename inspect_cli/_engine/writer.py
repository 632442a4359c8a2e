"""Writing a log while its eval runs, so an interrupted run keeps what it did.

The log package writes the file (`log_format(...).log_file`: every step
leaves a complete log on disk); this module decides when: finished samples
are buffered and flushed in batches, in one background thread, so encoding
and compressing overlap with the eval waiting on its model. Remote logs
(s3://...) are written to a local file first and uploaded whole after each
step, so remote runs flush less often (see `default_buffer`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from .. import storage
from ..log._file import LogFile, log_format
from ..log._names import log_file_name
from ..log._types import EvalLog, EvalSample


def default_buffer(log_dir: str) -> int:
    """Samples per flush: 10 locally, 100 on remote storage."""
    return 10 if storage.is_local(log_dir) else 100


def free_location(log_dir: str, log: EvalLog, fmt: str) -> str:
    """Where a new log goes: Inspect's file name in `log_dir`, never an existing file.

    Names have 1-second resolution and keep the task id, so a retry in the
    same second as its original would collide: the time in the name is then
    moved on a second at a time until the name is free.
    """
    created = log.eval.created
    for _ in range(3600):
        url = storage.join(log_dir, log_file_name(created, log.eval.task, log.eval.task_id, fmt))
        if not storage.exists(url):
            return url
        when = datetime.fromisoformat(created) + timedelta(seconds=1)
        created = when.isoformat(timespec="seconds")
    raise FileExistsError(f"no free log file name in {log_dir} for task {log.eval.task}")


class LogWriter:
    """Writes one eval's log: `start`, then `add` samples as they finish, then `finish`."""

    def __init__(self, location: str, fmt: str, buffer: int, explicit_buffer: bool = False) -> None:
        self.location = location
        self.format = fmt
        self.buffer = max(1, buffer)
        self.explicit_buffer = explicit_buffer
        self._pending: list[EvalSample] = []
        self._added: list[EvalSample] = []
        self._flushed = 0
        self._remote = not storage.is_local(location)
        self._staging: str | None = None  # remote logs: the local folder they are written in
        self._file: LogFile | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-writer")
        self._last: Future[None] | None = None

    def start(self, log: EvalLog) -> None:
        if self._remote:
            self._staging = tempfile.mkdtemp(prefix="inspect-log-")
            path = os.path.join(self._staging, self.location.rsplit("/", 1)[-1])
        else:
            path = storage.local_path(self.location)
        self._file = log_format(self.location, self.format, sniff=False).log_file(path)
        self._file.start(log)
        self._upload()

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
        self._last = self._thread.submit(self._write_batch, batch)

    def _write_batch(self, batch: list[EvalSample]) -> None:
        assert self._file is not None
        self._file.flush(batch)
        self._upload()

    def finish(self, log: EvalLog) -> None:
        """Write the final log (its samples are those added)."""
        assert self._file is not None
        log.samples = list(self._added)
        batch, self._pending = self._pending, []
        self._thread.shutdown(wait=True)
        if self._last is not None:
            self._last.result()
        self._file.finish(log, batch)
        self._upload()
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
        log.__dict__["_location"] = self.location

    def _upload(self) -> None:
        """Remote logs: put the local file's current state in place, whole."""
        if self._file is None or not self._remote:
            return
        with open(self._file.path, "rb") as f, storage.atomic_write(self.location) as out:
            shutil.copyfileobj(f, out, 8 * 1024 * 1024)
