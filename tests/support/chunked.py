"""Build `.eval` logs in Inspect's chunked per-sample layout (as its newer
writers and viewer use it) from ordinary logs, for the reader's tests.

    samples/<id>_epoch_<n>/sample.json       the sample without its sequences, plus message_refs
    samples/<id>_epoch_<n>/metadata.json     its metadata
    samples/<id>_epoch_<n>/<seq>/<start>.json  messages, events, calls, attachments, in chunks
                                               named by their first item
    samples/<id>_epoch_<n>/events/uuids.json  event uuids by position
    samples/<id>_epoch_<n>/events/stats.json, skeleton.json  indexes for viewers

Messages are one pool that the final conversation (`message_refs`) and each
model event (`input_refs`) point into with [start, end) ranges; request
messages go to the calls pool (`call_refs`); attachments are referred to by
their position in the attachments sequence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.helpers import zip_json_entries

SEQUENCES = ("messages", "events", "calls", "attachments")


def _ranges(items: list[Any], pool: list[Any], index: dict[str, int]) -> list[list[int]]:
    """[start, end) ranges of `pool` that spell `items` (new items appended)."""
    out: list[list[int]] = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in index:
            index[key] = len(pool)
            pool.append(item)
        at = index[key]
        if out and out[-1][1] == at:
            out[-1][1] = at + 1
        else:
            out.append([at, at + 1])
    return out


def _renumber_attachments(value: Any, numbers: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("attachment://"):
        key = value[len("attachment://") :]
        return f"attachment://{numbers[key]}" if key in numbers else value
    if isinstance(value, dict):
        return {k: _renumber_attachments(v, numbers) for k, v in value.items()}
    if isinstance(value, list):
        return [_renumber_attachments(v, numbers) for v in value]
    return value


def chunk_sample(sample: dict[str, Any], size: int) -> dict[str, Any]:
    """The entries (relative to the sample's folder) of one sample, chunked."""
    numbers = {key: i for i, key in enumerate(sample.get("attachments") or {})}
    sample = _renumber_attachments(sample, numbers)
    pool: list[Any] = []
    index: dict[str, int] = {}
    calls: list[Any] = []
    call_index: dict[str, int] = {}
    events = []
    for event in sample.get("events") or []:
        event = dict(event)
        if event.get("event") == "model":
            event["input_refs"] = _ranges(event.get("input") or [], pool, index)
            event["input"] = []
            call = event.get("call")
            if isinstance(call, dict) and isinstance((call.get("request") or {}).get("messages"), list):
                request = dict(call["request"])
                refs = _ranges(request.pop("messages"), calls, call_index)
                event["call"] = {**call, "request": request, "call_refs": refs, "call_key": "messages"}
        events.append(event)
    shell = {k: v for k, v in sample.items() if k not in ("messages", "events", "attachments", "metadata")}
    shell["message_refs"] = _ranges(sample.get("messages") or [], pool, index)
    sequences = {
        "messages": pool,
        "events": events,
        "calls": calls,
        "attachments": list((sample.get("attachments") or {}).values()),
    }
    entries: dict[str, Any] = {"sample.json": shell, "metadata.json": sample.get("metadata") or {}}
    for name, items in sequences.items():
        for start in range(0, len(items), size):
            entries[f"{name}/{start}.json"] = items[start : start + size]
    entries["events/uuids.json"] = [e.get("uuid") for e in events]
    entries["events/stats.json"] = {"version": 1, "chunks": [{"start": s} for s in range(0, len(events), size)]}
    entries["skeleton.json"] = {"version": 1, "counts": {"events": len(events)}, "spans": [], "notables": []}
    return entries


def chunked_copy(source: Path, target: Path, size: int = 2, extra: dict[str, bytes] | None = None) -> None:
    """`source` (an .eval log) rewritten with every sample chunked, plus `extra` entries."""
    from inspect_cli.log._resolve import resolve_sample
    from inspect_cli.log._zip import ZipWriter

    entries = zip_json_entries(source)
    with open(target, "wb") as f:
        writer = ZipWriter(f)
        for name, value in entries.items():
            if name.startswith("samples/") and name.endswith(".json"):
                folder = name[: -len(".json")]
                for relative, content in chunk_sample(resolve_sample(value), size).items():
                    writer.add(f"{folder}/{relative}", json.dumps(content).encode())
            else:
                writer.add(name, json.dumps(value).encode())
        for name, data in (extra or {}).items():
            writer.add(name, data)
        writer.close()
