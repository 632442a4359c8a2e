"""The eval log model: msgspec Structs for Inspect's log schema (version 2).

Every optional field has a default, so logs from older Inspect versions (which
lack newer fields) decode. Structs forbid unknown fields, so the fast path
(typed decoding straight from JSON) fails on a log holding fields this model
does not know; the reader then takes the tolerant path, which records those
fields per object for the writer to put back (see `_tree.py`).
Types of the fields code relies on are precise; payloads Inspect itself leaves
free-form (metadata, store, tool arguments, ...) are `Any`.

Timestamps stay strings: re-encoding a parsed datetime could change its text
("+00:00" vs "Z"), and a log must round-trip unchanged.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar, Union, cast

import msgspec

from .._ids import short_uuid

__all__ = [
    "ApprovalEvent",
    "CachePolicy",
    "ConfigUpdate",
    "ConfigValueChange",
    "ChatCompletionChoice",
    "ChatMessage",
    "ChatMessageAssistant",
    "ChatMessageSystem",
    "ChatMessageTool",
    "ChatMessageUser",
    "ConnectionLimitChange",
    "Content",
    "ContentAudio",
    "ContentData",
    "ContentDocument",
    "ContentImage",
    "ContentReasoning",
    "ContentText",
    "ContentVideo",
    "ErrorEvent",
    "EvalConfig",
    "EvalDataset",
    "EvalError",
    "EvalLog",
    "EvalMetric",
    "EvalMetricDefinition",
    "EvalPlan",
    "EvalPlanStep",
    "EvalResults",
    "EvalRetryError",
    "EvalRevision",
    "EvalSample",
    "EvalSampleLimit",
    "EvalSampleReductions",
    "EvalSampleScore",
    "EvalScore",
    "EvalScorer",
    "EvalShardEntry",
    "EvalShards",
    "EvalSpec",
    "EvalStats",
    "EvalStatus",
    "Event",
    "EventsData",
    "GenerateConfig",
    "HeadlineMetric",
    "InfoEvent",
    "InputEvent",
    "LogEdit",
    "LogUpdate",
    "LoggerEvent",
    "LoggingMessage",
    "MetadataEdit",
    "ModelCall",
    "ModelEvent",
    "ModelOutput",
    "ModelUsage",
    "OtherContent",
    "OtherEvent",
    "ProvenanceData",
    "SampleInitEvent",
    "SampleLimitEvent",
    "SandboxEvent",
    "Score",
    "ScoreEdit",
    "ScoreEditEvent",
    "ScoreEvent",
    "SentinelConfig",
    "SentinelEntry",
    "SpanBeginEvent",
    "SpanEndEvent",
    "StateEvent",
    "StepEvent",
    "StoreEvent",
    "SubtaskEvent",
    "TagsEdit",
    "ToolCall",
    "ToolCallError",
    "ToolEvent",
    "Value",
]

Status = Literal["started", "success", "cancelled", "error"]
EvalStatus = Status  # Inspect's name

# A score value: Inspect allows scalars, lists of scalars and dicts of scalars.
# None also appears: versions before 0.3.50 wrote NaN and Infinity as null.
Value = Union[str, int, float, bool, None, list[Any], dict[str, Any]]


class Serializer(Protocol):
    """How log objects become JSON values and back (`_tree.py` registers it):
    the model cannot import its own serializer, which imports the model."""

    def dump(self, obj: Any, exclude_none: bool, exclude: Collection[str]) -> dict[str, Any]: ...
    def dumps(self, value: Any, indent: bool) -> str: ...
    def convert(self, value: Any, cls: type) -> Any: ...
    def decode(self, data: str | bytes, cls: type) -> Any: ...


class _Unregistered:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("inspect_cli.log._tree registers the serializer: import inspect_cli.log")


SERIALIZER: list[Serializer] = [cast(Serializer, _Unregistered())]

_S = TypeVar("_S", bound="LogStruct")


class LogStruct(msgspec.Struct, kw_only=True, dict=True, forbid_unknown_fields=True, repr_omit_defaults=True):
    """Base of every log object.

    `dict=True` gives each instance a `__dict__`, where the reader keeps the
    unknown fields of the JSON object it was built from (see `_tree.py`).
    The `model_*` methods are the pydantic ones Inspect's log objects have,
    so code written for `inspect_ai.log` runs unchanged.
    """

    def model_dump(
        self, *, mode: str = "python", exclude_none: bool = False, exclude: Collection[str] | None = None
    ) -> dict[str, Any]:
        """The object as plain values (every field, None included unless
        `exclude_none`; unknown fields as read); `mode` is accepted for
        pydantic's signature: values are JSON values either way."""
        return SERIALIZER[0].dump(self, exclude_none, exclude or ())

    def model_dump_json(
        self, *, indent: int | None = None, exclude_none: bool = False, exclude: Collection[str] | None = None
    ) -> str:
        """The object as JSON text (NaN and Infinity as Inspect writes them)."""
        return SERIALIZER[0].dumps(self.model_dump(exclude_none=exclude_none, exclude=exclude), indent is not None)

    def model_copy(self: _S, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> _S:
        """A copy (a deep one with `deep`) with the fields in `update` set."""
        with rebuilding():  # a copy is not a new message: ids stay as they are
            out = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            setattr(out, name, value)
        return out

    @classmethod
    def model_validate(cls: type[_S], obj: Any) -> _S:
        """Build one from plain values (a dict as read from JSON), checking types."""
        if isinstance(obj, cls):
            return obj
        return cast(_S, SERIALIZER[0].convert(obj, cls))

    @classmethod
    def model_validate_json(cls: type[_S], data: str | bytes) -> _S:
        """Build one from JSON text, checking types."""
        return cast(_S, SERIALIZER[0].decode(data, cls))


# ---------------------------------------------------------------------------
# Polymorphic members (messages, content, events) are msgspec tagged unions:
# the tag field ("role", "type", "event") picks the class. A tag this model does
# not know (from a newer Inspect) fails the fast path; the tolerant path then
# wraps that object, whole, in OtherContent / OtherEvent.

UNKNOWN_TAG = "__unknown__"


class _Tagged(LogStruct):
    """A union member; its tag value is exposed under the tag field's name."""

    @property
    def tag(self) -> str:
        return str(self.__struct_config__.tag)


# ---------------------------------------------------------------------------
# Small shared types


class EvalError(LogStruct):
    message: str
    traceback: str = ""
    traceback_ansi: str = ""


class ModelUsage(LogStruct):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_cache_write: int | None = None
    input_tokens_cache_read: int | None = None
    reasoning_tokens: int | None = None
    total_cost: int | float | None = None


class LoggingMessage(LogStruct):
    message: str
    level: str = "info"
    created: int | float = 0.0
    name: str | None = None
    filename: str | None = None
    module: str | None = None
    lineno: int | None = None


class CachePolicy(LogStruct):
    """How model outputs are cached (`GenerateConfig.cache`): for how long
    (`expiry`: a number and a unit, s m h D W M Y, or None for ever), whether
    each epoch gets its own output, and named scopes that partition the cache."""

    expiry: str | None = "1W"
    per_epoch: bool = True
    scopes: dict[str, str] = {}


class GenerateConfig(LogStruct):
    max_retries: int | None = None
    timeout: int | float | None = None
    attempt_timeout: int | float | None = None
    max_connections: int | None = None
    system_message: str | None = None
    max_tokens: int | None = None
    top_p: int | float | None = None
    temperature: int | float | None = None
    stop_seqs: list[str] | None = None
    best_of: int | None = None
    frequency_penalty: int | float | None = None
    presence_penalty: int | float | None = None
    logit_bias: dict[str, float] | None = None
    seed: int | None = None
    top_k: int | None = None
    num_choices: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    prompt_logprobs: int | None = None
    parallel_tool_calls: bool | None = None
    internal_tools: bool | None = None
    max_tool_output: int | None = None
    cache_prompt: str | bool | None = None
    fallback_models: list[str] | None = None
    verbosity: str | None = None
    effort: str | None = None
    reasoning_effort: str | None = None
    reasoning_mode: str | None = None
    reasoning_tokens: int | None = None
    reasoning_summary: str | None = None
    reasoning_history: str | None = None
    response_schema: Any = None
    extra_headers: dict[str, str] | None = None
    extra_body: dict[str, Any] | None = None
    # "image", or an image output config: {"options": {provider: settings}}
    modalities: list[str | dict[str, Any]] | None = None
    cache: bool | CachePolicy | None = None


# ---------------------------------------------------------------------------
# Content


class _ContentBase(_Tagged, tag_field="type"):
    @property
    def type(self) -> str:
        return self.tag


class ContentText(_ContentBase, tag="text"):
    text: str = ""
    refusal: bool | None = None
    citations: list[Any] | None = None
    internal: Any = None


class ContentReasoning(_ContentBase, tag="reasoning"):
    reasoning: str = ""
    summary: str | None = None
    signature: str | None = None
    redacted: bool = False
    internal: Any = None


class ContentImage(_ContentBase, tag="image"):
    image: str = ""
    detail: str = "auto"
    internal: Any = None


class ContentAudio(_ContentBase, tag="audio"):
    audio: str = ""
    format: str = ""
    internal: Any = None


class ContentVideo(_ContentBase, tag="video"):
    video: str = ""
    format: str = ""
    internal: Any = None


class ContentData(_ContentBase, tag="data"):
    data: dict[str, Any] = {}
    internal: Any = None


class ContentDocument(_ContentBase, tag="document"):
    document: str = ""
    filename: str | None = None
    mime_type: str | None = None
    internal: Any = None


class OtherContent(_ContentBase, tag=UNKNOWN_TAG):
    """Content of a type this model does not know: `data` is the whole object."""

    data: dict[str, Any] = {}

    @property
    def type(self) -> str:
        return str(self.data.get("type"))


Content = Union[
    ContentText,
    ContentReasoning,
    ContentImage,
    ContentAudio,
    ContentVideo,
    ContentData,
    ContentDocument,
    OtherContent,
]


# ---------------------------------------------------------------------------
# Messages


class ToolCallError(LogStruct):
    type: str
    message: str = ""


class ToolCall(LogStruct):
    id: str
    function: str
    arguments: dict[str, Any] = {}
    type: str | None = None
    internal: Any = None
    parse_error: str | None = None
    view: Any = None


class _Rebuilding(threading.local):
    depth = 0


_REBUILDING = _Rebuilding()


@contextlib.contextmanager
def rebuilding() -> Iterator[None]:
    """Messages built in this thread meanwhile are rebuilt (read from a log,
    copied), not made: they keep the id they had, None included."""
    _REBUILDING.depth += 1
    try:
        yield
    finally:
        _REBUILDING.depth -= 1


class _MessageBase(_Tagged, tag_field="role"):
    content: str | list[Content]
    id: str | None = None
    source: str | None = None
    metadata: dict[str, Any] | None = None
    internal: Any = None

    def __post_init__(self) -> None:
        """A message made in code gets a new id, as Inspect's do, so transcripts
        can refer to it; msgspec runs this on decode too, hence `rebuilding`."""
        if self.id is None and not _REBUILDING.depth:
            self.id = short_uuid()

    @property
    def role(self) -> str:
        return self.tag

    @property
    def text(self) -> str:
        """The message's text (its text parts, joined)."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(c.text for c in self.content if isinstance(c, ContentText))


class ChatMessageSystem(_MessageBase, tag="system"):
    pass


class ChatMessageUser(_MessageBase, tag="user"):
    tool_call_id: list[str] | None = None


class ChatMessageAssistant(_MessageBase, tag="assistant"):
    tool_calls: list[ToolCall] | None = None
    model: str | None = None


class ChatMessageTool(_MessageBase, tag="tool"):
    tool_call_id: str | None = None
    function: str | None = None
    error: ToolCallError | None = None


ChatMessage = Union[ChatMessageSystem, ChatMessageUser, ChatMessageAssistant, ChatMessageTool]


# ---------------------------------------------------------------------------
# Model output


class ChatCompletionChoice(LogStruct):
    message: ChatMessageAssistant
    stop_reason: str = "unknown"
    logprobs: Any = None


class ModelOutput(LogStruct):
    model: str = ""
    choices: list[ChatCompletionChoice] = []
    completion: str | None = None
    usage: ModelUsage | None = None
    time: int | float | None = None
    metadata: dict[str, Any] | None = None
    error: str | None = None
    input_context_tokens: int | None = None


# ---------------------------------------------------------------------------
# Scores


# Score values: the grades Inspect's scorers give, and what they count for.
CORRECT, INCORRECT, PARTIAL, NOANSWER = "C", "I", "P", "N"

_STRING_VALUES = {
    CORRECT: 1.0,
    INCORRECT: 0.0,
    PARTIAL: 0.5,
    NOANSWER: 0.0,
    "yes": 1.0,
    "true": 1.0,
    "no": 0.0,
    "false": 0.0,
}


def value_to_float(value: Any) -> float:
    """A score value as a number: C/I/P/N grades, booleans, yes/no, numbers.

    None (how logs before 0.3.50 stored NaN and Infinity) counts as NaN.
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        grade = _STRING_VALUES.get(text, _STRING_VALUES.get(text.lower()))
        if grade is not None:
            return grade
        try:
            return float(text)
        except ValueError:
            return 0.0
    return 0.0


class Score(LogStruct):
    value: Value
    answer: str | None = None
    explanation: str | None = None
    reason: str | None = None
    metadata: dict[str, Any] | None = None
    history: list[ScoreEdit] = []

    def as_float(self) -> float:
        """The value as a number (C=1, P=0.5, I=0, booleans, numbers, yes/no)."""
        return value_to_float(self.value)

    def as_str(self) -> str:
        return str(self.value)

    def as_bool(self) -> bool:
        return bool(self.as_float())


class EvalSampleScore(Score):
    sample_id: str | int | None = None


class EvalSampleReductions(LogStruct):
    scorer: str
    reducer: str | None = None
    samples: list[EvalSampleScore] = []


# ---------------------------------------------------------------------------
# Events


class _EventBase(_Tagged, tag_field="event"):
    uuid: str | None = None
    span_id: str | None = None
    timestamp: str = ""
    working_start: int | float | None = None  # absent in logs before about 0.3.50
    pending: bool | None = None
    metadata: dict[str, Any] | None = None

    @property
    def event(self) -> str:
        return self.tag


class SpanBeginEvent(_EventBase, tag="span_begin"):
    id: str = ""
    parent_id: str | None = None
    type: str | None = None
    name: str = ""


class SpanEndEvent(_EventBase, tag="span_end"):
    id: str = ""


class SampleInitEvent(_EventBase, tag="sample_init"):
    sample: dict[str, Any] = {}
    state: dict[str, Any] = {}


class SampleLimitEvent(_EventBase, tag="sample_limit"):
    type: str = ""
    message: str = ""
    limit: int | float | None = None


class StateEvent(_EventBase, tag="state"):
    changes: list[Any] = []


class StoreEvent(_EventBase, tag="store"):
    changes: list[Any] = []


class ModelCall(LogStruct):
    request: dict[str, Any] = {}
    response: dict[str, Any] | None = None
    time: int | float | None = None
    call_refs: list[list[int]] | None = None
    call_key: str | None = None


class ModelEvent(_EventBase, tag="model"):
    model: str = ""
    role: str | None = None
    input: list[ChatMessage] = []
    input_refs: list[list[int]] | None = None
    tools: list[Any] = []
    tool_choice: Any = "none"
    config: GenerateConfig = msgspec.field(default_factory=GenerateConfig)
    output: ModelOutput = msgspec.field(default_factory=ModelOutput)
    retries: int | None = None
    error: str | None = None
    cache: str | None = None
    call: ModelCall | None = None
    completed: str | None = None
    working_time: int | float | None = None


class ToolEvent(_EventBase, tag="tool"):
    type: str = "function"
    id: str = ""
    function: str = ""
    arguments: dict[str, Any] = {}
    internal: Any = None
    view: Any = None
    result: Any = ""
    truncated: Any = None
    error: ToolCallError | None = None
    events: list[Event] = []
    completed: str | None = None
    working_time: int | float | None = None
    agent: str | None = None
    failed: bool | None = None
    message_id: str | None = None


class ApprovalEvent(_EventBase, tag="approval"):
    message: str = ""
    call: ToolCall | None = None
    view: Any = None
    approver: str = ""
    decision: str = ""
    modified: ToolCall | None = None
    explanation: str | None = None


class InputEvent(_EventBase, tag="input"):
    input: str = ""
    input_ansi: str = ""


class ScoreEvent(_EventBase, tag="score"):
    score: Score | None = None
    target: str | list[str] | None = None
    intermediate: bool = False
    scorer: str | None = None
    scorer_args: dict[str, Any] | None = None
    model_usage: dict[str, ModelUsage] | None = None


class ScoreEditEvent(_EventBase, tag="score_edit"):
    """A score edited after the run (see `edit_score`)."""

    score_name: str = ""
    edit: ScoreEdit | None = None


class ErrorEvent(_EventBase, tag="error"):
    error: EvalError | None = None


class LoggerEvent(_EventBase, tag="logger"):
    message: LoggingMessage | None = None


class InfoEvent(_EventBase, tag="info"):
    source: str | None = None
    data: Any = None


class StepEvent(_EventBase, tag="step"):
    action: str = ""
    type: str | None = None
    name: str = ""


class SubtaskEvent(_EventBase, tag="subtask"):
    name: str = ""
    type: str | None = None
    input: dict[str, Any] = {}
    result: Any = None
    events: list[Event] = []
    completed: str | None = None
    working_time: int | float | None = None


class SandboxEvent(_EventBase, tag="sandbox"):
    action: str = ""
    cmd: str | None = None
    options: dict[str, Any] | None = None
    file: str | None = None
    input: str | None = None
    result: int | None = None
    output: str | None = None
    completed: str | None = None


class OtherEvent(_Tagged, tag_field="event", tag=UNKNOWN_TAG):
    """An event of a type this model does not know: `data` is the whole object."""

    data: dict[str, Any] = {}

    @property
    def event(self) -> str:
        return str(self.data.get("event"))


Event = Union[
    SpanBeginEvent,
    SpanEndEvent,
    SampleInitEvent,
    SampleLimitEvent,
    StateEvent,
    StoreEvent,
    ModelEvent,
    ToolEvent,
    ApprovalEvent,
    InputEvent,
    ScoreEvent,
    ScoreEditEvent,
    ErrorEvent,
    LoggerEvent,
    InfoEvent,
    StepEvent,
    SubtaskEvent,
    SandboxEvent,
    OtherEvent,
]


# ---------------------------------------------------------------------------
# Samples


class EvalSampleLimit(LogStruct):
    type: str
    limit: int | float | None = None
    reason: str | None = None


class EvalRetryError(EvalError):
    """An error a sample hit on an attempt that was then retried (with that attempt's events)."""

    events: list[Event] | None = None


class EventsData(LogStruct):
    """Messages and model-call payloads shared by a sample's events (0.3.200+).

    Model events then hold `input_refs`/`call_refs` ranges into these lists
    instead of repeating the messages.
    """

    messages: list[ChatMessage] = []
    calls: list[Any] = []


class EvalSample(LogStruct):
    id: int | str
    epoch: int
    input: str | list[ChatMessage]
    target: str | list[str] = ""
    choices: list[str] | None = None
    sandbox: Any = None
    files: list[str] | None = None
    setup: str | None = None
    messages: list[ChatMessage] = []
    output: ModelOutput = msgspec.field(default_factory=ModelOutput)
    scores: dict[str, Score] | None = None
    metadata: dict[str, Any] = {}
    store: dict[str, Any] = {}
    events: list[Event] = []
    model_usage: dict[str, ModelUsage] = {}
    role_usage: dict[str, ModelUsage] = {}
    started_at: str | None = None
    completed_at: str | None = None
    total_time: int | float | None = None
    working_time: int | float | None = None
    uuid: str | None = None
    invalidation: ProvenanceData | None = None
    error: EvalError | None = None
    error_retries: list[EvalRetryError] | None = None
    attachments: dict[str, str] = {}
    limit: EvalSampleLimit | None = None
    events_data: EventsData | None = None
    turn_count: int | None = None
    description: str | None = None
    message_limit: int | None = None
    token_limit: int | None = None
    token_limit_type: str | None = None
    token_limit_usage: int | None = None
    time_limit: int | None = None
    model_fallbacks: list[Any] | None = None
    timelines: list[Any] | None = None

    @property
    def transcript(self) -> EvalEvents:
        """The events and attachments together: the shape older logs stored
        (Inspect keeps this name, deprecated, for code written then)."""
        return EvalEvents(events=self.events, content=self.attachments)


class EvalEvents(LogStruct):
    """A sample's events and the attachments they refer to (`EvalSample.transcript`)."""

    events: list[Event] = []
    content: dict[str, str] = {}


# ---------------------------------------------------------------------------
# Edits made after the run: who made them (provenance), score edits, edits of
# the log's tags and metadata, and configuration changed while it ran.

UNCHANGED = "UNCHANGED"


def _utc_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class ProvenanceData(LogStruct, kw_only=True):
    """Who made a change, when (UTC, ISO 8601) and why."""

    timestamp: str = msgspec.field(default_factory=_utc_now)
    author: str
    reason: str | None = None
    metadata: dict[str, Any] = {}


class ScoreEdit(LogStruct):
    """A change to a score: each field left at "UNCHANGED" keeps the score's value.

    A score's `history` lists its edits, the score as first recorded included.
    """

    value: Value = UNCHANGED
    answer: str | None = UNCHANGED
    explanation: str | None = UNCHANGED
    reason: str | None = UNCHANGED
    metadata: dict[str, Any] | str = UNCHANGED
    provenance: ProvenanceData | None = None


class LogEdit(_Tagged, tag_field="type"):
    """One edit of a log's tags or metadata (a `LogUpdate` holds several)."""

    @property
    def type(self) -> str:
        return self.tag


class TagsEdit(LogEdit, tag="tags"):
    tags_add: list[str] = []
    tags_remove: list[str] = []


class MetadataEdit(LogEdit, tag="metadata"):
    metadata_set: dict[str, Any] = {}
    metadata_remove: list[str] = []


class LogUpdate(LogStruct, kw_only=True):
    """Edits applied together, and who applied them."""

    edits: list[TagsEdit | MetadataEdit] = []
    provenance: ProvenanceData


class ConfigValueChange(LogStruct):
    """One setting changed while the eval ran.

    `config` is "eval", "generate" or "concurrency" (kept as text so values
    from newer versions still read). `cleared` means: back to the launch
    value; a `value` of None with `cleared` false means: no limit.
    """

    config: str
    name: str
    value: Any = None
    cleared: bool = False
    previous: Any = None


class ConfigUpdate(LogStruct):
    """Settings changed together while the eval ran ("task" or "process" `scope`)."""

    changes: list[ConfigValueChange]
    scope: str
    provenance: ProvenanceData


class HeadlineMetric(LogStruct):
    """Which metric sums up an eval; each field given narrows the choice."""

    scorer: str | None = None
    score: str | None = None
    metric: str | None = None
    reducer: str | None = None


# ---------------------------------------------------------------------------
# Header: spec, plan, results, stats


class EvalDataset(LogStruct):
    name: str | None = None
    location: str | None = None
    samples: int | None = None
    sample_ids: list[int | str] | None = None
    shuffled: bool | None = None


class EvalConfig(LogStruct):
    limit: int | list[int] | None = None
    sample_id: str | int | list[str | int] | None = None
    sample_shuffle: bool | int | None = None
    epochs: int | None = None
    epochs_reducer: list[str] | None = None
    approval: Any = None
    fail_on_error: bool | int | float | None = None
    continue_on_fail: bool | None = None
    retry_on_error: int | None = None
    score_on_error: bool | None = None
    message_limit: int | None = None
    token_limit: int | None = None
    time_limit: int | None = None
    working_limit: int | None = None
    cost_limit: int | float | None = None
    max_samples: int | None = None
    max_tasks: int | None = None
    max_subprocesses: int | None = None
    max_sandboxes: int | None = None
    sandbox_cleanup: bool | None = None
    sandbox_prebuilt: bool | None = None
    log_samples: bool | None = None
    log_realtime: bool | None = None
    log_images: bool | None = None
    log_buffer: int | None = None
    log_shared: int | None = None
    score_display: bool | None = None
    token_limit_type: str | None = None
    turn_limit: int | None = None
    max_dataset_memory: int | None = None
    log_model_api: bool | None = None
    notification: bool | str | None = None
    acp_server: bool | int | str | None = None
    review: Any = None
    sentinel: Any = None


class EvalRevision(LogStruct):
    type: str = "git"
    origin: str = ""
    commit: str = ""
    dirty: bool | None = None


class EvalMetricDefinition(LogStruct):
    name: str
    options: dict[str, Any] | None = None


class EvalScorer(LogStruct):
    name: str
    options: dict[str, Any] | None = None
    metrics: list[Any] | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class SentinelEntry(LogStruct):
    name: str
    params: dict[str, Any] = {}
    version: int | None = None
    meta: dict[str, Any] | None = None


class SentinelConfig(LogStruct):
    """The sentinels of an eval: one entry, a list of them, or a mapping of names to them."""

    root: SentinelEntry | list[SentinelEntry] | dict[str, SentinelEntry]


class EvalShardEntry(LogStruct, kw_only=True):
    shard: str
    log: str
    eval_set_id: str | None = None
    status: Status
    error: EvalError | None = None
    samples: int
    selected: int
    selection_digest: str
    started_at: str = ""
    completed_at: str = ""
    model_usage: dict[str, ModelUsage] = {}
    role_usage: dict[str, ModelUsage] = {}
    size: int
    etag: str | None = None
    mtime: int | float | None = None


class EvalShards(LogStruct, kw_only=True):
    """The shards an eval was split into, and the log each one wrote."""

    selection: Literal["ids", "count", "none"]
    sample_count: int | None = None
    ledger: list[EvalShardEntry]


class EvalSpec(LogStruct, kw_only=True):
    eval_set_id: str | None = None
    eval_id: str | None = None
    run_id: str = ""
    created: str
    task: str
    task_id: str = ""
    task_version: int | str = 0
    task_file: str | None = None
    task_display_name: str | None = None
    task_registry_name: str | None = None
    task_attribs: dict[str, Any] = {}
    task_args: dict[str, Any] = {}
    task_args_passed: dict[str, Any] | None = None
    solver: str | None = None
    solver_args: dict[str, Any] | None = None
    solver_args_passed: dict[str, Any] = {}
    tags: list[str] | None = None
    dataset: EvalDataset = msgspec.field(default_factory=EvalDataset)
    sandbox: Any = None
    model: str = ""
    model_generate_config: GenerateConfig = msgspec.field(default_factory=GenerateConfig)
    model_base_url: str | None = None
    model_args: dict[str, Any] = {}
    model_roles: dict[str, Any] | None = None
    config: EvalConfig = msgspec.field(default_factory=EvalConfig)
    revision: EvalRevision | None = None
    packages: dict[str, str] = {}
    metadata: dict[str, Any] | None = None
    scorers: list[EvalScorer] | None = None
    metrics: Any = None
    task_description: str | None = None
    viewer: Any = None
    shards: EvalShards | None = None
    headline_metric: HeadlineMetric | None = None


class EvalPlanStep(LogStruct):
    solver: str
    params: dict[str, Any] = {}
    # None until read: a log without it shows `params` here (as Inspect does).
    params_passed: dict[str, Any] | None = None


class EvalPlan(LogStruct):
    name: str = "plan"
    steps: list[EvalPlanStep] = []
    finish: EvalPlanStep | None = None
    config: GenerateConfig = msgspec.field(default_factory=GenerateConfig)


class EvalMetric(LogStruct):
    name: str
    # None where versions before 0.3.50 wrote NaN or Infinity as null.
    value: int | float | None
    params: dict[str, Any] = {}
    group: str | None = None
    metadata: dict[str, Any] | None = None


class EvalScore(LogStruct):
    name: str
    scorer: str
    reducer: str | None = None
    scored_samples: int | None = None
    unscored_samples: int | None = None
    params: dict[str, Any] = {}
    metrics: dict[str, EvalMetric] = {}
    metadata: dict[str, Any] | None = None


class EvalResults(LogStruct):
    total_samples: int = 0
    completed_samples: int = 0
    early_stopping: Any = None
    scores: list[EvalScore] = []
    metadata: dict[str, Any] | None = None
    logged_samples: int | None = None
    sample_reductions: list[EvalSampleReductions] | None = None
    headline: HeadlineMetric | None = None


class ConnectionLimitChange(LogStruct):
    """A change of a model's connection limit during the eval (adaptive concurrency)."""

    timestamp: int | float
    model: str
    old_limit: int
    new_limit: int
    reason: str


class EvalStats(LogStruct):
    started_at: str = ""
    completed_at: str = ""
    model_usage: dict[str, ModelUsage] = {}
    role_usage: dict[str, ModelUsage] = {}
    connection_limit_history: list[ConnectionLimitChange] = []


class EvalLog(LogStruct, kw_only=True):
    """An evaluation log: what ran (`eval`, `plan`), how it went and its samples.

    `samples` is None when only the header was read. `logging` holds the run's
    log messages: the top-level `logging` list of logs written before 0.3.40.
    """

    version: int = 2
    status: Status = "started"
    eval: EvalSpec
    plan: EvalPlan = msgspec.field(default_factory=EvalPlan)
    results: EvalResults | None = None
    stats: EvalStats = msgspec.field(default_factory=EvalStats)
    error: EvalError | None = None
    invalidated: bool = False
    log_updates: list[LogUpdate] | None = None
    config_updates: list[ConfigUpdate] | None = None
    tags: list[str] = []
    metadata: dict[str, Any] = {}
    samples: list[EvalSample] | None = None
    reductions: list[EvalSampleReductions] | None = None
    logging: list[LoggingMessage] | None = None

    def __post_init__(self) -> None:
        """Top-level tags and metadata are derived, as Inspect derives them whenever
        a log is built (read or constructed): the eval's, with the recorded edits
        (`log_updates`) applied in order; values passed or stored there are ignored."""
        tags = set(self.eval.tags or [])
        metadata = dict(self.eval.metadata or {})
        for update in self.log_updates or []:
            for edit in update.edits:
                if isinstance(edit, TagsEdit):
                    tags = (tags | set(edit.tags_add)) - set(edit.tags_remove)
                elif isinstance(edit, MetadataEdit):
                    metadata.update(edit.metadata_set)
                    for key in edit.metadata_remove:
                        metadata.pop(key, None)
        self.tags = sorted(tags)
        self.metadata = metadata

    @property
    def location(self) -> str | None:
        """Where this log was read from or last written to (settable: where
        `write_eval_log` writes it when no location is given)."""
        return self.__dict__.get("_location")

    @location.setter
    def location(self, value: str | None) -> None:
        self.__dict__["_location"] = value

    @property
    def etag(self) -> str | None:
        """The ETag of the object a remote log was read from or written to (None
        for local files): pass it as `if_match_etag` to write only if nobody
        else wrote the log since."""
        return self.__dict__.get("_etag")

    @etag.setter
    def etag(self, value: str | None) -> None:
        self.__dict__["_etag"] = value


POLYMORPHIC = (ChatMessage, Content, Event)
