"""Expand the shared-storage references of a sample (on its JSON value).

Inspect (0.3.200 and later) stores each message a sample's model events send
once, in `events_data`; a model event then holds `input_refs` (ranges into
`events_data.messages`) and its `call` holds `call_refs` (ranges into
`events_data.calls`, placed under `call_key` in the request). Large strings
may also be moved to `attachments` and replaced by `attachment://<id>`.
Inspect expands the ranges whenever it reads a log; these functions do the
same for dumps and for `resolve_attachments=True`.
"""

from __future__ import annotations

from typing import Any

_ATTACHMENT = "attachment://"


def resolve_sample(sample: dict[str, Any], attachments: bool = False) -> dict[str, Any]:
    """The sample with event references (and optionally attachments) expanded."""
    data = sample.get("events_data")
    if isinstance(data, dict):
        messages = data.get("messages") or []
        calls = data.get("calls") or []
        sample = {
            key: (_resolve_events(value, messages, calls) if key == "events" and isinstance(value, list) else value)
            for key, value in sample.items()
            if key != "events_data"
        }
    if attachments and sample.get("attachments"):
        table = sample["attachments"]
        sample = {
            key: ({} if key == "attachments" else _resolve_attachments(value, table)) for key, value in sample.items()
        }
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
    key = call.get("call_key") or "messages"
    expanded = _expand(call["call_refs"], calls)
    out = {k: v for k, v in call.items() if k not in ("call_refs", "call_key")}
    out["request"] = {**(out.get("request") or {}), key: expanded}
    return out


def _resolve_attachments(value: Any, table: dict[str, str]) -> Any:
    if type(value) is str:
        if value.startswith(_ATTACHMENT):
            return table.get(value[len(_ATTACHMENT) :], value)
        return value
    if type(value) is dict:
        return {k: _resolve_attachments(v, table) for k, v in value.items()}
    if type(value) is list:
        return [_resolve_attachments(v, table) for v in value]
    return value
