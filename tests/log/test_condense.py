"""condense_events / expand_events: a sample's model messages pooled once,
and back, as Inspect 0.3.285 pools them; condense_sample: long strings and
inline media moved to attachments too, as Inspect's condense_sample does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

from inspect_cli.log import (
    EvalSample,
    ModelCall,
    ModelEvent,
    condense_events,
    condense_sample,
    expand_events,
    read_eval_log,
    resolve_sample_attachments,
    resolve_sample_events_data,
)
from inspect_cli.log._tree import convert, to_tree

from support.inspect_ai_env import inspect_ai_python

ATTACHED = Path(__file__).parents[1] / "fixtures" / "attachments.eval"


def _expanded_samples() -> list:
    return [resolve_sample_events_data(s) for s in read_eval_log(ATTACHED).samples or []]


def test_repeated_messages_are_stored_once_and_come_back() -> None:
    for sample in _expanded_samples():
        model = [e for e in sample.events if isinstance(e, ModelEvent)]
        events, data = condense_events(sample.events)
        pooled = [e for e in events if isinstance(e, ModelEvent)]
        assert len(data.messages) == 3 < sum(len(e.input) for e in model)  # 1 + 3 messages sent, 3 distinct
        assert [e.input_refs for e in pooled] == [[[0, 1]], [[0, 3]]] and all(e.input == [] for e in pooled)
        assert all(e.call and e.call.call_key == "messages" and "messages" not in e.call.request for e in pooled)
        back = expand_events(events, data)
        assert [to_tree(e) for e in back] == [to_tree(e) for e in sample.events]
        as_text = expand_events(
            msgspec.json.encode([to_tree(e) for e in events]).decode(), msgspec.json.encode(to_tree(data)).decode()
        )
        assert [to_tree(e) for e in as_text] == [to_tree(e) for e in sample.events]


def test_a_call_without_a_message_list_is_left_whole() -> None:
    event = ModelEvent(model="m", call=ModelCall(request={"model": "m", "prompt": "hi"}))
    [out], data = condense_events([event])
    assert isinstance(out, ModelEvent) and out.call is not None
    assert out.call.call_refs is None and out.call.request == {"model": "m", "prompt": "hi"} and data.calls == []
    contents = ModelEvent(model="m", call=ModelCall(request={"contents": [{"a": 1}, {"a": 1}, {"b": 2}]}))
    [out], data = condense_events([contents])
    assert isinstance(out, ModelEvent) and out.call is not None
    assert (out.call.call_key, out.call.call_refs, data.calls) == ("contents", [[0, 1], [0, 2]], [{"a": 1}, {"b": 2}])
    assert expand_events([out], data)[0].call.request == {"contents": [{"a": 1}, {"a": 1}, {"b": 2}]}  # type: ignore[union-attr]


def test_inspect_ai_pools_as_we_do() -> None:
    script = """
import json, sys
from inspect_ai.log import read_eval_log, condense_events
out = []
for s in read_eval_log(sys.argv[1]).samples:
    events, data = condense_events(s.events)
    out.append({
        "events": [json.loads(e.model_dump_json(exclude_none=True)) for e in events],
        "messages": [json.loads(m.model_dump_json(exclude_none=True)) for m in data["messages"]],
        "calls": data["calls"],
    })
