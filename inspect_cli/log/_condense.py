"""Shrink a sample for storage, the inverse of the expansions in `_resolve.py`,
as Inspect's `condense_events`, `expand_events` and `condense_sample` offer it.

Pooling: each model event's input messages, and the message list of its raw
`call` request (under "messages" or "contents"), go to a pool once; the event
keeps ranges (`input_refs`, `call_refs`) into it. Pool entries are equal when
their JSON is: a message sent again in every turn of a conversation is stored
once. Only the sample's own events are pooled, not those nested in tool or
subtask events (as Inspect does: its readers expand only what it pooled).

Attachments (`condense_sample`): long strings in the parts of events that
repeat the conversation or hold arbitrary data (see `_condense_event`) move to
`attachments`, keyed by a content hash, so repeats are stored once. The
sample's own messages keep their text, which viewers and scorers read, and
give up only inline base64 media.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from . import _codec
from ._resolve import ATTACHMENT, resolve_sample, still_referenced
from ._tree import convert, to_tree
from ._types import EvalSample, Event, EventsData

_CALL_KEYS = ("messages", "contents")


class _Pool:
    def __init__(self, ignore_id: bool = False) -> None:
        self.items: list[Any] = []
        self._index: dict[bytes, int] = {}
        # Messages differing only in their generated id are one entry (the first).
        self._ignore_id = ignore_id

    def refs(self, items: list[Any]) -> list[list[int]]:
        """`items` as [start, end) ranges of pool positions (added as needed)."""
        ranges: list[list[int]] = []
        for item in items:
            same = {k: v for k, v in item.items() if k != "id"} if self._ignore_id and isinstance(item, dict) else item
            key = _codec.dumps(same)
            at = self._index.get(key)
            if at is None:
                at = self._index[key] = len(self.items)
                self.items.append(item)
            if ranges and ranges[-1][1] == at:
                ranges[-1][1] = at + 1
            else:
                ranges.append([at, at + 1])
        return ranges


def condense_event_trees(events: list[Any]) -> tuple[list[Any], dict[str, list[Any]]]:
    """JSON events with their model messages pooled, and the pools."""
    messages, calls = _Pool(ignore_id=True), _Pool()
    out = _condense(events, messages, calls)
    return out, {"messages": messages.items, "calls": calls.items}


def _condense(events: list[Any], messages: _Pool, calls: _Pool) -> list[Any]:
    out = []
    for event in events:
        if isinstance(event, dict):
            event = dict(event)
            if event.get("event") == "model":
                if event.get("input_refs") is None and isinstance(event.get("input"), list):
                    event["input_refs"] = messages.refs(event["input"])
                    event["input"] = []
                call = event.get("call")
                if isinstance(call, dict) and call.get("call_refs") is None:
                    event["call"] = _condense_call(call, calls)
        out.append(event)
    return out


def _condense_call(call: dict[str, Any], calls: _Pool) -> dict[str, Any]:
    request = call.get("request")
    if not isinstance(request, dict):
        return call
    for key in _CALL_KEYS:
        if isinstance(request.get(key), list):
            rest = {k: v for k, v in request.items() if k != key}
            return {**call, "request": rest, "call_refs": calls.refs(request[key]), "call_key": key}
    return call


_EVENTS = list[Event]


def condense_events(events: Sequence[Event]) -> tuple[list[Event], EventsData]:
    """`events` with the messages their model events send stored once: the
    events (holding ranges into the pools) and the pools (`EventsData`)."""
    trees, data = condense_event_trees([to_tree(e) for e in events])
    out: list[Event] = convert(trees, _EVENTS)
    pools: EventsData = convert(data, EventsData)
    return out, pools


def expand_events(events: Sequence[Event] | str, data: EventsData | str) -> list[Event]:
    """The events `condense_events` pooled, whole again; either argument may
    also be JSON text."""
    trees = _codec.loads(events, "events") if isinstance(events, str) else [to_tree(e) for e in events]
    pools = _codec.loads(data, "events data") if isinstance(data, str) else to_tree(data)
    expanded = resolve_sample({"events": trees, "events_data": pools})["events"]
    out: list[Event] = convert(expanded, _EVENTS)
    return out


# Longer strings in condensed event fields move to attachments; 100 stay.
_INLINE_MAX = 100
_BASE64_URI = re.compile(r"data:[^,]*;base64,")
_IMAGE_REMOVED = "<base64-data-removed>"
# Content items whose one string field holds the text or the media.
_CONTENT_FIELD = {
    "text": "text",
    "reasoning": "reasoning",
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "document",
}

_Strings = Callable[[str], str]


def condense_sample(sample: EvalSample, log_images: bool = True) -> EvalSample:
    """`sample` as Inspect stores it: model messages pooled (`events_data`),
    long event strings and inline media in `attachments`; with
    `log_images=False` inline base64 media are dropped instead of kept.
    `resolve_sample_attachments(..., "full")` gives the sample back (less any
    dropped media)."""
    tree = resolve_sample(to_tree(sample))
    old = tree.get("attachments") or {}
    table: dict[str, str] = dict(old)
    read: set[str] = set()  # attachments whose references were replaced by their text

    def stored(text: str) -> str:
        if text.startswith(ATTACHMENT) and text[len(ATTACHMENT) :] in old:
            read.add(text[len(ATTACHMENT) :])
            return old[text[len(ATTACHMENT) :]]
        return text

    def attach(text: str) -> str:
        key = _hash_key(text)
        table[key] = text
        return ATTACHMENT + key

    def in_event(text: str) -> str:
        text = stored(text)
        if not log_images and _BASE64_URI.match(text):
            return _IMAGE_REMOVED
        return attach(text) if len(text) > _INLINE_MAX else text

    def in_message(text: str) -> str:
        text = stored(text)
        if _BASE64_URI.match(text):
            return attach(text) if log_images else _IMAGE_REMOVED
        return text

    events = tree.get("events")
    if isinstance(events, list):
        events = [_condense_event(e, in_event) if isinstance(e, dict) else e for e in events]
        tree["events"], tree["events_data"] = condense_event_trees(events)
    for key in ("input", "messages"):
        if isinstance(tree.get(key), list):
            tree[key] = [_message(m, in_message) for m in tree[key]]
    # Those read (and stored again under their hash, or left inline) go unless
    # still referenced elsewhere; the others stay, referenced or not.
    kept = still_referenced(tree, {k: table[k] for k in read})
    tree["attachments"] = {k: v for k, v in table.items() if k not in read or k in kept}
    out: EvalSample = convert(tree, EvalSample)
    return out


def _hash_key(text: str) -> str:
    """MurmurHash3 x64_128 (seed 0) of the UTF-8 text, as 32 hex digits: the
    keys Inspect gives attachments, so equal text shares one in both."""
    import mmh3  # a C extension: loaded only when a sample is condensed

    high, low = mmh3.hash64(text.encode(), seed=0, x64arch=True, signed=False)
    return f"{high:016x}{low:016x}"


def _condense_event(event: dict[str, Any], strings: _Strings) -> dict[str, Any]:
    """The event with the fields that repeat the conversation, or hold
    arbitrary data, condensed; results, scores and errors stay inline."""
    event = dict(event)
    kind = event.get("event")
    if kind == "sample_init":
        if isinstance(event.get("sample"), dict):
            init = dict(event["sample"])
            if "input" in init:
                init["input"] = _input(init["input"], strings)
            event["sample"] = init
        if "state" in event:
            event["state"] = _json(event["state"], strings)
    elif kind == "info" and "data" in event:
        event["data"] = _json(event["data"], strings)
    elif kind in ("state", "store") and isinstance(event.get("changes"), list):
        event["changes"] = [_change(c, strings) for c in event["changes"]]
    elif kind == "tool" and "arguments" in event:
        event["arguments"] = _json(event["arguments"], strings)
    elif kind == "model":
        _condense_model(event, strings)
    return event


def _condense_model(event: dict[str, Any], strings: _Strings) -> None:
    if isinstance(event.get("tools"), list):
        event["tools"] = [_tool_info(t, strings) for t in event["tools"]]
    if isinstance(event.get("input"), list):
        event["input"] = [_message(m, strings) for m in event["input"]]
    output = event.get("output")
    if isinstance(output, dict) and isinstance(output.get("choices"), list):
        choices = [
            {**c, "message": _message(c["message"], strings)} if isinstance(c, dict) and "message" in c else c
            for c in output["choices"]
        ]
        event["output"] = {**output, "choices": choices}
    call = event.get("call")
    if isinstance(call, dict):
        event["call"] = {k: (_json(v, strings) if k in ("request", "response") else v) for k, v in call.items()}


def _tool_info(tool: Any, strings: _Strings) -> Any:
    if isinstance(tool, dict) and isinstance(tool.get("description"), str):
        return {**tool, "description": strings(tool["description"])}
    return tool


def _change(change: Any, strings: _Strings) -> Any:
    if isinstance(change, dict) and "value" in change:
        return {**change, "value": _json(change["value"], strings)}
    return change


def _input(value: Any, strings: _Strings) -> Any:
    if isinstance(value, str):
        return strings(value)
    if isinstance(value, list):
        return [_message(m, strings) for m in value]
    return value


def _message(message: Any, strings: _Strings) -> Any:
    """Text content condensed; a message with a list of content items also
    has its tool calls' arguments and views condensed (Inspect leaves those
    of a message with plain text content as they are)."""
    if not isinstance(message, dict):
        return message
    message = dict(message)
    content = message.get("content")
    if isinstance(content, str):
        message["content"] = strings(content)
    elif isinstance(content, list):
        if isinstance(message.get("tool_calls"), list):
            message["tool_calls"] = [_tool_call(c, strings) for c in message["tool_calls"]]
        message["content"] = [_content(c, strings) for c in content]
    return message


def _tool_call(call: Any, strings: _Strings) -> Any:
    if not isinstance(call, dict):
        return call
    call = dict(call)
    if "arguments" in call:
        call["arguments"] = _json(call["arguments"], strings)
    view = call.get("view")
    if isinstance(view, dict) and isinstance(view.get("content"), str):
        call["view"] = {**view, "content": strings(view["content"])}
    return call


def _content(item: Any, strings: _Strings) -> Any:
    if not isinstance(item, dict):
        return item
    kind = item.get("type")
    field = _CONTENT_FIELD.get(kind) if isinstance(kind, str) else None
    if field is not None and isinstance(item.get(field), str):
        return {**item, field: strings(item[field])}
    if kind == "data" and "data" in item:
        return {**item, "data": _json(item["data"], strings)}
    return item


def _json(value: Any, strings: _Strings) -> Any:
    if isinstance(value, str):
        return strings(value)
    if isinstance(value, dict):
        return {k: _json(v, strings) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v, strings) for v in value]
    return value
