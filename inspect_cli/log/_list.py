"""Find the logs in a log directory, newest first.

Logs are recognised by name (a `.eval` or `.json` file, not hidden) without
reading them; task and task id come from Inspect's file naming
(`<created>_<task>_<task id>.<ext>`). Only a log whose name does not follow
that pattern has its header read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, TypeVar, cast

import msgspec

from .. import settings, storage
from ..errors import InspectCliError
from ._file import FORMATS, LogFileArg, log_source, read_eval_log, read_eval_log_header
from ._names import parse_log_name
from ._types import EvalLog


class EvalLogInfo(msgspec.Struct, kw_only=True):
    """A log file found in a log directory."""

    name: str  # a URI: file:///abs/path.eval, s3://bucket/key.eval, ...
    type: str = "file"
    size: int = 0
    mtime: float | None = None  # milliseconds since the epoch
    task: str = ""
    task_id: str = ""
    suffix: str | None = None


# Other JSON files often sit beside logs: as Inspect does, a `.json` file is a
# log only when its name starts with a log's creation time.
_JSON_LOG_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2}")


def is_log_file(name: str, formats: Sequence[str] | None = None) -> bool:
    """Whether a file of a log dir is a log, by its name alone (as Inspect
    decides it: suffixes are case-sensitive; hidden files are not logs)."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    if base.startswith("."):
        return False
    for fmt in (FORMATS[f] for f in formats) if formats else FORMATS.values():
        if base.endswith(fmt.suffix):
            return fmt.name != "json" or _JSON_LOG_NAME.match(base) is not None
    return False


def list_eval_logs(
    log_dir: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    filter: Callable[[EvalLog], bool] | None = None,
    recursive: bool = True,
    descending: bool = True,
    fs_options: dict[str, Any] | None = None,
) -> list[EvalLogInfo]:
    """The logs in `log_dir` (see `settings.log_dir` for the default), newest
    first; with `filter`, those whose header it accepts (unreadable logs are
    left out). `fs_options` go to fsspec for a remote log dir's listing."""
    root = settings.log_dir(log_dir)
    logs = []
    unnamed = []  # logs whose names do not tell their task: their headers do
    for found in storage.list_files(root, recursive, fs_options):
        if not is_log_file(found.url, formats):
            continue
        info = EvalLogInfo(name=found.url, size=found.size, mtime=found.mtime * 1000.0)
        parsed = parse_log_name(found.url)
        if parsed is None:
            unnamed.append(info)
        else:
            info.task, info.task_id = parsed
        logs.append(info)
    _fill_from_headers(unnamed)
    if filter is not None:
        headers = read_headers(logs)
        logs = [log for log, header in zip(logs, headers) if isinstance(header, EvalLog) and filter(header)]
    logs.sort(key=lambda log: (log.mtime or 0.0, log.name), reverse=descending)
    return logs


def _fill_from_headers(logs: list[EvalLogInfo]) -> None:
    """Task and task id of logs whose names do not tell them (unreadable ones stay empty)."""
    for log, header in zip(logs, read_headers(logs)):
        if isinstance(header, EvalLog):
            log.task, log.task_id = header.eval.task, header.eval.task_id


T = TypeVar("T")


def read_headers(
    logs: Sequence[EvalLogInfo | str], workers: int = 16, full: bool = False
) -> list[EvalLog | InspectCliError]:
    """The headers of many logs (those listings use, or with `full` those of
    `read_eval_log(header_only=True)`); an unreadable log gives its error.

    Remote logs are read concurrently (threads waiting on the network); local
    ones one after the other, which is faster: parsing holds the GIL.
    """

    def read(log: EvalLogInfo | str) -> EvalLog | InspectCliError:
        name = log if isinstance(log, str) else log.name
        try:
            return read_eval_log(name, header_only=True) if full else read_eval_log_header(name)
        except InspectCliError as ex:
            return ex

    names = [log if isinstance(log, str) else log.name for log in logs]
    if all(storage.is_local(name) for name in names):
        return [read(log) for log in logs]
    return _map(read, logs, workers)


def read_eval_log_headers(log_files: Sequence[LogFileArg], progress: Any = None) -> list[EvalLog]:
    """The headers of several logs (`read_eval_log(header_only=True)` each),
    read concurrently where they are remote. `progress` (Inspect's progress
    callbacks) is accepted and not used."""
    names = []
    for f in log_files:
        source = log_source(f)
        if not isinstance(source, str):
            raise TypeError("read_eval_log_headers takes paths, URLs or listing records, not open files")
        names.append(source)
    headers = read_headers(names, full=True)
    for header in headers:
        if isinstance(header, InspectCliError):
            raise header
    return cast(list[EvalLog], headers)


