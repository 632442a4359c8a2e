"""condense_events / expand_events: a sample's model messages pooled once,
and back, as Inspect 0.3.285 pools them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import msgspec

from inspect_cli.log import (
    ModelCall,
    ModelEvent,
    condense_events,
    expand_events,
    read_eval_log,
    resolve_sample_events_data,
)
from inspect_cli.log._tree import to_tree

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
