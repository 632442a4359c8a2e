"""What Inspect fills in and migrates when it reads a log, we fill in alike:
each rule on a log built for it, then all of them against the real inspect-ai."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import read_eval_log, write_eval_log
from inspect_cli.log._derive import utc
from inspect_cli.log._tree import to_tree

from support.helpers import FIXTURES, load_json
from support.inspect_ai_env import inspect_ai_python

BASE = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"


def _old_shapes() -> dict[str, Any]:
    """A log holding every old shape and omission Inspect 0.3.285 fills in on read."""
    log = load_json(BASE.read_bytes())
    log["eval"].pop("task_args_passed", None)
    log["eval"]["task_args"] = {"n": 4, "level": "mixed"}
    log["eval"]["metadata"] = {"owner": "ci", "gone": 1}
    log["eval"]["tags"] = ["nightly"]
    log["tags"] = ["ignored"]  # Inspect derives the top level from the eval and the recorded edits
    log["metadata"] = {"ignored": True}
    log["log_updates"] = [
        {
            "edits": [
                {"type": "tags", "tags_add": ["reviewed", "a"], "tags_remove": []},
                {"type": "metadata", "metadata_set": {"by": "me"}, "metadata_remove": ["gone"]},
            ],
            "provenance": {"timestamp": "2026-12-01T00:00:00+00:00", "author": "me", "metadata": {}},
        }
    ]
    log["eval"]["created"] = "2026-11-28T08:09:21+02:00"
    log["eval"]["dataset"].pop("sample_ids", None)
    log["stats"]["started_at"] = "2026-11-28T06:09:21Z"
    log["stats"]["completed_at"] = "2026-11-28 06:09:25+00:00"
    steps = log["plan"]["steps"]
    steps[0]["params"] = {"template": "t"}
    steps[0].pop("params_passed", None)
    steps[1]["params"] = {"kept": 1}
    steps[1]["params_passed"] = {}
    results = log["results"]
    results["sample_reductions"] = log.pop("reductions")
    for score in results["scores"]:
        for metric in score["metrics"].values():
            metric["options"] = metric.pop("params")
    sample = log["samples"][0]
    sample["started_at"] = "2026-11-28T01:09:21.5-05:00"
    sample["output"].pop("completion", None)
    sample["output"]["choices"][0]["message"]["content"] = [
        {"type": "reasoning", "reasoning": "think"},
        {"type": "text", "text": "The answer"},
        {"type": "text", "text": "is 5."},
    ]
    sample["messages"].append(
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "function": "add", "arguments": {"x": 1}}]}
    )
    events = sample.pop("events")
    for event in events:
        event.pop("working_start", None)
        event["timestamp"] = "2026-11-28T07:09:21.25+01:00"
    sample["transcript"] = {"events": events, "content": {"abc123": "tc content"}}
    sample.pop("attachments", None)
    sample.pop("events_data", None)
    for event in events:  # the transcript era had no shared event storage
        event.pop("input_refs", None)
        if isinstance(event.get("call"), dict):
            event["call"].pop("call_refs", None)
            event["call"].pop("call_key", None)
    return log


@pytest.fixture(scope="module")
def old_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("derive") / "old.json"
    path.write_text(json.dumps(_old_shapes()))
    return path


def test_task_args_params_and_metadata(old_log: Path) -> None:
    log = read_eval_log(old_log)
    assert log.eval.task_args_passed == {"n": 4, "level": "mixed"}
    steps = log.plan.steps
    assert steps[0].params_passed == {"template": "t"}  # absent: the params
    assert steps[1].params_passed == {}  # present (even empty): as written
    assert log.metadata == {"owner": "ci", "by": "me"}
    assert log.tags == ["a", "nightly", "reviewed"]


def test_times_in_utc(old_log: Path) -> None:
    log = read_eval_log(old_log)
    assert log.eval.created == "2026-11-28T06:09:21+00:00"
    assert log.stats.started_at == "2026-11-28T06:09:21+00:00"
    assert log.stats.completed_at == "2026-11-28T06:09:25+00:00"
    sample = (log.samples or [])[0]
    assert sample.started_at == "2026-11-28T06:09:21.500000+00:00"
    assert {e.timestamp for e in sample.events} == {"2026-11-28T06:09:21.250000+00:00"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-28T06:09:21+00:00", "2026-11-28T06:09:21+00:00"),
        ("2026-11-28T06:09:21", "2026-11-28T06:09:21+00:00"),
        ("2026-11-28T06:09:21Z", "2026-11-28T06:09:21+00:00"),
        ("2026-11-28T00:00:00-02:30", "2026-11-28T02:30:00+00:00"),
        ("", ""),
        ("not a time", "not a time"),
    ],
)
def test_utc(text: str, expected: str) -> None:
    assert utc(text) == expected


def test_migrations(old_log: Path) -> None:
    log = read_eval_log(old_log)
    assert log.results is not None and log.results.sample_reductions is None
    assert log.reductions and log.reductions[0].scorer == "includes"
    metrics = log.results.scores[0].metrics
    assert metrics["accuracy"].params == {} and "options" not in to_tree(metrics["accuracy"])
    sample = (log.samples or [])[0]
    assert "sample_init" in [e.event for e in sample.events]
    assert sample.attachments == {"abc123": "tc content"}
    assert "transcript" not in to_tree(sample)
    assert [e.working_start for e in sample.events[:1]] == [0.0]  # seconds since the sample started


def test_completion_and_tool_call_type(old_log: Path) -> None:
    sample = (read_eval_log(old_log).samples or [])[0]
    assert sample.output.completion == "The answer\nis 5."
    calls = sample.messages[-1].tool_calls  # type: ignore[union-attr]
    assert calls and calls[0].type == "function"


def test_dataset_sample_ids_from_a_full_read_only(old_log: Path) -> None:
    assert read_eval_log(old_log, header_only=True).eval.dataset.sample_ids is None
    full = read_eval_log(old_log)
    assert full.eval.dataset.sample_ids == list(dict.fromkeys(s.id for s in full.samples or []))


def _v1_results_in_v2() -> dict[str, Any]:
    """A version-2 log whose results have version 1's shape (`scorer` + `metrics`)."""
    raw = load_json(BASE.read_bytes())
    score = raw["results"].pop("scores")[0]
    raw["results"]["scorer"] = {"name": score["name"]}
    raw["results"]["metrics"] = score["metrics"]
    return raw