print(json.dumps(out))
"""
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", script, str(ATTACHED)], capture_output=True, text=True, check=True
    )
    for sample, theirs in zip(_expanded_samples(), json.loads(run.stdout), strict=True):
        events, data = condense_events(sample.events)
        assert [to_tree(e) for e in events] == theirs["events"]
        assert [to_tree(m) for m in data.messages] == theirs["messages"] and data.calls == theirs["calls"]


# condense_sample: constructed samples covering each of Inspect's rules, as
# JSON both sides validate (Inspect fills in ids, so its validated sample is
# the one both condense).
def _long(c: str, n: int = 150) -> str:
    return c * n


IMAGE = "data:image/png;base64," + "A" * 200
TOOL_CALLS = [
    {
        "id": "1",
        "function": "f",
        "arguments": {"a": [_long("a"), {"b": _long("b")}], "s": "short"},
        "parse_error": _long("p"),
        "view": {"title": _long("T"), "format": "text", "content": _long("v")},
    }
]
CONTENT = [
    {"type": "text", "text": _long("t")},
    {"type": "text", "text": "x" * 100},  # 100 characters stay, 101 go
    {"type": "text", "text": "y" * 101},
    {"type": "text", "text": "é" * 100},  # characters, not bytes, are counted
    {"type": "text", "text": "é" * 101, "citations": [{"type": "url", "url": "u", "cited_text": _long("c")}]},
    {"type": "image", "image": IMAGE},
    {"type": "image", "image": "data:image/png;base64,AAAA"},  # short base64: inline in events, attached in messages
    {"type": "image", "image": "http://x/" + "y" * 120},  # a long URL is text, not media
    {"type": "image", "image": "data:image/png,AAAA"},  # not base64
    {"type": "audio", "audio": "data:audio/mp3;base64,AA", "format": "mp3"},
    {"type": "video", "video": _long("v"), "format": "mp4"},
    {"type": "reasoning", "reasoning": _long("r"), "summary": _long("s"), "signature": _long("g")},
    {"type": "document", "document": "data:application/pdf;base64,AA"},
    {"type": "data", "data": {"x": _long("x"), "i": "data:;base64,AA"}},
]
MESSAGES = [
    {"role": "system", "content": _long("S")},
    {"role": "user", "content": CONTENT},
    {"role": "assistant", "content": "data:image/png;base64,AAAA", "tool_calls": TOOL_CALLS},  # plain: calls kept
    {"role": "assistant", "content": [{"type": "text", "text": "s"}], "tool_calls": TOOL_CALLS},
    {
        "role": "tool",
        "content": _long("R"),
        "tool_call_id": "1",
        "function": "f",
        "error": {"type": "unknown", "message": _long("E")},
    },
]
MODEL_EVENT = {
    "event": "model",
    "model": "m",
    "input": MESSAGES,
    "tools": [
        {
            "name": "f",
            "description": _long("D"),
            "parameters": {"type": "object", "properties": {"x": {"type": "string", "description": _long("P")}}},
        }
    ],
    "tool_choice": {"name": _long("C")},
    "config": {"system_message": _long("M")},
    "output": {
        "model": "m",
        "choices": [{"message": MESSAGES[3], "stop_reason": "stop"}, {"message": MESSAGES[2], "stop_reason": "stop"}],
    },
    "error": _long("F"),
    "call": {
        "request": {"messages": [{"role": "user", "content": _long("S")}], "img": IMAGE, "x": [1, None, _long("q")]},
        "response": {"y": _long("y")},
    },
}
# Events nested in tool and subtask events are neither condensed nor pooled.
# (Written in full: Inspect keeps them as the JSON given, filling in nothing.)
NESTED = [
    {"event": "info", "timestamp": "2026-01-01T00:00:00+00:00", "data": _long("W")},
    {**MODEL_EVENT, "timestamp": "2026-01-01T00:00:00+00:00", "input": MESSAGES[:1]},
]
CONSTRUCTED = [
    {
        "id": "events",
        "epoch": 1,
        "input": MESSAGES[:2],
        "target": _long("T"),
        "messages": MESSAGES,
        "output": {
            "model": "m",
            "choices": [{"message": {"role": "assistant", "content": CONTENT}, "stop_reason": "stop"}],
        },
        "metadata": {"k": _long("m"), "i": IMAGE},
        "store": {"k": _long("n")},
        "scores": {"s": {"value": 1, "answer": _long("A"), "explanation": IMAGE}},
        "events": [
            {
                "event": "sample_init",
                "sample": {"id": 1, "input": _long("i"), "target": _long("T"), "metadata": {"k": _long("M")}},
                "state": {"messages": MESSAGES, "x": _long("X"), "i": "data:;base64,"},
            },
            {"event": "sample_init", "sample": {"id": 1, "input": MESSAGES, "target": "t"}, "state": {}},
            {"event": "info", "data": _long("I")},
            {
                "event": "info",
                "data": {"a": [_long("J"), "short", "x" * 100, "y" * 101, IMAGE, "data:;base64,AA", 1, None]},
            },
            {"event": "store", "changes": [{"op": "add", "path": "/k", "value": _long("n")}]},
            {
                "event": "state",
                "changes": [
                    {
                        "op": "replace",
                        "path": "/" + _long("p"),
                        "from": _long("f"),
                        "value": {"content": _long("q")},
                        "replaced": _long("r"),
                    },
                    {"op": "remove", "path": "/x"},
                ],
            },
            {
                "event": "tool",
                "id": "1",
                "function": "f",
                "arguments": {"a": _long("e"), "n": {"m": IMAGE}},
                "result": _long("R"),
                "view": {"format": "text", "content": _long("V")},
                "events": NESTED,
            },
            MODEL_EVENT,
            {**MODEL_EVENT, "input": MESSAGES[:1], "call": {"request": {"contents": [{"text": _long("S")}]}}},
            {"event": "score", "score": {"value": 1, "answer": _long("A"), "explanation": IMAGE}, "target": _long("T")},
            {"event": "error", "error": {"message": _long("K"), "traceback": _long("B"), "traceback_ansi": _long("C")}},
            {
                "event": "subtask",
                "name": "s",
                "input": {"a": _long("G")},
                "result": _long("H"),
                "events": NESTED[:1],
            },
            {"event": "logger", "message": {"level": "info", "message": _long("l"), "created": 1.0}},
            {"event": "input", "input": _long("w"), "input_ansi": _long("W")},
            {"event": "sandbox", "action": "exec", "cmd": _long("k"), "output": IMAGE, "input": _long("g")},
            {"event": "approval", "message": _long("Y"), "call": TOOL_CALLS[0], "approver": "a", "decision": "approve"},
            {"event": "sample_limit", "type": "message", "message": _long("L")},
            {"event": "span_begin", "id": "s", "name": _long("$")},
            {"event": "step", "action": "begin", "name": _long("%")},
        ],
    },
    {
        # References to attachments it already holds: those in condensed
        # fields are read and condensed again, the others kept with theirs.
        "id": "attached",
        "epoch": 1,
        "input": "data:;base64,I",  # a text input is left as it is
        "target": "t",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "attachment://k2"}, {"type": "text", "text": "attachment://k1"}],
            }
        ],
        "store": {"x": "attachment://k3"},
        "attachments": {"k1": "short", "k2": _long("z"), "k3": _long("3"), "unused": "u"},
        "events": [{"event": "info", "data": ["attachment://k1", "attachment://k2", "attachment://missing"]}],
    },
    {"id": "bare", "epoch": 1, "input": "hi", "target": "t"},
]

INSPECT_CONDENSES = """
import json, sys
from inspect_ai.log import EvalSample, condense_sample, read_eval_log
dump = lambda s: json.loads(s.model_dump_json(exclude_none=True))
samples = [EvalSample.model_validate(j) for j in json.load(open(sys.argv[1]))]
for resolve in (True, False):
    samples += read_eval_log(sys.argv[2], resolve_attachments=resolve).samples
