"""Finishing the log of an eval whose process died (killed, out of memory, power cut).

Such a log keeps status `started` and holds every sample its writer flushed
(each flush leaves a complete, readable log). Recovery turns it into a
finished log that says what happened: the samples kept as they are, status
`error` with an error naming the crash, stats totalled from the samples.
`eval-retry` of the recovered log then runs only the samples it lacks.

Inspect 0.3.285 recovers from a sample buffer database kept beside the run;
this package's evals keep none, and their log is all there is. So no sample
is ever "in progress" here: one that was running when the process died is
simply not in the log, and a retry runs it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import msgspec

from .. import storage
from .._console import warn
from ..errors import (
    BadArgumentError,
    ExistsError,
    LogEditError,
    LogError,
    LogExistsError,
    NotFoundError,
    RecoveryNotAvailable,
)
from ._file import log_format, read_eval_log, read_eval_log_sample_summaries
from ._list import EvalLogInfo, list_eval_logs, read_headers
from ._recompute import recompute_metrics
from ._types import EvalError, EvalLog, EvalSample, EvalSpec, EvalStats, ModelUsage

IncompleteAction = Literal["retry", "error"]

# Where a recovered log comes from (Inspect says "database" for its buffer).
SOURCE = "log"
RECOVERED_SUFFIX = "-recovered"
EVAL_SET_MARKER = ".eval-set-id"  # the file Inspect's eval sets keep in their log dir


def _crash_error() -> EvalError:
    """The error a recovered log records (a log that is `error` names its error)."""
    text = (
        "The eval's process ended before it finished its log; "
        "the samples the log held were kept and the log was finished by recovery.\n"
    )
    return EvalError(message="Eval process died; log recovered", traceback=text, traceback_ansi=text)


class RecoverableEvalLog(msgspec.Struct):
    """A log left `started` by an eval that died, with what recovery would keep.

    `flushed_samples` are the samples in the log; `completed_samples` and
    `in_progress_samples` (finished but unwritten, and running, samples in
    Inspect's buffer database) are always 0 here: those are simply lost.
    `total_samples` is how many the eval was to run (samples x epochs).
    Constructed as Inspect's is (its defaults, by position or keyword);
    `recoverable_eval_logs` says `source="log"`.
    """

    log: EvalLogInfo
    flushed_samples: int
    completed_samples: int = 0
    in_progress_samples: int = 0
    total_samples: int = 0
    source: str = "database"


def default_output_path(location: str) -> str:
    """`<name>-recovered<suffix>` beside the log (Inspect's name for it)."""
    stem, suffix = posixpath.splitext(location)
    return f"{stem}{RECOVERED_SUFFIX}{suffix}"


def expected_samples(spec: EvalSpec) -> int:
    """How many samples (times epochs) the eval was to run."""
    epochs = spec.config.epochs or 1
    if spec.dataset.sample_ids is not None:
        return len(spec.dataset.sample_ids) * epochs
    count = spec.dataset.samples or 0
    limit = spec.config.limit
    if isinstance(limit, int):
        count = min(count, limit)
    elif isinstance(limit, list) and len(limit) == 2:
        count = max(0, min(count, limit[1]) - limit[0])
    return count * epochs


def recover_eval_log(
    log: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    cleanup: bool | Literal["finalized"] = True,
    no_events: bool = False,
    incomplete_action: IncompleteAction = "retry",
    incomplete_max: int | float | None = None,
) -> EvalLog:
    """Finish the log of an eval whose process died, keeping every sample it holds.

    The recovered log goes to `output` (default `<name>-recovered.<ext>` beside
    the log, in the format its suffix names), created only where no file is;
    with `overwrite` it replaces the crashed log in place instead, unless the
    log sits in an eval set's directory that holds a successful log of the
    same task (the crashed one would then look like the newest run). Writes are
    atomic: a failed recovery leaves the crashed log as it was.

    Status is `error`, with an error saying the process died, so `eval-retry`
    runs the samples the log lacks. With `incomplete_action="error"` a log that
    holds every sample the eval was to run is finalized as `success` instead
    (Inspect's rule); samples are never resolved here, as none is ever in
    progress (see the module docs), so `incomplete_max` is only checked for
    being non-negative and RecoveryThresholdExceeded is never raised.
    `no_events` drops the samples' event transcripts (a smaller log).
    `cleanup` removes the temporary files a writer killed mid-flush left
    beside the log (`"finalized"`: only when the result is `success`).
    `results` are left as the crashed log holds them (none): metrics are not
    computed here.

    RecoveryNotAvailable when the log is not `started` or was recovered to the
    default output already; NotFoundError, LogFormatError for a missing or
    unreadable file; LogExistsError when `output` exists.
    """
    _check_arguments(output, overwrite, cleanup, incomplete_action, incomplete_max)
    location = os.fspath(log)
    header = read_eval_log(location, header_only=True)
    if header.status != "started":
        raise RecoveryNotAvailable(
            f"{location} has status '{header.status}': only a log left 'started' by an eval that died can be recovered"
        )
    if overwrite:
        target = location
        _refuse_if_superseded(location, header)
    else:
        target = os.fspath(output) if output is not None else default_output_path(location)
        if storage.exists(target):
            if output is None:
                raise RecoveryNotAvailable(f"{location} was recovered already, to {target}")
            raise LogExistsError(f"{target} exists; not replacing it")
    before = storage.info(location)
    crashed = read_eval_log(location)
    recovered = _finish(crashed, no_events, incomplete_action)
    _write(recovered, target, replace=overwrite, unchanged=(location, before))
    if cleanup is True or (cleanup == "finalized" and recovered.status == "success"):
        remove_writer_leftovers(location)
    return recovered


def _check_arguments(
    output: object, overwrite: bool, cleanup: object, incomplete_action: str, incomplete_max: float | None
) -> None:
    if output is not None and overwrite:
        raise BadArgumentError("recover_eval_log: give either output or overwrite, not both")
    if cleanup not in (True, False, "finalized"):
        raise BadArgumentError(f"recover_eval_log: cleanup must be True, False or 'finalized', not {cleanup!r}")
    if incomplete_action not in ("retry", "error"):
        raise BadArgumentError(
            f"recover_eval_log: incomplete_action must be 'retry' or 'error', not {incomplete_action!r}"
        )
    if incomplete_max is not None:
        if incomplete_max < 0:
            raise BadArgumentError(f"recover_eval_log: incomplete_max must not be negative ({incomplete_max})")
        if incomplete_action == "retry":
            warn(f"incomplete_max={incomplete_max} has no effect with incomplete_action='retry'")


def _refuse_if_superseded(location: str, header: EvalLog) -> None:
    """In an eval set's directory the newest log of a task is taken as its
    latest run: replacing a crashed log after a successful retry would make
    the crashed run look newest."""
    folder = location.rsplit("/", 1)[0] if "/" in location else "."
    if not storage.exists(storage.join(folder, EVAL_SET_MARKER)):
        return
    siblings = [info for info in list_eval_logs(folder, recursive=False) if not _same_file(info.name, location)]
    for info, other in zip(siblings, read_headers(siblings)):
        if isinstance(other, EvalLog) and other.status == "success" and other.eval.task_id == header.eval.task_id:
            raise RecoveryNotAvailable(
                f"{location}: not replacing it, the eval set holds a successful log of the same task ({info.name})"
            )


def _same_file(url: str, location: str) -> bool:
    if storage.is_local(url) and storage.is_local(location):
        return os.path.abspath(storage.local_path(url)) == os.path.abspath(storage.local_path(location))
    return url == location


def _finish(crashed: EvalLog, no_events: bool, incomplete_action: IncompleteAction) -> EvalLog:
    samples = list(crashed.samples or [])
    if no_events:
        samples = [_replaced(s, events=[], events_data=None) for s in samples]
    finalized = incomplete_action == "error" and _holds_every_sample(crashed.eval, samples)
    recovered = _replaced(
        crashed,
        samples=samples,
        status="success" if finalized else "error",
        error=None if finalized else _crash_error(),
        stats=_stats(crashed, samples),
    )
    if any(sample.scores for sample in samples):
        try:
            recompute_metrics(recovered)  # results from the samples kept, as Inspect's recovery gives
        except LogEditError:
            pass  # a metric only its task defines: results stay as the crashed log had them
    return recovered


S = TypeVar("S", bound=msgspec.Struct)


def _replaced(obj: S, **changes: Any) -> S:
    """A copy of `obj` with `changes`, keeping what its `__dict__` holds (the
    fields the reader did not know, the log's location)."""
    out = msgspec.structs.replace(obj, **changes)
    out.__dict__.update({k: v for k, v in obj.__dict__.items() if k not in out.__dict__})
    return out


def _holds_every_sample(spec: EvalSpec, samples: Sequence[EvalSample]) -> bool:
    present = {(str(s.id), s.epoch) for s in samples}
    if spec.dataset.sample_ids is None:
        return len(present) >= expected_samples(spec) > 0
    epochs = spec.config.epochs or 1
    wanted = {(str(id), epoch) for id in spec.dataset.sample_ids for epoch in range(1, epochs + 1)}
    return bool(wanted) and wanted <= present


def _stats(crashed: EvalLog, samples: Sequence[EvalSample]) -> EvalStats:
    """The run's stats: from its creation to the recovery, usage totalled over the samples."""
    return EvalStats(
        started_at=crashed.stats.started_at or crashed.eval.created,
        completed_at=datetime.now(UTC).isoformat(),
        model_usage=_total_usage(s.model_usage for s in samples),
        role_usage=_total_usage(s.role_usage for s in samples),
        connection_limit_history=crashed.stats.connection_limit_history,
    )


def _total_usage(usages: Iterable[dict[str, ModelUsage]]) -> dict[str, ModelUsage]:
    total: dict[str, ModelUsage] = {}
    for usage in usages:
        for name, u in usage.items():
            t = total.setdefault(name, ModelUsage())
            t.input_tokens += u.input_tokens
            t.output_tokens += u.output_tokens
            t.total_tokens += u.total_tokens
            for field in ("input_tokens_cache_write", "input_tokens_cache_read", "reasoning_tokens", "total_cost"):
                value = getattr(u, field)
                if value is not None:
                    setattr(t, field, (getattr(t, field) or 0) + value)
    return total


def _write(log: EvalLog, target: str, replace: bool, unchanged: tuple[str, storage.FileInfo]) -> None:
    """Write atomically: a new file only where none is; in place only if the
    crashed log did not change while it was read (its eval may be alive)."""
    source, before = unchanged
    after = storage.info(source)
    if (after.size, after.mtime) != (before.size, before.mtime):
        raise LogError(f"{source} changed while it was being recovered: is its eval still running?")
    fmt = log_format(target, sniff=False)
    with storage.errors(target):
        try:
            fmt.write_log(log, target, "deflate", exclusive=not replace, if_match=log.etag if replace else None)
        except ExistsError:
            raise LogExistsError(f"{target} was created meanwhile; not replacing it") from None
    log.__dict__["_location"] = target
    log.__dict__["_etag"] = storage.etag_of(target)


def _leftover_pattern(name: str) -> re.Pattern[str]:
    """The temporary files an atomic write of `name` makes beside it (see `storage.local_replacement`)."""
    return re.compile(r"\.tmp-[a-z0-9_]{8}-" + re.escape(name))


def remove_writer_leftovers(location: str) -> list[str]:
    """Remove the temporary files a writer of the local log `location` left
    when it was killed mid-write (remote logs leave none); the paths removed."""
    if not storage.is_local(location):
        return []
    path = storage.local_path(location)
    folder, name = os.path.split(os.path.abspath(path))
    pattern = _leftover_pattern(name)
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    for entry in entries:
        if pattern.fullmatch(entry):
            try:
                os.unlink(os.path.join(folder, entry))
                removed.append(os.path.join(folder, entry))
            except OSError:
                pass  # gone meanwhile, or not ours to remove: recovery succeeded either way
    return removed


def recoverable_eval_logs(log_dir: str | os.PathLike[str] | None = None) -> list[RecoverableEvalLog]:
    """The logs in `log_dir` (default: the configured log dir) that recovery
    would finish: status `started`, and not recovered already (no
    `<name>-recovered` log beside them). Newest first, as `list_eval_logs`.

    A log whose eval is still running looks the same: recover only logs of
    evals that are gone.
    """
    logs = list_eval_logs(log_dir)
    names = {info.name for info in logs}
    out = []
    for info, header in zip(logs, read_headers(logs)):
        if not isinstance(header, EvalLog) or header.status != "started":
            continue
        if default_output_path(info.name) in names:
            continue
        try:
            flushed = len(read_eval_log_sample_summaries(info.name))
        except (NotFoundError, LogError):
            continue  # removed or damaged since it was listed
        total = expected_samples(header.eval)
        out.append(RecoverableEvalLog(log=info, flushed_samples=flushed, total_samples=total, source=SOURCE))
    return out