def test_version_2_file_with_version_1_results(tmp_path: Path) -> None:
    raw = _v1_results_in_v2()
    score = {"name": raw["results"]["scorer"]["name"], "metrics": raw["results"]["metrics"]}
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(raw))
    results = read_eval_log(path).results
    assert results is not None and [s.name for s in results.scores] == [score["name"]]
    assert results.scores[0].metrics["accuracy"].value == score["metrics"]["accuracy"]["value"]


_INSPECT_DUMP = """
import json, sys
from inspect_ai.log import read_eval_log
for path in sys.argv[1:]:
    print(read_eval_log(path).model_dump_json(exclude_none=True))
"""

# Inspect makes these up afresh on every read (random ids, its clock): not comparable.
_NOISE = {"uuid", "working_start", "id"}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _NOISE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.mark.parametrize("case", ["old-shapes", "v1-results-in-v2"])
def test_inspect_derives_the_same(tmp_path: Path, case: str) -> None:
    raw = _old_shapes() if case == "old-shapes" else _v1_results_in_v2()
    path = tmp_path / "log.json"
    path.write_text(json.dumps(raw))
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", _INSPECT_DUMP, str(path)], capture_output=True, text=True, check=True
    )
    theirs = _strip(json.loads(run.stdout))
    ours = _strip(to_tree(read_eval_log(path)))
    for key in ("eval", "plan", "results", "stats", "tags", "metadata", "reductions"):
        assert ours.get(key) == theirs.get(key), key
    for mine, inspects in zip(ours["samples"], theirs["samples"]):
        for key in ("started_at", "output", "messages", "attachments", "scores"):
            assert mine.get(key) == inspects.get(key), key
        assert len(mine["events"]) == len(inspects["events"])
        for a, b in zip(mine["events"], inspects["events"]):
            assert a["timestamp"] == b["timestamp"] and a["event"] == b["event"]


def test_reading_does_not_change_what_it_returns_twice(old_log: Path) -> None:
    """Deriving is idempotent: a second pass over a read log changes nothing."""
    from inspect_cli.log._derive import derive_log, derive_sample

    log = read_eval_log(old_log)
    before = copy.deepcopy(to_tree(log))
    for sample in log.samples or []:
        derive_sample(sample)
    assert to_tree(derive_log(log)) == before


@pytest.mark.parametrize("fmt", ["json", "eval"])
def test_an_empty_eval_id_is_derived_alike_on_every_read(tmp_path: Path, fmt: str) -> None:
    log = read_eval_log(BASE)
    log.eval.eval_id = ""
    path = tmp_path / f"log.{fmt}"
    write_eval_log(log, path)
    full, header = read_eval_log(path), read_eval_log(path, header_only=True)
    derived = full.eval.eval_id
    assert derived and len(derived) == 22 and header.eval.eval_id == derived
    assert read_eval_log(path).eval.eval_id == derived  # not random

    again = tmp_path / f"again.{fmt}"
    full.eval.metadata = {"edited": True}  # the header changes, the id does not
    write_eval_log(full, again)
    assert read_eval_log(again).eval.eval_id == derived
    for name, value in [("run_id", "other-run"), ("task_id", "other-task"), ("created", "2030-01-01T00:00:00+00:00")]:
        changed = read_eval_log(path)
        changed.eval.eval_id = ""
        setattr(changed.eval, name, value)
        write_eval_log(changed, tmp_path / f"{name}.{fmt}")
        assert read_eval_log(tmp_path / f"{name}.{fmt}").eval.eval_id not in ("", derived), name


def test_a_derived_eval_id_is_not_written_back(tmp_path: Path) -> None:
    raw = load_json(BASE.read_bytes())
    raw["eval"].pop("eval_id")
    path = tmp_path / "log.json"
    path.write_text(json.dumps(raw))
    log = read_eval_log(path)
    assert log.eval.eval_id
    log.eval.metadata = {"edited": True}
    write_eval_log(log, path)
    assert "eval_id" not in json.loads(path.read_text())["eval"]
