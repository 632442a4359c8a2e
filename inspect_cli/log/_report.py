"""Reports over eval logs for CI and people: one row per task and model (the
newest run, or every run), each metric with its change from the run before,
and gates a pipeline fails on (`match/accuracy>=0.8`, `status==success`,
`errors<=2`).

Rows come from log headers alone. Sample summaries are read only when a gate
counts errored samples or sample outcomes are asked for (a `.eval` log stores
them apart from the samples; a `.json` log's samples are streamed).
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import msgspec

from .. import settings, storage
from ..errors import InspectCliError, UsageError
from ._headline import headline_metric
from ._list import EvalLogInfo, list_eval_logs, read_headers
from ._types import EvalLog, ModelUsage, value_to_float

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
STATUSES = ("started", "success", "cancelled", "error")
_GATE = re.compile(r"^\s*(?P<subject>[^<>=\s]+)\s*(?P<op>>=|<=|==|>|<)\s*(?P<value>\S+)\s*$")


class Gate(msgspec.Struct, frozen=True, kw_only=True):
    """A condition every reported log must meet.

    `subject` is `status`, `errors` (samples that errored) or a metric:
    `scorer/metric`, or a bare `metric` when only one score has it.
    """

    text: str  # as written
    subject: str
    op: str
    value: str | float


def parse_gate(text: str) -> Gate:
    """A gate from its text (`SUBJECT OP VALUE`); UsageError when malformed."""
    found = _GATE.match(text)
    if found is None:
        raise UsageError(
            f"bad gate {text!r}: expected SUBJECT OP VALUE with OP one of >= > <= < == (e.g. 'accuracy>=0.8')"
        )
    subject, op, raw = found["subject"], found["op"], found["value"]
    if subject == "status":
        if op != "==" or raw not in STATUSES:
            raise UsageError(f"bad gate {text!r}: status takes == and one of {', '.join(STATUSES)}")
        return Gate(text=text, subject=subject, op=op, value=raw)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UsageError(f"bad gate {text!r}: {raw!r} is not a finite number")
    if subject.startswith("/") or subject.endswith("/"):
        raise UsageError(f"bad gate {text!r}: name a metric as scorer/metric or metric")
    return Gate(text=text, subject=subject, op=op, value=value)


class MetricValue(msgspec.Struct, kw_only=True):
    """One metric of one score, with the same metric of the run before."""

    scorer: str  # the score's name in the results
    metric: str
    value: float | None  # None: the log stored no number (NaN before 0.3.50)
    previous: float | None = None
    change: float | None = None  # value - previous, when both are numbers

    @property
    def key(self) -> str:
        return f"{self.scorer}/{self.metric}"


class SampleOutcome(msgspec.Struct, kw_only=True):
    """A sample's result for test reports: passed when every score is correct."""

    id: int | str
    epoch: int
    outcome: str  # passed, failed (a score not correct), error, skipped (not scored)
    message: str | None = None
    time: float | None = None  # seconds


class ReportRow(msgspec.Struct, kw_only=True):
    """One log: what ran, how it went, and its change from the previous run."""

    log: str  # the log's location (URI)
    task: str
    model: str
    task_id: str
    created: str
    status: str
    error: str | None = None  # the eval's error message
    total_samples: int | None = None
    completed_samples: int | None = None
    errors: int | None = None  # samples that errored (None: not counted)
    headline: str | None = None  # `scorer/metric` of the headline metric
    metrics: list[MetricValue] = []
    duration: float | None = None  # seconds from start to completion
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    previous: str | None = None  # the log of the previous run of this task and model
    samples: list[SampleOutcome] | None = None


class GateOutcome(msgspec.Struct, kw_only=True):
    """A gate checked against one log (`log` None: there was no log to check)."""

    gate: str
    log: str | None
    task: str | None = None
    model: str | None = None
    passed: bool
    actual: str | float | int | None = None
    reason: str


class SkippedLog(msgspec.Struct, kw_only=True):
    log: str
    error: str


