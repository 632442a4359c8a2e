"""Editing one sample's score after the run, keeping what it was.

The score's `history` lists its versions as edits: the score as first
recorded (when the first edit comes), then every edit. The sample's events
get a ScoreEditEvent, inside the scorers' span when there is one, so the
transcript shows the edit where scoring happened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .._ids import short_uuid
from ..errors import LogEditError
from ._recompute import recompute_metrics as _recompute
from ._types import (
    UNCHANGED,
    EvalLog,
    EvalSample,
    Event,
    Score,
    ScoreEdit,
    ScoreEditEvent,
    SpanBeginEvent,
    SpanEndEvent,
)


def edit_score(
    log: EvalLog,
    sample_id: int | str,
    score_name: str,
    edit: ScoreEdit,
    recompute_metrics: bool = True,
    epoch: int | None = None,
) -> None:
    """Change (or add) the score `score_name` of a sample, in place.

    `epoch` is needed when the sample ran more than once. With
    `recompute_metrics`, the results are recomputed from the edited scores.
    """
    sample = _sample(log, sample_id, epoch)
    scores = dict(sample.scores or {})
    score = scores.get(score_name)
    if score is None:
        if edit.value == UNCHANGED:
            raise LogEditError(
                f"Cannot add new score '{score_name}' without providing a value. "
                "The 'value' field is required when creating a new score."
            )
        scores[score_name] = Score(
            value=edit.value,
            answer=_given(edit.answer, None),
            explanation=_given(edit.explanation, None),
            reason=_given(edit.reason, None),
            metadata=_given(edit.metadata, None),
            history=[edit],
        )
    else:
        history = list(score.history) or [
            ScoreEdit(
                value=score.value,
                answer=score.answer,
                explanation=score.explanation,
                reason=score.reason,
                metadata=score.metadata or {},
            )
        ]
        score.value = _given(edit.value, score.value)
        score.answer = _given(edit.answer, score.answer)
        score.explanation = _given(edit.explanation, score.explanation)
        score.reason = _given(edit.reason, score.reason)
        score.metadata = _given(edit.metadata, score.metadata)
        score.history = [*history, edit]
    sample.scores = scores
    _record(sample, ScoreEditEvent(score_name=score_name, edit=edit, timestamp=_now()))
    if recompute_metrics:
        _recompute(log)


def _given(value: Any, current: Any) -> Any:
    """The edit's value, or `current` where the edit leaves the field unchanged."""
    return current if isinstance(value, str) and value == UNCHANGED else value


def _sample(log: EvalLog, sample_id: int | str, epoch: int | None) -> EvalSample:
    if log.samples is None:
        raise LogEditError("Log contains no samples")
    found = [s for s in log.samples if s.id == sample_id]
    if not found:
        raise LogEditError(f"Sample with id {sample_id} not found")
    if epoch is not None:
        found = [s for s in found if s.epoch == epoch]
        if not found:
            raise LogEditError(f"Sample with id {sample_id} and epoch {epoch} not found")
    if len(found) > 1:
        raise LogEditError(f"Multiple samples found with id {sample_id}. You must specify the epoch parameter.")
    return found[0]


def _record(sample: EvalSample, event: ScoreEditEvent) -> None:
    """Add the event just before the scorers' span ends (or at the end)."""
    events: list[Event] = list(sample.events)
    span = next((e.id for e in events if isinstance(e, SpanBeginEvent) and e.type == "scorers"), None)
    end = next(
        (i for i, e in enumerate(events) if span is not None and isinstance(e, SpanEndEvent) and e.id == span),
        len(events),
    )
    event.uuid = short_uuid()
    event.span_id = span
    before = events[end - 1] if end > 0 else None
    event.working_start = getattr(before, "working_start", None)
    events.insert(end, event)
    sample.events = events


def _now() -> str:
    return datetime.now(UTC).isoformat()
