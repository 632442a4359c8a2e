"""What an eval's end shows of each task: task, model, dataset, status,
samples finished, duration, tokens, every scorer's metrics, and for an eval
that failed its error; `retry_command` retries those that failed or were
cancelled.

Two renderings of the same facts: a rich panel for a person at a terminal,
and plain `key: value` lines for pipes, CI logs and NO_COLOR. Log paths and
retry commands are never cut or wrapped by us (a terminal may fold them),
so they can be copied whole.
"""

from __future__ import annotations

import os
import shlex
from datetime import datetime
from typing import Any, NamedTuple

from .. import _secrets, storage
from ..log._counts import sample_counts
from ..log._types import EvalLog, ModelUsage


class Outcome(NamedTuple):
    task: str
    model: str
    status: str
    dataset: str  # its name and size, e.g. "arith (4 samples)"
    samples: str  # finished/planned, e.g. "3/4"
    duration: str  # H:MM:SS from the log's start and end times
    tokens: list[tuple[str, str]]  # (model, "48 (input 40, output 8)")
    scores: list[tuple[str, dict[str, str]]]  # (scorer, {metric: value})
    error: str  # first line of the error; "" if none


def outcome(log: EvalLog) -> Outcome:
    """The facts of a finished eval, as text (secrets redacted)."""
    counts = sample_counts(log)
    dataset = log.eval.dataset
    size = f"{dataset.samples} samples" if dataset.samples is not None else ""
    shown_dataset = ", ".join(x for x in (dataset.name or "", size) if x)
    samples = (
        "" if counts.planned is None else f"{'?' if counts.finished is None else counts.finished}/{counts.planned}"
    )
    message = log.error.message if log.error is not None else ""
    return Outcome(
        task=log.eval.task,
        model=log.eval.model,
        status=log.status,
        dataset=shown_dataset,
        samples=samples,
        duration=_duration(log.stats.started_at, log.stats.completed_at),
        tokens=[(model, _tokens(usage)) for model, usage in log.stats.model_usage.items()],
        scores=[
            (score.name, {name: number(metric.value) for name, metric in score.metrics.items()})
            for score in (log.results.scores if log.results is not None else [])
        ],
        error=" ".join(message.strip().split("\n", 1)[0].split()),
    )


def retry_command(logs: list[EvalLog]) -> str | None:
    """The command that retries the evals among `logs` that failed or were
    cancelled (None when all succeeded)."""
    failed = [log.location for log in logs if log.status in ("error", "cancelled") and log.location]
    if not failed:
        return None
    return "inspect eval-retry " + " ".join(shlex.quote(shown_location(location)) for location in failed)


def shown_location(location: str) -> str:
    """A log's location as messages show it: local ones relative to the cwd."""
    if not storage.is_local(location):
        return location
    path = storage.local_path(location)
    return os.path.relpath(path) if os.path.isabs(path) else path


def number(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _duration(started: str, completed: str) -> str:
    try:
        seconds = int((datetime.fromisoformat(completed) - datetime.fromisoformat(started)).total_seconds())
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _tokens(usage: ModelUsage) -> str:
    parts = [f"input {usage.input_tokens:,}", f"output {usage.output_tokens:,}"]
    if usage.reasoning_tokens:
        parts.append(f"reasoning {usage.reasoning_tokens:,}")
    if usage.input_tokens_cache_read:
        parts.append(f"cache read {usage.input_tokens_cache_read:,}")
    return f"{usage.total_tokens:,} ({', '.join(parts)})"


def plain_lines(log: EvalLog) -> list[str]:
    """A task's outcome as lines: `task (model): status`, then `  key: value`."""
    o = outcome(log)
    lines = [f"{o.task} ({o.model}): {o.status}"]
    if o.error:
        lines.append(f"  error: {o.error}")
    for key, value in (("dataset", o.dataset), ("samples", o.samples), ("duration", o.duration)):
        if value:
            lines.append(f"  {key}: {value}")
    if len(o.tokens) == 1:
        lines.append(f"  tokens: {o.tokens[0][1]}")
    else:
        lines.extend(f"  tokens ({model}): {text}" for model, text in o.tokens)
    for scorer, metrics in o.scores:
        lines.append(f"  {scorer}: " + ", ".join(f"{name}={value}" for name, value in metrics.items()))
    return [_secrets.redact(line) for line in lines]


_STATUS_STYLE = {"success": "green", "error": "red", "cancelled": "yellow"}


def panel(log: EvalLog) -> Any:
    """A task's outcome as a rich panel: facts, then a table of scorers by metric."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    o = outcome(log)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("model", _secrets.redact(o.model))
    facts.add_row("status", Text(o.status, style=_STATUS_STYLE.get(o.status, "")))
    if o.error:
        facts.add_row("error", Text(_secrets.redact(o.error), style="red"))
    for key, value in (("dataset", o.dataset), ("samples", o.samples), ("duration", o.duration)):
        if value:
            facts.add_row(key, _secrets.redact(value))
    for model, text in o.tokens:
        facts.add_row("tokens", _secrets.redact(text if len(o.tokens) == 1 else f"{model}: {text}"))
    parts: list[Any] = [facts]
    if o.scores:
        metric_names = list(dict.fromkeys(name for _, metrics in o.scores for name in metrics))
        scores = Table(box=None, pad_edge=False, padding=(0, 2), header_style="bold")
        scores.add_column("scorer", overflow="fold")
        for name in metric_names:
            scores.add_column(name, justify="right", no_wrap=True)
        for scorer, metrics in o.scores:
            scores.add_row(_secrets.redact(scorer), *(metrics.get(name, "") for name in metric_names))
        parts += [Text(""), scores]
    return Panel(Group(*parts), title=Text(_secrets.redact(o.task), style="bold"), title_align="left", expand=False)
