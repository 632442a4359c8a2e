"""`inspect eval-set`: exit 0 only when every member succeeded; a failed set
names its failed members and the command that resumes it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import read_eval_log

from support.cli_runner import MODES, run_inspect

TASKS = Path(__file__).parents[1] / "eval" / "tasks" / "set_tasks.py"
FAST = ["--retry-wait", "0.01", "--max-retries", "0", "--max-samples", "1"]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "set_tasks.py").write_text(TASKS.read_text())
    (tmp_path / "markers").mkdir()
    monkeypatch.setenv("FAIL_ONCE_DIR", str(tmp_path / "markers"))
    return tmp_path


@pytest.mark.parametrize("mode", MODES)
def test_a_set_that_succeeds_then_runs_nothing(mode: str, in_tmp: Path, model_server: Any) -> None:
    args = ["eval-set", "set_tasks.py", "--model", "openai/a,openai/b", "--log-dir", "logs", *FAST]
    result = run_inspect(mode, args, in_tmp, env={"FAIL_ONCE": "first-1"})
    assert result.exit_code == 0, result.stderr
    assert model_server.requests == 24
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["task", "model", "status", "samples", "score"]
    assert [line.split()[:3] for line in lines[1:7]] == [
        [task, model, "success"] for task in ("first", "second", "third") for model in ("openai/a", "openai/b")
    ]
    assert sum(line.startswith("Log: logs/") for line in lines) == 6
    model_server.reset()
    again = run_inspect(mode, args, in_tmp)
    assert again.exit_code == 0, again.stderr
    assert model_server.requests == 0 and again.stdout.splitlines()[:7] == lines[:7]


@pytest.mark.parametrize("mode", MODES)
def test_exhausted_retries_exit_1_naming_the_failed_members(mode: str, in_tmp: Path, model_server: Any) -> None:
    model_server.fail_always = ("500", None)
    args = [
        "eval-set",
        "set_tasks.py@first",
        "--model",
        "openai/a",
        "--model",
        "openai/b",
        "--log-dir",
        "logs",
        "--retry-attempts",
        "1",
        "-T",
        "n=2",
        *FAST,
        "--display",
        "none",
    ]
    result = run_inspect(mode, args, in_tmp)
    assert result.exit_code == 1
    # --display none: stdout holds the failed members' logs, nothing else
    assert sorted(read_eval_log(str(in_tmp / p), header_only=True).eval.model for p in result.stdout.splitlines()) == [
        "openai/a",
        "openai/b",
    ]
    assert "2 of 2 tasks did not succeed" in result.stderr
    assert "first (openai/a): error: " in result.stderr and "first (openai/b): error: " in result.stderr
    assert "Traceback" not in result.stderr
    [resume] = [line for line in result.stderr.splitlines() if line.startswith("Resume with: ")]
    words = shlex.split(resume.removeprefix("Resume with: "))
    assert words[:3] == ["inspect", "eval-set", "set_tasks.py@first"]
    assert words.count("--model") == 2 and "--retry-attempts" in words and "n=2" in words
    # The resume command finishes the set once the server recovers.
    model_server.reset()
    resumed = run_inspect(mode, words[1:], in_tmp)
    assert resumed.exit_code == 0, resumed.stderr
    assert model_server.requests == 2 * 2


@pytest.mark.parametrize("mode", MODES)
def test_a_log_dir_is_required(mode: str, in_tmp: Path) -> None:
    result = run_inspect(mode, ["eval-set", "set_tasks.py", "--model", "mockllm/model"], in_tmp)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].endswith("--log-dir DIR (or INSPECT_LOG_DIR)")
    ok = run_inspect(
        mode, ["eval-set", "set_tasks.py@first", "--model", "mockllm/model"], in_tmp, env={"INSPECT_LOG_DIR": "set"}
    )
    assert ok.exit_code == 0, ok.stderr
    assert (in_tmp / "set" / "eval-set.json").exists()


@pytest.mark.parametrize("mode", MODES)
def test_a_dirty_log_dir_is_refused_in_one_line(mode: str, in_tmp: Path) -> None:
    base = ["--model", "mockllm/model", "--log-dir", "logs", "--display", "none"]
    assert run_inspect(mode, ["eval", "set_tasks.py@first", *base], in_tmp).exit_code == 0
    result = run_inspect(mode, ["eval-set", "set_tasks.py@second", *base], in_tmp)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert "is not a log of this eval set" in line and "--log-dir-allow-dirty" in line
    allowed = run_inspect(mode, ["eval-set", "set_tasks.py@second", *base, "--log-dir-allow-dirty"], in_tmp)
    assert allowed.exit_code == 0, allowed.stderr
