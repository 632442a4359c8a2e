"""Logs our evals write are read by the real inspect-ai with the same results."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval
from inspect_cli.log import read_eval_log

from support import inspect_ai_summary
from support.inspect_ai_env import inspect_ai_python
from support.inspect_ai_summary import summary

TASKS = Path(__file__).parent / "tasks" / "native_tasks.py"


@pytest.fixture(scope="module")
def inspect_ai() -> Path:
    return inspect_ai_python()


def _theirs(python: Path, paths: list[str]) -> dict[str, Any]:
    script = Path(inspect_ai_summary.__file__)
    run = subprocess.run([str(python), str(script), *paths], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_mockllm_eval_logs(tmp_path: Path, inspect_ai: Path) -> None:
    answers = {"2+3": "The answer is 5.", "7*6": "42", "10-4": "no idea", "9+9": "18"}
    logs = []
    for fmt in ("eval", "json"):
        logs += eval(
            [f"{TASKS}@arith", f"{TASKS}@arith_flaky"],
            model="mockllm/model",
            model_args={"custom_outputs": answers},
            log_dir=str(tmp_path / fmt),
            log_format=fmt,
            display="none",
            epochs=2,
            fail_on_error=False,
        )
    theirs = _theirs(inspect_ai, [log.location for log in logs])
    for log in logs:
        ours = summary(read_eval_log(log.location))
        assert ours == theirs[log.location]
        assert ours["metrics"]  # there are results to compare


def test_openai_server_eval_logs(tmp_path: Path, inspect_ai: Path, model_server: Any) -> None:
    model_server.answers = {"Say 1": "1", "Say 3": "3"}
    logs = eval(f"{TASKS}@numbers", model="openai/gpt-test", log_dir=str(tmp_path), display="none", task_args={"n": 10})
    theirs = _theirs(inspect_ai, [logs[0].location])
    ours = summary(read_eval_log(logs[0].location))
    assert ours == theirs[logs[0].location]
    assert ours["metrics"]["includes"]["accuracy"] == pytest.approx(0.2)