print(json.dumps([
    {"sample": dump(s), "condensed": dump(condense_sample(s)), "without_images": dump(condense_sample(s, log_images=False))}
    for s in samples
]))
"""


@pytest.fixture(scope="module")
def inspect_condensed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Each sample as Inspect validated it, and condensed by Inspect both ways."""
    given = tmp_path_factory.mktemp("condense") / "samples.json"
    given.write_text(json.dumps(CONSTRUCTED))
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", INSPECT_CONDENSES, str(given), str(ATTACHED)],
        capture_output=True,
        text=True,
        check=True,
    )
    out: list[dict[str, Any]] = json.loads(run.stdout)
    return out


def _ours(tree: dict[str, Any]) -> EvalSample:
    sample: EvalSample = convert(tree, EvalSample)
    return sample


def test_inspect_ai_condenses_samples_as_we_do(inspect_condensed: list[dict[str, Any]]) -> None:
    assert len(inspect_condensed) == len(CONSTRUCTED) + 4  # the fixture's two samples, resolved and as stored
    for theirs in inspect_condensed:
        sample = _ours(theirs["sample"])
        assert to_tree(condense_sample(sample)) == theirs["condensed"], sample.id
        assert to_tree(condense_sample(sample, log_images=False)) == theirs["without_images"], sample.id
        assert list(condense_sample(sample).attachments) == list(theirs["condensed"].get("attachments", {}))


def test_the_fixtures_samples_read_by_us_condense_as_inspect_ai_read_them(
    inspect_condensed: list[dict[str, Any]],
) -> None:
    ours = [*(read_eval_log(ATTACHED, resolve_attachments="full").samples or [])]
    ours += read_eval_log(ATTACHED).samples or []
    for sample, theirs in zip(ours, inspect_condensed[len(CONSTRUCTED) :], strict=True):
        assert to_tree(condense_sample(sample)) == theirs["condensed"]


def test_resolving_a_condensed_sample_gives_it_back(inspect_condensed: list[dict[str, Any]]) -> None:
    for theirs in inspect_condensed:
        sample = resolve_sample_events_data(resolve_sample_attachments(_ours(theirs["sample"]), "full"))
        # Pooled messages differing only in id come back with the first's id.
        sample = msgspec.structs.replace(sample, events=expand_events(*condense_events(sample.events)))
        back = resolve_sample_attachments(condense_sample(sample), "full")
        assert to_tree(back) == to_tree(sample), sample.id