def _map(fn: Callable[[Any], T], items: Sequence[Any], workers: int) -> list[T]:
    if len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


def retryable_eval_logs(
    logs: Sequence[EvalLogInfo], *, headers: Sequence[EvalLog | None] | None = None
) -> list[EvalLogInfo]:
    """Logs worth retrying: `error` or `cancelled`, whose task id has no `success`
    log among `logs`; of several for one task id, only the newest."""
    if headers is None:
        headers = [h if isinstance(h, EvalLog) else None for h in read_headers(logs)]
    succeeded = {h.eval.task_id for h in headers if h is not None and h.status == "success"}
    newest: dict[str, EvalLogInfo] = {}
    for log, header in zip(logs, headers):
        if header is None or header.status not in ("error", "cancelled") or header.eval.task_id in succeeded:
            continue
        task_id = header.eval.task_id
        current = newest.get(task_id)
        if current is None or (log.mtime or 0) > (current.mtime or 0):
            newest[task_id] = log
    chosen = {id(log) for log in newest.values()}
    return [log for log in logs if id(log) in chosen]


class Selection(NamedTuple):
    """Listed logs after filtering, with the headers that were read (if any)."""

    logs: list[EvalLogInfo]
    headers: dict[str, EvalLog]  # by log name, when headers were read
    failures: list[tuple[EvalLogInfo, InspectCliError]]


def select_eval_logs(
    logs: Sequence[EvalLogInfo],
    status: str | None = None,
    retryable: bool = False,
    need_headers: bool = False,
) -> Selection:
    """Filter listed logs by status and/or retryability, reading their headers
    (concurrently) only when a filter or `need_headers` asks for them.
    Logs that could not be read are left out and reported in `failures`."""
    if status is None and not retryable and not need_headers:
        return Selection(list(logs), {}, [])
    headers = read_headers(logs)
    failures = [(log, h) for log, h in zip(logs, headers) if isinstance(h, InspectCliError)]
    pairs = [(log, h) for log, h in zip(logs, headers) if isinstance(h, EvalLog)]
    if status is not None:
        pairs = [(log, h) for log, h in pairs if h.status == status]
    selected = [log for log, _ in pairs]
    if retryable:
        selected = retryable_eval_logs(selected, headers=[h for _, h in pairs])
    return Selection(selected, {log.name: h for log, h in pairs}, failures)


def log_summary(header: EvalLog) -> dict[str, Any]:
    """What `list logs --long` shows of a log, from its header (and, for a
    log without results, its stored sample summaries: see `_counts`)."""
    from ._counts import sample_counts

    results = header.results
    headline = None
    if results is not None and results.scores:
        score = results.scores[0]
        name, metric = next(iter(score.metrics.items()), (None, None))
        if metric is not None:
            headline = {"scorer": score.name, "metric": name, "value": metric.value}
    counts = sample_counts(header)
    return {
        "status": header.status,
        "model": header.eval.model,
        "created": header.eval.created,
        "total_samples": counts.planned,
        "completed_samples": counts.finished,
        "headline": headline,
        "error": header.error.message if header.error is not None else None,
    }


MANIFEST = "logs.json"


def write_log_dir_manifest(
    log_dir: str,
    *,
    filename: str = MANIFEST,
    output_dir: str | None = None,
    fs_options: dict[str, Any] | None = None,
) -> None:
    """Write the manifest Inspect's viewer and tools read instead of listing a
    log dir: `logs.json`, each log's header by its path relative to `log_dir`,
    newest first (into `output_dir` if given). Unreadable logs are left out."""
    from . import _codec
    from ._tree import to_tree

    logs = list_eval_logs(log_dir, fs_options=fs_options)
    headers = read_headers(logs, full=True)
    root = log_dir.rstrip("/")
    if storage.is_local(root):
        root = os.path.abspath(storage.local_path(root))
    manifest = {}
    for log, header in zip(logs, headers):
        if isinstance(header, EvalLog):
            name = storage.local_path(log.name) if storage.is_local(log.name) else log.name
            manifest[name[len(root) + 1 :] if name.startswith(root + "/") else name] = to_tree(header)
    storage.write_bytes(storage.join(output_dir or log_dir, filename), _codec.dumps(manifest, indent=True))
