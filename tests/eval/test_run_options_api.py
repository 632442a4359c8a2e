"""Inspect's run options as keyword arguments of eval(), eval_set() and
eval_retry(), with Inspect's names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval, eval_retry, eval_set
from inspect_cli._engine.task import load_solver_factories
from inspect_cli.log import ModelEvent, read_eval_log
from inspect_cli.model import get_model
from inspect_cli.solver import SolverSpec

TASKS = Path(__file__).parent / "tasks" / "native_option_tasks.py"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "native_option_tasks.py").write_text(TASKS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _models(log: Any) -> set[str]:
    return {e.model for s in log.samples or [] for e in s.events if isinstance(e, ModelEvent)}


def test_retry_on_error_keeps_the_earlier_errors(in_tmp: Path) -> None:
    [log] = eval("native_option_tasks.py@flaky_once", model="mockllm/model", display="none", retry_on_error=1)
    assert log.status == "success"
    [s2] = [s for s in log.samples or [] if s.id == "s2"]
    assert s2.error is None
    assert [e.message for e in s2.error_retries or []] == ["RuntimeError('attempt 1 failed')"]
    [log] = eval(
        "native_option_tasks.py@flaky_once",
        model="mockllm/model",
        display="none",
        retry_on_error=1,
        task_args={"times": 2},
    )
    assert log.status == "error"  # one retry is not enough


def test_eval_set_retries_samples_within_a_member(in_tmp: Path) -> None:
    success, [log] = eval_set(
        "native_option_tasks.py@flaky_once",
        "logs",
        model="mockllm/model",
        display="none",
        retry_on_error=2,
        task_args={"times": 2},
        retry_attempts=0,
    )
    assert success and log.status == "success"
    full = read_eval_log(log.location or "")
    assert full.eval.config.retry_on_error == 2
    assert [len(s.error_retries or []) for s in full.samples or []] == [0, 2, 0, 0]


def test_solver_and_roles_as_objects(in_tmp: Path) -> None:
    critic_first = load_solver_factories("native_option_tasks.py")["critic_first"]
    [log] = eval(
        "native_option_tasks.py@flaky_once",
        model="mockllm/model",
        display="none",
        solver=critic_first(),
        model_roles={"critic": get_model("mockllm/critic")},
    )
    assert log.eval.solver == "critic_first"
    assert log.eval.model_roles == {"critic": {"model": "mockllm/critic", "config": {}, "args": {}}}
    assert _models(log) == {"mockllm/critic"}  # the task's solvers were replaced
    [log] = eval("native_option_tasks.py@flaky_once", model="mockllm/model", display="none", solver=critic_first())
    assert _models(log) == {"mockllm/default-critic"}  # get_model(role=..., default=...)


def test_eval_retry_keeps_the_recorded_options(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIL_S3", "1")
    [failed] = eval(
        "native_option_tasks.py@flaky_once",
        model="mockllm/model",
        display="none",
        tags=["nightly"],
        metadata={"run": 1},
        sample_shuffle=7,
        continue_on_fail=True,
        retry_on_error=1,
        solver=SolverSpec("native_option_tasks.py@fail_first", {"times": 0}),
        model_roles={"critic": "mockllm/critic"},
        log_dir="logs",
    )
    assert failed.status == "error" and len(failed.samples or []) == 4  # continue_on_fail: all ran
    monkeypatch.delenv("FAIL_S3")
    [retried] = eval_retry(failed.location or "", display="none", score_display=False)
    assert retried.status == "success"
    spec, config = retried.eval, retried.eval.config
    assert (spec.tags, spec.metadata, spec.solver) == (["nightly"], {"run": 1}, "native_option_tasks.py@fail_first")
    assert (config.sample_shuffle, config.continue_on_fail, config.retry_on_error) == (7, True, 1)
    assert config.score_display is False
    assert spec.dataset.sample_ids == failed.eval.dataset.sample_ids  # the same seeded order
    assert spec.model_roles == failed.eval.model_roles
    assert [s.id for s in retried.samples or [] if s.error is None] == spec.dataset.sample_ids
