"""`--json` on `eval`, `eval-retry` and `eval-set`: stdout is JSON Lines only,
a `start` record then a `done` record with each task's outcome; exit 0 only
when every task succeeded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import read_eval_log

from support.cli_runner import MODES, Result, run_inspect

TASKS = Path(__file__).parents[1] / "eval" / "tasks" / "set_tasks.py"
FAST = ["--max-retries", "0", "--max-samples", "1", "-T", "n=2"]


@pytest.fixture
def in_tmp(tmp_path: Path) -> Path:
    (tmp_path / "set_tasks.py").write_text(TASKS.read_text())
    return tmp_path


def _records(result: Result) -> list[dict[str, Any]]:
    """Every stdout line parsed as JSON: a start record, then a done record."""
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["type"] for r in records] == ["start", "done"], result.stdout
    assert records[0]["run_id"] == records[1]["run_id"]
    assert "Traceback" not in result.stderr
    return records


@pytest.mark.parametrize("mode", MODES)
def test_eval_then_eval_retry(mode: str, in_tmp: Path, model_server: Any) -> None:
    model_server.fail_always = ("500", None)
    args = ["eval", "set_tasks.py@first", "set_tasks.py@second", "--model", "openai/a", "--log-dir", "logs", *FAST]
    failed = run_inspect(mode, [*args, "--json"], in_tmp)
    assert failed.exit_code == 1
    start, done = _records(failed)
    assert start == {
        "type": "start",
        "run_id": start["run_id"],
        "eval_set_id": None,
        "pid": start["pid"],
        "log_dir": "logs",
    }
    assert done["success"] is False
    assert [(t["task"], t["model"], t["status"]) for t in done["tasks"]] == [
        ("first", "openai/a", "error"),
        ("second", "openai/a", "error"),
    ]
    assert all("500" in t["error"] for t in done["tasks"])
    for task in done["tasks"]:
        log = read_eval_log(str(in_tmp / task["log"]), header_only=True)
        assert log.eval.run_id == start["run_id"] and log.eval.task_id == task["task_id"]
    model_server.reset()
    retried = run_inspect(mode, ["eval-retry", "--json", *(t["log"] for t in done["tasks"])], in_tmp)
    assert retried.exit_code == 0, retried.stderr
    start, done = _records(retried)
    assert start["log_dir"] is None and done["success"] is True
    assert [(t["task"], t["status"], t["samples"], t["error"]) for t in done["tasks"]] == [
        (name, "success", {"total": 2, "completed": 2}, None) for name in ("first", "second")
    ]
    assert all(t["metric"]["name"] == "accuracy" and t["metric"]["scorer"] == "includes" for t in done["tasks"])


@pytest.mark.parametrize("mode", MODES)
def test_eval_set_reports_each_member(mode: str, in_tmp: Path, model_server: Any) -> None:
    model_server.fail_always = ("500", None)
    args = ["eval-set", "set_tasks.py@first", "--model", "openai/a,openai/b", "--log-dir", "logs", "--json"]
    args += ["--retry-attempts", "1", "--retry-wait", "0.01", *FAST]
    failed = run_inspect(mode, args, in_tmp)
    assert failed.exit_code == 1
    start, done = _records(failed)
    set_id = json.loads((in_tmp / "logs" / "eval-set.json").read_text())["eval_set_id"]
    assert start["eval_set_id"] == set_id and start["log_dir"] == "logs"
    assert done["success"] is False
    assert [(t["model"], t["status"]) for t in done["tasks"]] == [("openai/a", "error"), ("openai/b", "error")]
    assert all(t["error"] and "500" in t["error"] for t in done["tasks"])
    assert "Resume with: " in failed.stderr and "--json" in failed.stderr  # diagnostics stay on stderr
    model_server.reset()
    resumed = run_inspect(mode, args, in_tmp)
    assert resumed.exit_code == 0, resumed.stderr
    start, done = _records(resumed)
    assert start["eval_set_id"] == set_id and done["success"] is True
    assert [(t["model"], t["status"], t["samples"]) for t in done["tasks"]] == [
        (model, "success", {"total": 2, "completed": 2}) for model in ("openai/a", "openai/b")
    ]


@pytest.mark.parametrize("mode", MODES)
def test_nothing_to_retry_is_a_success(mode: str, in_tmp: Path) -> None:
    result = run_inspect(mode, ["eval-retry", "--json"], in_tmp)
    assert result.exit_code == 0
    assert _records(result)[1] == {
        "type": "done",
        "run_id": _records(result)[0]["run_id"],
        "success": True,
        "tasks": [],
    }


@pytest.mark.parametrize("mode", MODES)
def test_display_none_prints_only_the_log_locations(mode: str, in_tmp: Path, model_server: Any) -> None:
    """Scripts capture the logs of a run: `--display none` prints their locations, one a line, and nothing else."""
    quiet = ["--display", "none"]
    args = ["eval", "set_tasks.py@first", "set_tasks.py@second", "--model", "openai/a", "--log-dir", "logs"]
    ran = run_inspect(mode, [*args, *FAST, *quiet], in_tmp)
    assert ran.exit_code == 0, ran.stderr
    locations = ran.stdout.splitlines()
    assert [read_eval_log(str(in_tmp / p), header_only=True).eval.task for p in locations] == ["first", "second"]

    model_server.fail_always = ("500", None)
    failed = run_inspect(mode, [*args[:2], "--model", "openai/a", "--log-dir", "failed", *FAST, *quiet], in_tmp)
    assert failed.exit_code == 1
    [failed_log] = failed.stdout.splitlines()
    assert read_eval_log(str(in_tmp / failed_log), header_only=True).status == "error"
    model_server.reset()
    retried = run_inspect(mode, ["eval-retry", failed_log, *quiet], in_tmp)
    assert retried.exit_code == 0, retried.stderr
    [retried_log] = retried.stdout.splitlines()
    assert read_eval_log(str(in_tmp / retried_log), header_only=True).status == "success"

    set_args = ["eval-set", "set_tasks.py@first", "--model", "openai/a,openai/b", "--log-dir", "set", *FAST, *quiet]
    members = run_inspect(mode, set_args, in_tmp)
    assert members.exit_code == 0, members.stderr
    assert sorted(read_eval_log(str(in_tmp / p), header_only=True).eval.model for p in members.stdout.splitlines()) == [
        "openai/a",
        "openai/b",
    ]
