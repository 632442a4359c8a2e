"""Sample summaries: the short record of each sample that listings (and the
viewer) show without loading the samples.

Inspect 0.3.285 makes a summary from a sample by copying its listing fields
and reducing the rest: the error to its message, the limit to its type, the
retried errors to their count. Every summary it builds, also one read back
from a file, is thinned so a listing stays small:

- metadata strings (and score answers and explanations) have their
  whitespace collapsed and are cut at a word boundary past 1024 characters;
  metadata values of other types whose JSON (indented by 2) is longer than
  that are replaced by a marker (in score metadata too);
- input text (a string, a message's content, a text part) is cut at 5120
  characters, with a note that it was; other content parts (images, audio,
  reasoning, ...) become a text part naming their type.

These rules are applied here to what we write and to what we read, so both
come out as Inspect's.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

import msgspec

from ..errors import LogFormatError
from . import _tree
from ._types import ChatMessage, LogStruct, ModelUsage, Score


class EvalSampleSummary(LogStruct, kw_only=True):
    """A sample as listings show it (field for field Inspect's)."""

    id: int | str
    epoch: int
    input: str | list[ChatMessage]
    choices: list[str] | None = None
    target: str | list[str]
    description: str | None = None
    metadata: dict[str, Any] = {}
    scores: dict[str, Score] | None = None
    model_usage: dict[str, ModelUsage] = {}
    role_usage: dict[str, ModelUsage] = {}
    model_fallbacks: list[Any] | None = None
    started_at: str | None = None
    completed_at: str | None = None
    total_time: int | float | None = None
    working_time: int | float | None = None
    uuid: str | None = None
    error: str | None = None  # the error's message
    limit: str | None = None  # the type of the limit the sample hit
    limit_reason: str | None = None
    retries: int | None = None  # how many errors were retried (None: not recorded)
    completed: bool = False
    message_count: int | None = None
    turn_count: int | None = None
    token_limit: int | None = None
    token_limit_type: str | None = None
    token_limit_usage: int | None = None
    message_limit: int | None = None
    time_limit: int | None = None


# Copied from the sample as they are.
_COPIED = (
    "id",
    "epoch",
    "input",
    "choices",
    "target",
    "description",
    "metadata",
    "scores",
    "model_usage",
    "role_usage",
    "model_fallbacks",
    "started_at",
    "completed_at",
    "total_time",
    "working_time",
    "uuid",
    "turn_count",
    "token_limit",
    "token_limit_type",
    "token_limit_usage",
    "message_limit",
    "time_limit",
)

THIN_LIMIT = 1024  # characters: longer metadata values and score texts are thinned
REMOVED = "Key removed from summary (> 1k)"  # Inspect's marker for an oversized value
_ELLIPSIS = "..."
INPUT_LIMIT = 5120  # characters of input text kept
TRUNCATED = "...\n(content truncated)"  # Inspect's note after cut input text


def sample_summary(sample: dict[str, Any]) -> EvalSampleSummary:
    """The summary of a sample (as its JSON tree, see `_tree.to_tree`), as
    Inspect writes it to `summaries.json` and derives it for `.json` logs."""
    out = {key: sample[key] for key in _COPIED if key in sample}
    error = sample.get("error")
    if isinstance(error, dict):
        out["error"] = error.get("message")
    limit = sample.get("limit")
    if isinstance(limit, dict):
        out["limit"] = limit.get("type")
        out["limit_reason"] = limit.get("reason")
    retries = sample.get("error_retries")
    if isinstance(retries, list):
        out["retries"] = len(retries)
    out["completed"] = True
    out["message_count"] = len(sample.get("messages") or [])
    return _build(out, "sample")


def stored_summaries(values: Iterable[Any], what: str) -> list[EvalSampleSummary]:
    """Summaries as a log stores them, thinned as Inspect thins them on reading.
    A `limit` stored as an object (by inspect_cli before it wrote the limit's
    type, which Inspect cannot read) is read as its type."""
    out = []
    for value in values:
        if not isinstance(value, dict):
            raise LogFormatError(f"{what}: a sample summary is not a JSON object")
        limit = value.get("limit")
        if isinstance(limit, dict):
            value = {**value, "limit": limit.get("type")}
        out.append(_build(value, what))
    return out


def _build(summary: dict[str, Any], what: str) -> EvalSampleSummary:
    try:
        result: EvalSampleSummary = _tree.convert(_thinned(summary), EvalSampleSummary)
    except msgspec.ValidationError as ex:
        raise LogFormatError(f"{what}: bad sample summary: {ex}") from None
    return result


def _thinned(summary: dict[str, Any]) -> dict[str, Any]:
    out = dict(summary)
    if "input" in out:
        out["input"] = _thin_input(out["input"])
    metadata = out.get("metadata")
    if isinstance(metadata, dict):
        out["metadata"] = _thin_values(metadata)
    scores = out.get("scores")
    if isinstance(scores, dict):
        out["scores"] = {name: _thin_score(score) for name, score in scores.items()}
    return out


def _thin_score(score: Any) -> Any:
    if not isinstance(score, dict):
        return score
    out = dict(score)
    for key in ("answer", "explanation"):
        if isinstance(out.get(key), str):
            out[key] = _thin_text(out[key])
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = _thin_values(out["metadata"])
    return out


def _thin_values(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _thin_value(value) for key, value in values.items()}


def _thin_value(value: Any) -> Any:
    if isinstance(value, str):
        return _thin_text(value)
    # Inspect measures the JSON indented by 2 (non-ASCII kept, NaN as NaN);
    # the compact form is never longer, so a long one settles it cheaply.
    if len(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) > THIN_LIMIT:
        return REMOVED
    if len(json.dumps(value, ensure_ascii=False, indent=2)) > THIN_LIMIT:
        return REMOVED
    return value


def _thin_text(text: str) -> str:
    """Whitespace collapsed; cut at a word boundary, marked by "...", past the limit."""
    collapsed = " ".join(text.split())
    if len(collapsed) <= THIN_LIMIT:
        return collapsed
    return textwrap.shorten(collapsed, THIN_LIMIT, placeholder=_ELLIPSIS)


def _thin_input(value: Any) -> Any:
    if isinstance(value, str):
        return _cut_input(value)
    if isinstance(value, list):
        return [_thin_message(message) for message in value]
    return value


def _thin_message(message: Any) -> Any:
    if not isinstance(message, dict):
        return message
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": _cut_input(content)}
    if isinstance(content, list):
        return {**message, "content": [_thin_part(part) for part in content]}
    return message


def _thin_part(part: Any) -> Any:
    if not isinstance(part, dict):
        return part
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        return {**part, "text": _cut_input(text)} if isinstance(text, str) else part
    return {"type": "text", "text": f"({str(kind).capitalize()})"}


def _cut_input(text: str) -> str:
    return text if len(text) <= INPUT_LIMIT else text[:INPUT_LIMIT] + TRUNCATED