class Report(msgspec.Struct, kw_only=True):
    rows: list[ReportRow]
    gates: list[GateOutcome] = []
    skipped: list[SkippedLog] = []
    passed: bool = True  # every gate passed

    @property
    def failed_gates(self) -> list[GateOutcome]:
        return [g for g in self.gates if not g.passed]


def report_eval_logs(
    logs: Sequence[str] = (),
    log_dir: str | None = None,
    gates: Sequence[str | Gate] = (),
    all_runs: bool = False,
    samples: bool = False,
    recursive: bool = True,
) -> Report:
    """A report of the logs named (files, or directories searched for logs),
    else of the log dir (`settings.log_dir`): the newest log of each task and
    model (every log with `all_runs`), newest first, with `gates` checked on
    each. With `samples`, each row lists its samples' outcomes. Logs that
    cannot be read are left out and listed in `skipped`."""
    checks = [g if isinstance(g, Gate) else parse_gate(g) for g in gates]
    infos = _find(logs, log_dir, recursive)
    skipped: list[SkippedLog] = []
    runs: list[tuple[EvalLogInfo, EvalLog]] = []
    for info, header in zip(infos, read_headers(infos)):
        if isinstance(header, EvalLog):
            runs.append((info, header))
        else:
            skipped.append(SkippedLog(log=info.name, error=str(header)))
    runs.sort(key=lambda run: (_time(run[1].eval.created), run[0].mtime or 0.0, run[0].name), reverse=True)
    rows = []
    latest: dict[tuple[str, str], ReportRow] = {}  # the older run of each key gives the newer its change
    for info, header in reversed(runs):
        row = _row(info.name, header)
        before = latest.get((row.task, row.model))
        if before is not None:
            _compare(row, before)
        latest[(row.task, row.model)] = row
        rows.append(row)
    rows.reverse()
    if not all_runs:
        rows = [row for row in rows if latest[(row.task, row.model)] is row]
    count_errors = samples or any(g.subject == "errors" for g in checks)
    for row in rows if count_errors else []:
        try:
            _read_samples(row)
        except InspectCliError as ex:
            skipped.append(SkippedLog(log=row.log, error=f"samples: {ex}"))
    outcomes = [outcome for gate in checks for outcome in _check(gate, rows)]
    if not samples:
        for row in rows:
            row.samples = None
    return Report(rows=rows, gates=outcomes, skipped=skipped, passed=all(o.passed for o in outcomes))


def _find(logs: Sequence[str], log_dir: str | None, recursive: bool) -> list[EvalLogInfo]:
    if not logs:
        return list_eval_logs(settings.log_dir(log_dir), recursive=recursive)
    found: dict[str, EvalLogInfo] = {}
    for location in [*logs, *([log_dir] if log_dir else [])]:
        if not storage.exists(location):
            raise UsageError(f"{location}: no such log file or directory")
        if storage.is_dir(location):
            for info in list_eval_logs(location, recursive=recursive):
                found.setdefault(info.name, info)
        else:
            name = "file://" + os.path.abspath(storage.local_path(location)) if storage.is_local(location) else location
            found.setdefault(name, EvalLogInfo(name=name))
    return list(found.values())


