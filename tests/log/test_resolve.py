"""Shared sample storage (events_data pools, attachments): resolving it at
read time, on a sample, in dumps and conversions, and leaving out fields.

tests/fixtures/attachments.eval was written by the real inspect-ai 0.3.285
(mockllm/model, two samples: a long text input, and a long text plus an
image; a solver logging long info events and store values; a tool call), so
it holds attachments, a message pool and a call pool as Inspect writes them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.errors import UsageError
from inspect_cli.log import (
    ModelEvent,
    convert_eval_logs,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_async,
    read_eval_log_samples,
    read_eval_log_samples_by_id,
    resolve_sample_attachments,
    resolve_sample_events_data,
    write_eval_log,
)
from inspect_cli.log._dump import dump_eval_log
from inspect_cli.log._tree import to_tree

from support.inspect_ai_env import inspect_ai_python

ATTACHED = Path(__file__).parents[1] / "fixtures" / "attachments.eval"
REF = "attachment://"


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture in both formats (the .json written by us from the .eval)."""
    out = tmp_path_factory.mktemp("attached")
    as_json = out / "attached.json"
    write_eval_log(read_eval_log(ATTACHED), as_json)
    return {"eval": ATTACHED, "json": as_json}


def _refs(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path] if value.startswith(REF) else []
    if isinstance(value, dict):
        return [r for k, v in value.items() for r in _refs(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [r for i, v in enumerate(value) for r in _refs(v, f"{path}/{i}")]
    return []


def _ids(value: Any) -> set[str]:
    """The attachments `value` references."""
    text = json.dumps(value)
    return {part[:32] for part in text.split(REF)[1:]}


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_core_resolves_all_but_model_calls_and_keeps_what_they_reference(logs: dict[str, Path], fmt: str) -> None:
    stored = read_eval_log(logs[fmt]).samples or []
    assert stored[1].events_data is not None and stored[1].attachments
    for depth in ("core", True, "full"):
        for sample in read_eval_log(logs[fmt], resolve_attachments=depth).samples or []:
            tree = to_tree(sample)
            left = _refs({k: v for k, v in tree.items() if k != "attachments"})
            assert "events_data" not in tree
            if depth == "core":
                assert left and all("/call/" in r for r in left)
                assert set(sample.attachments) == _ids(tree)
            else:
                assert left == [] and sample.attachments == {}
            model = [e for e in sample.events if isinstance(e, ModelEvent)]
            assert all(e.input and e.input_refs is None for e in model)


def test_a_sample_resolves_as_read_time_resolution_does(logs: dict[str, Path]) -> None:
    stored = read_eval_log(logs["eval"]).samples or []
    for depth in ("core", "full"):
        resolved = read_eval_log(logs["eval"], resolve_attachments=depth).samples or []
        assert [to_tree(resolve_sample_attachments(s, depth)) for s in stored] == [to_tree(s) for s in resolved]
    assert resolve_sample_attachments(stored[0], False) is stored[0]
    # the default is "core"
    assert to_tree(resolve_sample_attachments(stored[1])) == to_tree(resolve_sample_attachments(stored[1], "core"))
    with pytest.raises(UsageError, match="resolve_attachments"):
        resolve_sample_attachments(stored[0], "some")  # type: ignore[arg-type]


def test_events_data_alone(logs: dict[str, Path]) -> None:
    sample = (read_eval_log(logs["eval"]).samples or [])[1]
    expanded = resolve_sample_events_data(sample)
    assert expanded.events_data is None and expanded.attachments == sample.attachments
    model = [e for e in expanded.events if isinstance(e, ModelEvent)]
    assert [len(e.input) for e in model] == [1, 3]
    assert all(e.call and e.call.call_refs is None and len(e.call.request["messages"]) == len(e.input) for e in model)
    assert sample.events_data is not None  # the argument is left alone
    assert resolve_sample_events_data(expanded) is expanded


def test_a_call_with_no_ranges_keeps_its_request() -> None:
    from inspect_cli.log._resolve import resolve_sample

    event = {"event": "model", "call": {"request": {"input": "2+2?"}, "call_refs": [], "call_key": None}}
    out = resolve_sample({"events": [event], "events_data": {"messages": [], "calls": ["x"]}})
    assert out["events"][0]["call"] == {"request": {"input": "2+2?"}}


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_excluded_fields_are_left_out(logs: dict[str, Path], fmt: str) -> None:
    path = logs[fmt]
    full = read_eval_log(path).samples or []
    log = read_eval_log(path, exclude_fields={"events", "messages", "store", "attachments", "events_data"})
    for whole, sample in zip(full, log.samples or [], strict=True):
        assert (sample.events, sample.messages, sample.store, sample.attachments) == ([], [], {}, {})
        assert sample.scores == whole.scores and sample.input == whole.input and sample.metadata == whole.metadata
    one = read_eval_log_sample(path, 2, exclude_fields={"events"})
    assert one.events == [] and one.messages == full[1].messages
    assert all(s.events == [] for s in read_eval_log_samples(path, exclude_fields={"events"}))
    assert read_eval_log_samples_by_id(path, [(2, 1)], exclude_fields={"output"})[0].output.choices == []
    # excluding events_data is ignored: it is needed to expand the events
    kept = read_eval_log_sample(path, 2, exclude_fields={"events_data"}, resolve_attachments="full")
    assert [len(e.input) for e in kept.events if isinstance(e, ModelEvent)] == [1, 3]
    # without its attachments a sample keeps its references
    bare = read_eval_log_sample(path, 2, exclude_fields={"attachments"}, resolve_attachments="full")
    assert _refs(to_tree(bare))


def test_excluding_what_a_sample_needs_is_refused() -> None:
    with pytest.raises(UsageError, match="id, input"):
        read_eval_log(ATTACHED, exclude_fields={"input", "id"})
    with pytest.raises(UsageError, match="target"):
        read_eval_log_samples(ATTACHED, exclude_fields={"target"})


def test_excluded_members_are_never_parsed(logs: dict[str, Path], tmp_path: Path) -> None:
    """An excluded member is skipped as JSON text: even a value no model
    type accepts does not fail the read."""
    doc = json.loads(logs["json"].read_text())
    doc["samples"][0]["events"] = [{"event": "model", "input": "not a list"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValueError):
        read_eval_log(bad)
    assert read_eval_log_sample(bad, 1, exclude_fields={"events"}).events == []


def test_the_async_twin_takes_the_same_arguments() -> None:
    import asyncio

    sample = asyncio.run(read_eval_log_sample_async(ATTACHED, 2, resolve_attachments="core", exclude_fields={"store"}))
    assert sample.store == {} and sample.events_data is None


@pytest.mark.parametrize("depth", [False, "core", "full"])
def test_convert_resolves_json_targets_only(tmp_path: Path, depth: Any) -> None:
    for to in ("json", "eval"):
        [result] = convert_eval_logs(str(ATTACHED), to, str(tmp_path / to), resolve_attachments=depth)
        assert result.error is None
        samples = read_eval_log(result.target).samples or []
        refs = sum(len(_refs(to_tree(s))) for s in samples)
        stored = sum(len(_refs(to_tree(s))) for s in read_eval_log(ATTACHED).samples or [])
        if to == "eval" or depth is False:
            assert refs == stored  # stored condensed, as Inspect writes .eval logs
        elif depth == "full":
            assert refs == 0
        else:
            assert 0 < refs < stored
    [streamed] = convert_eval_logs(str(ATTACHED), "json", str(tmp_path / "s"), resolve_attachments="full", stream=2)
    assert streamed.error is None and read_eval_log(streamed.target).samples[1].attachments  # type: ignore[index]


def _dump(path: Path, depth: Any) -> Any:
    chunks: list[bytes] = []
    dump_eval_log(path, chunks.append, resolve_attachments=depth)
    return json.loads(b"".join(chunks))


def test_inspect_ai_resolves_as_we_do(logs: dict[str, Path], tmp_path: Path) -> None:
    """The real inspect-ai's dump (`inspect log dump --resolve-attachments`)
    and `resolve_sample_attachments` give the samples ours give."""
    script = """
import json, sys
from inspect_ai.log import read_eval_log, resolve_sample_attachments
out = {}
for path in sys.argv[1:]:
    samples = read_eval_log(path).samples
    for depth in ("core", "full"):
        out[path + depth] = [
            json.loads(resolve_sample_attachments(s, depth).model_dump_json(exclude_none=True)) for s in samples
        ]
print(json.dumps(out))
"""
    python = inspect_ai_python()
    paths = [str(p) for p in logs.values()]
    run = subprocess.run([str(python), "-c", script, *paths], capture_output=True, text=True, check=True)
    theirs = json.loads(run.stdout)
    inspect = python.parent / "inspect"
    for path in paths:
        for depth in ("core", "full"):
            if path == str(ATTACHED):  # the CLI, once per depth (it starts slowly)
                dumped = subprocess.run(
                    [str(inspect), "log", "dump", "--resolve-attachments", depth, path],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                assert _dump(Path(path), depth)["samples"] == json.loads(dumped.stdout)["samples"]
            ours = read_eval_log(path).samples or []
            mine = [to_tree(resolve_sample_attachments(s, depth)) for s in ours]
            for a, b in zip(mine, theirs[path + depth], strict=True):
                assert a["events"] == b["events"] and a["attachments"] == b["attachments"]
                assert a["messages"] == b["messages"] and a["input"] == b["input"]
