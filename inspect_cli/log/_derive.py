"""Values Inspect fills in when it reads a log, filled in the same way here.

Logs written by older Inspect versions lack fields that current Inspect
derives from others on read (`task_args_passed` from `task_args`, a plan
step's `params_passed` from its `params`, a model output's `completion` from
its first choice, ...), hold old shapes it migrates (a sample `transcript`,
`results.sample_reductions`, metric `options`), and may carry timestamps in
any UTC offset, which it presents in UTC. Readers call `derive_log` and
`derive_sample` on what they decode, so the API and dumps show what Inspect
shows. Writing a log back does not add these values to the file: see
`_faithful.py`.

A log without an `eval_id` gets one made from its run id, task id and
creation time: the same for header-only and full reads, though not the value
Inspect makes. Inspect also gives events that lack them fresh random `uuid`s,
and events without `working_start` the reading process's clock time: neither
can be reproduced, so uuids stay absent here and `working_start` becomes the
seconds since the sample started (what it measures).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .._ids import stable_short_uuid
from . import _tree
from ._types import (
    ChatMessage,
    ChatMessageAssistant,
    EvalLog,
    EvalPlanStep,
    EvalSample,
    Event,
    ModelEvent,
    ModelOutput,
    OtherEvent,
    SandboxEvent,
    SubtaskEvent,
    ToolEvent,
)

_EXTRA = "_extra"


def utc(stamp: str) -> str:
    """An ISO 8601 time in UTC as Inspect writes it (`+00:00`); a time without
    an offset counts as UTC, and text that is not a time is left as it is."""
    if len(stamp) >= 25 and stamp[10] == "T" and stamp.endswith("+00:00"):
        return stamp  # the common case, without parsing
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def derive_log(log: EvalLog) -> EvalLog:
    """The header values Inspect derives (and, when samples were read, the
    dataset's sample ids)."""
    spec = log.eval
    if not spec.eval_id:
        # Inspect makes one up from these three (its own way: the values differ);
        # a write puts back the file's own (see _tree.Trees.header)
        made = stable_short_uuid(spec.run_id, spec.task_id, spec.created)
        spec.__dict__[_tree.DERIVED_EVAL_ID] = (made, spec.eval_id)
        spec.eval_id = made
    if spec.task_args_passed is None:
        spec.task_args_passed = dict(spec.task_args)
    spec.created = utc(spec.created)
    for step in log.plan.steps:
        _derive_step(step)
    if log.plan.finish is not None:
        _derive_step(log.plan.finish)
    log.stats.started_at = utc(log.stats.started_at)
    log.stats.completed_at = utc(log.stats.completed_at)
    results = log.results
    if results is not None:
        if results.sample_reductions is not None:
            if log.reductions is None:
                log.reductions = results.sample_reductions
            results.sample_reductions = None
        for score in results.scores:
            for metric in score.metrics.values():
                extra = metric.__dict__.get(_EXTRA)
                if extra and "options" in extra:  # the name metric params had before 0.3.40
                    options = extra.pop("options")
                    if not metric.params and isinstance(options, dict):
                        metric.params = options
    if log.samples is not None and spec.dataset.sample_ids is None and log.samples:
        spec.dataset.sample_ids = list(dict.fromkeys(sample.id for sample in log.samples))
    return log


def _derive_step(step: EvalPlanStep) -> None:
    if step.params_passed is None:
        step.params_passed = dict(step.params)


def derive_sample(sample: EvalSample) -> EvalSample:
    """The sample values Inspect derives or migrates on read."""
    extra = sample.__dict__.get(_EXTRA)
    if extra and "transcript" in extra:
        _migrate_transcript(sample, extra)
    if sample.started_at is not None:
        sample.started_at = utc(sample.started_at)
    if sample.completed_at is not None:
        sample.completed_at = utc(sample.completed_at)
    _derive_messages(sample.messages)
    _derive_output(sample.output)
    if sample.events:
        _derive_events(sample.events, sample)
    if sample.events_data is not None:
        _derive_messages(sample.events_data.messages)
    for retry in sample.error_retries or ():
        if retry.events:
            _derive_events(retry.events, sample)
    return sample


def _migrate_transcript(sample: EvalSample, extra: dict[str, Any]) -> None:
    """Before 0.3.46 a sample's events and the content they referenced (as
    `tc://` ids) were kept in `transcript`: they become `events` and
    `attachments`."""
    transcript = extra["transcript"]
    if not isinstance(transcript, dict):
        return
    if not sample.events and isinstance(transcript.get("events"), list):
        sample.events = _tree.convert(transcript["events"], list[Event])
    content = transcript.get("content")
    if isinstance(content, dict) and not sample.attachments:
        sample.attachments = {k: v for k, v in content.items() if isinstance(v, str)}
    del extra["transcript"]


def _derive_messages(messages: list[ChatMessage]) -> None:
    for message in messages:
        if type(message) is ChatMessageAssistant and message.tool_calls:
            for call in message.tool_calls:
                if call.type is None:
                    call.type = "function"


def _derive_output(output: ModelOutput) -> None:
    if not output.completion:
        output.completion = output.choices[0].message.text if output.choices else ""
    for choice in output.choices:
        _derive_messages([choice.message])


def _start_of(sample: EvalSample) -> datetime | None:
    """When the sample began: its `started_at`, else its first event's time."""
    for stamp in (sample.started_at, *(getattr(event, "timestamp", None) for event in sample.events[:1])):
        if isinstance(stamp, str) and stamp:
            try:
                parsed = datetime.fromisoformat(stamp)
            except ValueError:
                continue
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None


def _derive_events(events: list[Any], sample: EvalSample) -> None:
    """Times in UTC, `working_start` where missing, and what model events hold.

    Runs over every event of every sample read, so the common case (a UTC
    time, a `working_start` present) costs a few attribute reads."""
    start: datetime | None | bool = False  # False: not looked up yet
    for event in events:
        kind = type(event)
        if kind is OtherEvent:
            continue  # an event of a kind this model does not know: kept as read
        stamp = event.timestamp
        if not (len(stamp) >= 25 and stamp[10] == "T" and stamp.endswith("+00:00")):
            event.timestamp = stamp = utc(stamp)
        if event.working_start is None:
            if start is False:
                start = _start_of(sample)
            if isinstance(start, datetime):
                try:
                    event.working_start = max(0.0, (datetime.fromisoformat(stamp) - start).total_seconds())
                except (ValueError, TypeError):
                    pass
        if kind in _COMPLETING:
            if event.completed is not None:
                event.completed = utc(event.completed)
            if kind is ModelEvent:
                _derive_messages(event.input)
                _derive_output(event.output)
            elif kind is not SandboxEvent and event.events:
                _derive_events(event.events, sample)


_COMPLETING = frozenset((ModelEvent, ToolEvent, SandboxEvent, SubtaskEvent))  # (tool and subtask events nest)


def streamed_order(header: dict[str, Any]) -> Callable[[Any, Any], tuple[int, int, int]]:
    """The order `read_eval_log_samples` yields samples in, as Inspect's does:
    each id of the header's `dataset.sample_ids` in turn, its epochs in turn
    (unlike a whole read, which goes epoch by epoch). A sample the header
    does not name comes after, in the order stored (sort stably by this key)."""
    ids: Any = header
    for member in ("eval", "dataset", "sample_ids"):
        ids = ids.get(member) if isinstance(ids, dict) else None
    rank = {str(id): i for i, id in enumerate(ids if isinstance(ids, list) else [])}

    def key(id: Any, epoch: Any) -> tuple[int, int, int]:
        place = rank.get(str(id))
        if place is None or not isinstance(epoch, int):
            return (1, 0, 0)
        return (0, place, epoch)

    return key
