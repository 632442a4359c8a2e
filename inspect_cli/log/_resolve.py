"""Expand the shared storage of a sample: one implementation on JSON values,
used by the readers, by dumps and (through `to_tree`/`convert`) by the
Struct functions `resolve_sample_attachments` and `resolve_sample_events_data`.

Inspect (0.3.200 and later) stores each message a sample's model events send
once, in `events_data`; a model event then holds `input_refs` (ranges into
`events_data.messages`) and its `call` holds `call_refs` (ranges into
`events_data.calls`, placed under `call_key` in the request). Large strings
may also be moved to `attachments` and replaced by `attachment://<id>`.

Attachments resolve in one of two depths, as Inspect's `resolve_attachments`
names them: "full" (or True) everywhere, "core" everywhere but in the raw
provider payloads of model events (`call`), which are large and rarely read;
the attachments those still reference are kept, the others dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Literal, TypeAlias

import msgspec

from ..errors import LogFormatError, UsageError
from . import _codec
from ._tree import convert, to_tree
from ._types import EvalSample

ResolveAttachments: TypeAlias = bool | Literal["full", "core"]
ATTACHMENT = "attachment://"
# Sample fields a reader cannot do without: excluding them is refused.
REQUIRED_FIELDS = ("id", "epoch", "input", "target")


def attachment_mode(value: Any) -> Literal["full", "core"] | None:
    """The depth `resolve_attachments` asks for (None: none)."""
    if value is False or value is None:
        return None
    if value is True or value == "full":
        return "full"
    if value == "core":
        return "core"
    raise UsageError(f"resolve_attachments must be True, False, 'full' or 'core', not {value!r}")


def resolve_sample(sample: dict[str, Any], attachments: ResolveAttachments = False) -> dict[str, Any]:
    """The sample with event references (and, as asked, attachments) expanded."""
    mode = attachment_mode(attachments)
    data = sample.get("events_data")
    if isinstance(data, dict):
        messages = data.get("messages") or []
        calls = data.get("calls") or []
        sample = {
            key: (_resolve_events(value, messages, calls) if key == "events" and isinstance(value, list) else value)
            for key, value in sample.items()
            if key != "events_data"
        }
    if mode is not None and sample.get("attachments"):
        table = sample["attachments"]
        skip_calls = mode == "core"
        sample = {
            key: (value if key == "attachments" else _resolve_attachments(value, table, skip_calls))
            for key, value in sample.items()
        }
        sample["attachments"] = {} if mode == "full" else still_referenced(sample, table)
    return sample


def _expand(refs: Any, pool: list[Any]) -> list[Any]:
    out: list[Any] = []
    for start, end in refs:
        out.extend(pool[start:end])
    return out


def _resolve_events(events: list[Any], messages: list[Any], calls: list[Any]) -> list[Any]:
    out = []
    for event in events:
        if isinstance(event, dict):
            event = _resolve_event(event, messages, calls)
        out.append(event)
    return out


def _resolve_event(event: dict[str, Any], messages: list[Any], calls: list[Any]) -> dict[str, Any]:
    refs = event.get("input_refs")
    call = event.get("call")
    nested = event.get("events")
    if refs is None and not (isinstance(call, dict) and call.get("call_refs") is not None) and not nested:
        return event
    out: dict[str, Any] = {}
    for key, value in event.items():
        if key == "input_refs":
            continue
        if key == "input" and refs is not None:
            value = _expand(refs, messages)
        elif key == "call" and isinstance(value, dict) and value.get("call_refs") is not None:
            value = _resolve_call(value, calls)
        elif key == "events" and isinstance(value, list):
            value = _resolve_events(value, messages, calls)
        out[key] = value
    if refs is not None and "input" not in out:
        out["input"] = _expand(refs, messages)
    return out


def _resolve_call(call: dict[str, Any], calls: list[Any]) -> dict[str, Any]:
    out = {k: v for k, v in call.items() if k not in ("call_refs", "call_key")}
    if call["call_refs"]:  # no ranges: nothing was pooled, the request is whole
        key = call.get("call_key") or "messages"
        out["request"] = {**(out.get("request") or {}), key: _expand(call["call_refs"], calls)}
    return out


def _resolve_attachments(value: Any, table: dict[str, str], skip_calls: bool) -> Any:
    if type(value) is str:
        if value.startswith(ATTACHMENT):
            return table.get(value[len(ATTACHMENT) :], value)
        return value
    if type(value) is dict:
        if skip_calls and value.get("event") == "model":
            return {k: (v if k == "call" else _resolve_attachments(v, table, skip_calls)) for k, v in value.items()}
        return {k: _resolve_attachments(v, table, skip_calls) for k, v in value.items()}
    if type(value) is list:
        return [_resolve_attachments(v, table, skip_calls) for v in value]
    return value


def still_referenced(sample: dict[str, Any], table: dict[str, str]) -> dict[str, str]:
    """The entries of `table` that `sample` (outside its attachments) refers to."""
    found: set[str] = set()
    _collect_refs({k: v for k, v in sample.items() if k != "attachments"}, found)
    return {key: text for key, text in table.items() if key in found}


def _collect_refs(value: Any, found: set[str]) -> None:
    if type(value) is str:
        if value.startswith(ATTACHMENT):
            found.add(value[len(ATTACHMENT) :])
    elif type(value) is dict:
        for v in value.values():
            _collect_refs(v, found)
    elif type(value) is list:
        for v in value:
            _collect_refs(v, found)


class SampleHook:
    """What a reader does to each sample it decodes: leave out the fields
    `exclude` names (undecoded where the format allows) and expand the
    shared storage as `attachments` asks."""

    def __init__(self, attachments: ResolveAttachments = False, exclude: Collection[str] | None = None) -> None:
        attachment_mode(attachments)  # refuse a bad value before any reading
        self.attachments = attachments
        # events_data is needed to expand the events; Inspect ignores it here too
        self.exclude = frozenset(exclude or ()) - {"events_data"}
        refused = sorted(self.exclude.intersection(REQUIRED_FIELDS))
        if refused:
            raise UsageError(f"exclude_fields: a sample cannot be read without {', '.join(refused)}")

    def load(self, data: Any, what: str) -> Any:
        """A sample's JSON text decoded, its excluded members skipped unparsed."""
        if not self.exclude:
            return _codec.loads(data, what)
        try:
            members = _MEMBERS.decode(data)
        except msgspec.DecodeError:  # NaN literals, or damage: the tolerant decoder decides
            return self(_codec.loads(data, what))
        try:
            return {k: _codec.loads(v, what) for k, v in members.items() if k not in self.exclude}
        except LogFormatError:
            raise
        except ValueError as ex:
            raise LogFormatError(f"invalid JSON in {what}: {ex}") from None

    def __call__(self, sample: dict[str, Any]) -> dict[str, Any]:
        if self.exclude:
            sample = {k: v for k, v in sample.items() if k not in self.exclude}
        return resolve_sample(sample, self.attachments)


