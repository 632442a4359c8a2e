"""Writing a log while its eval runs, so an interrupted run keeps what it did.

`.eval`: the zip starts with `_journal/start.json`; each flush appends the
finished samples and a `_journal/summaries/<n>.json`; the end appends
`summaries.json`, `reductions.json` and `header.json`. A run killed between
flushes leaves a readable `started` log with the flushed samples (our reader
also recovers a zip whose last append was cut short).
`.json`: each flush rewrites the whole file (atomically) with status
`started` and the samples so far.
Remote logs (s3://...) are built in a local file that is uploaded whole on
each flush, so remote runs should flush less often (see `default_buffer`).
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from .. import storage
from ..log import _codec, _eval, _json, _tree
from ..log._names import log_file_name
from ..log._types import EvalLog, EvalSample
from ..log._zip import ZipReader, ZipWriter


def default_buffer(log_dir: str) -> int:
    """Samples per flush: 10 locally, 100 on remote storage."""
    return 10 if storage.is_local(log_dir) else 100


def free_location(log_dir: str, log: EvalLog, fmt: str) -> str:
    """Where a new log goes: Inspect's file name in `log_dir`, never an existing file.

    Names have 1-second resolution and keep the task id, so a retry in the
    same second as its original would collide: the time in the name is then
    moved on a second at a time until the name is free.
    """
    from datetime import datetime, timedelta

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
        self._written: list[EvalSample] = []
        self._summaries: list[dict] = []
        self._flushes = 0
        self._local = storage.local_path(location) if storage.is_local(location) else None
        self._zip_path: str | None = None
        self._zip: IO[bytes] | None = None
        self._writer: ZipWriter | None = None
        # Flushes run in one background thread, in order: encoding and
        # compressing then overlap with the eval waiting on its model.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-writer")
        self._last: Future[None] | None = None

    # -- lifecycle --------------------------------------------------------

    def start(self, log: EvalLog) -> None:
        self._log = log
        if self.format == "eval":
            # The archive is built in a temporary file and renamed into place
            # once it is a valid zip; later flushes append to it in place
            # (through the same open file), never invalidating what is there.
            folder = os.path.dirname(os.path.abspath(self._local)) if self._local else None
            if folder:
                os.makedirs(folder, exist_ok=True)
            fd, self._zip_path = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".eval")
            self._zip = os.fdopen(fd, "w+b")
            self._writer = ZipWriter(self._zip)
            header = _tree.to_tree(log, exclude=("samples", "reductions", "status", "results", "stats"))
            self._writer.add(
                _eval.START, _codec.dumps({k: header[k] for k in ("version", "eval", "plan") if k in header})
            )
            self._commit()
            if self._local:
                os.replace(self._zip_path, self._local)
                self._zip_path = self._local
        else:
            self._write_json(log)

    def add(self, sample: EvalSample) -> None:
        self._pending.append(sample)
        if len(self._pending) >= self._batch():
            self.flush()

    def _batch(self) -> int:
        """Samples per flush. A `.json` log is rewritten whole at each flush, so
        unless the buffer was set explicitly its batches grow with the log
        (a tenth of what is written), keeping the total work linear."""
        if self.format == "json" and not self.explicit_buffer:
            return max(self.buffer, len(self._written) // 10)
        return self.buffer

    def flush(self) -> None:
        """Write the samples added so far (in the background; `finish` waits)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._written.extend(batch)
        if self._last is not None and self._last.done():
            self._last.result()  # report a failed write as soon as we see it
        self._last = self._thread.submit(self._write_batch, batch, list(self._written))

    def _write_batch(self, batch: list[EvalSample], written: list[EvalSample]) -> None:
        if self.format == "eval":
            assert self._writer is not None
            self._flushes += 1
            summaries = []
            for sample in batch:
                tree = _tree.to_tree(sample)
                self._writer.add(_eval.sample_entry(sample.id, sample.epoch), _codec.dumps(tree))
                summaries.append(_eval.summary(tree))
            self._summaries.extend(summaries)
            self._writer.add(f"_journal/summaries/{self._flushes}.json", _codec.dumps(summaries))
            self._commit()
        else:
            self._log.samples = written
            self._write_json(self._log)

    def finish(self, log: EvalLog) -> None:
        """Write the final log (its samples are those added)."""
        self.flush()
        self._thread.shutdown(wait=True)
        if self._last is not None:
            self._last.result()
        log.samples = list(self._written)
        if self.format == "eval":
            assert self._writer is not None and self._zip is not None
            header = _tree.to_tree(log, exclude=("samples", "reductions"))
            self._writer.add(_eval.SUMMARIES, _codec.dumps(self._summaries))
            if log.reductions is not None:
                self._writer.add(_eval.REDUCTIONS, _codec.dumps([_tree.to_tree(r) for r in log.reductions]))
            self._writer.add(_eval.HEADER, _codec.dumps(header))
            self._writer.close()
            self._zip.close()
            self._compact()
            if self._local is None and self._zip_path:
                os.unlink(self._zip_path)
        else:
            self._write_json(log)
        log.__dict__["_location"] = self.location

    # -- storage ----------------------------------------------------------

    def _compact(self) -> None:
        """Rewrite the finished archive without the directories of earlier
        flushes (entries are copied, not recompressed), atomically."""
        assert self._zip_path is not None
        folder = os.path.dirname(os.path.abspath(self._zip_path))
        with open(self._zip_path, "rb") as source:
            reader = ZipReader(source, self.location)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".eval")
            try:
                with os.fdopen(fd, "w+b") as target:
                    writer = ZipWriter(target)
                    for name in reader.names():
                        writer.add_raw(name, *reader.read_raw(name))
                    writer.close()
                    target.flush()
                    os.fsync(target.fileno())
                os.replace(tmp, self._zip_path)
            except BaseException:
                os.unlink(tmp)
                raise
        if self._local is None:
            self._upload()

    def _commit(self) -> None:
        """Make what was added readable: write the zip directory, then (remote) upload."""
        assert self._writer is not None and self._zip is not None
        self._writer.close()
        self._zip.flush()  # to the OS: a killed process loses nothing; fsync waits for the disk
        if self._local is None:
            self._upload()

    def _upload(self) -> None:
        with open(self._zip_path or "", "rb") as f, storage.atomic_write(self.location) as out:
            while chunk := f.read(8 * 1024 * 1024):
                out.write(chunk)

    def _write_json(self, log: EvalLog) -> None:
        storage.write_bytes(self.location, _json.encode_log(log))