def _time(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return 0.0


def _row(name: str, header: EvalLog) -> ReportRow:
    results = header.results
    headline = headline_metric(header)
    usage = _usage(header.stats.model_usage.values())
    return ReportRow(
        log=name,
        task=header.eval.task,
        model=header.eval.model,
        task_id=header.eval.task_id,
        created=header.eval.created,
        status=header.status,
        error=header.error.message if header.error is not None else None,
        total_samples=results.total_samples if results is not None else header.eval.dataset.samples,
        completed_samples=results.completed_samples if results is not None else None,
        headline=f"{headline.score.name}/{headline.name}" if headline is not None else None,
        metrics=[
            MetricValue(scorer=score.name, metric=name, value=_number(metric.value))
            for score in (results.scores if results is not None else [])
            for name, metric in score.metrics.items()
        ],
        duration=_duration(header.stats.started_at, header.stats.completed_at),
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
    )


def _number(value: int | float | None) -> float | None:
    return None if value is None else float(value)


def _usage(usages: Any) -> ModelUsage:
    total = ModelUsage()
    for usage in usages:
        total.input_tokens += usage.input_tokens
        total.output_tokens += usage.output_tokens
        total.total_tokens += usage.total_tokens
    return total


def _duration(started: str, completed: str) -> float | None:
    if not started or not completed:
        return None
    try:
        return (datetime.fromisoformat(completed) - datetime.fromisoformat(started)).total_seconds()
    except ValueError:
        return None


def _compare(row: ReportRow, before: ReportRow) -> None:
    row.previous = before.log
    earlier = {m.key: m.value for m in before.metrics}
    for metric in row.metrics:
        if metric.key not in earlier:
            continue
        metric.previous = earlier[metric.key]
        if _finite(metric.value) and _finite(metric.previous):
            metric.change = metric.value - metric.previous  # type: ignore[operator]


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _read_samples(row: ReportRow) -> None:
    from ._file import read_eval_log_sample_summaries

    summaries = read_eval_log_sample_summaries(row.log)
    row.errors = sum(1 for s in summaries if s.error is not None)
    row.samples = [
        SampleOutcome(id=s.id, epoch=s.epoch, time=s.total_time, **_outcome(s.error, s.scores)) for s in summaries
    ]


def _outcome(error: str | None, scores: dict[str, Any] | None) -> dict[str, Any]:
    if error is not None:
        return {"outcome": "error", "message": error}
    if not scores:
        return {"outcome": "skipped", "message": "not scored"}
    wrong = [f"{name}={score.value!r}" for name, score in scores.items() if not _correct(score.value)]
    if wrong:
        return {"outcome": "failed", "message": "not correct: " + ", ".join(wrong)}
    return {"outcome": "passed"}


def _correct(value: Any) -> bool:
    """Full marks: C, yes/true, True, or a number of 1 or more (every entry of a dict)."""
    if isinstance(value, dict):
        return all(_correct(v) for v in value.values())
    if isinstance(value, list):
        return all(_correct(v) for v in value)
    return value_to_float(value) >= 1.0


def _check(gate: Gate, rows: list[ReportRow]) -> list[GateOutcome]:
    if not rows:
        return [GateOutcome(gate=gate.text, log=None, passed=False, reason="no logs to check")]
    return [_check_row(gate, row) for row in rows]


def _check_row(gate: Gate, row: ReportRow) -> GateOutcome:
    def outcome(passed: bool, actual: str | float | int | None, reason: str) -> GateOutcome:
        return GateOutcome(
            gate=gate.text, log=row.log, task=row.task, model=row.model, passed=passed, actual=actual, reason=reason
        )

    compare = OPERATORS[gate.op]
    if gate.subject == "status":
        return outcome(compare(row.status, gate.value), row.status, f"status is {row.status}")
    if gate.subject == "errors":
        if row.errors is None:
            return outcome(False, None, "its samples could not be read")
        return outcome(compare(row.errors, gate.value), row.errors, f"{row.errors} samples errored")
    metric, problem = _find_metric(gate.subject, row)
    if metric is None:
        return outcome(False, None, problem)
    if metric.value is None or math.isnan(metric.value):
        return outcome(False, None, f"{metric.key} is not a number")
    return outcome(compare(metric.value, gate.value), metric.value, f"{metric.key} is {metric.value:.6g}")


def _find_metric(subject: str, row: ReportRow) -> tuple[MetricValue | None, str]:
    scorer, _, name = subject.rpartition("/")
    matches = [m for m in row.metrics if m.metric == name and (not scorer or m.scorer == scorer)]
    if len(matches) == 1:
        return matches[0], ""
    if matches:
        return None, f"{subject} is ambiguous (name one of {', '.join(m.key for m in matches)})"
    known = ", ".join(m.key for m in row.metrics) or "none"
    return None, f"no metric {subject} (metrics: {known})"