_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])


def sample_hook(
    resolve_attachments: ResolveAttachments = False, exclude_fields: Collection[str] | None = None
) -> SampleHook | None:
    """The hook a read needs (None: decode samples as stored, the fast path)."""
    if attachment_mode(resolve_attachments) is None and not exclude_fields:
        return None
    return SampleHook(resolve_attachments, exclude_fields)


def _on_tree(sample: EvalSample, change: Callable[[dict[str, Any]], dict[str, Any]]) -> EvalSample:
    out: EvalSample = convert(change(to_tree(sample)), EvalSample)
    return out


def resolve_sample_attachments(sample: EvalSample, resolve_attachments: ResolveAttachments = "core") -> EvalSample:
    """A copy of `sample` with its `attachment://` references replaced by
    their content ("core": all but those in model events' raw `call`
    payloads; "full" or True: all) and its events' shared messages expanded;
    False returns `sample` unchanged."""
    if attachment_mode(resolve_attachments) is None:
        return sample
    return _on_tree(sample, lambda tree: resolve_sample(tree, resolve_attachments))


def resolve_sample_events_data(sample: EvalSample) -> EvalSample:
    """A copy of `sample` whose model events hold their input messages and
    call payloads again (the `events_data` pools expanded and dropped);
    attachments stay as they are."""
    if sample.events_data is None:
        return sample
    return _on_tree(sample, resolve_sample)
