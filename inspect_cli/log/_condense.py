"""Pool the messages a sample's model events repeat: the inverse of the
`events_data` expansion in `_resolve.py`, as Inspect's `condense_events` and
`expand_events` offer it.

Each model event's input messages, and the message list of its raw `call`
request (under "messages" or "contents"), go to a pool once; the event keeps
ranges (`input_refs`, `call_refs`) into it. Pool entries are equal when their
JSON is: a message sent again in every turn of a conversation is stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _codec
from ._resolve import resolve_sample
from ._tree import convert, to_tree
from ._types import Event, EventsData

_CALL_KEYS = ("messages", "contents")


class _Pool:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self._index: dict[bytes, int] = {}

    def refs(self, items: list[Any]) -> list[list[int]]:
        """`items` as [start, end) ranges of pool positions (added as needed)."""
        ranges: list[list[int]] = []
        for item in items:
            key = _codec.dumps(item)
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
    messages, calls = _Pool(), _Pool()
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
            if isinstance(event.get("events"), list):
                event["events"] = _condense(event["events"], messages, calls)
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
