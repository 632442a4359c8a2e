"""One eval-set run per log dir: a second run is refused at once naming the
first; the lock goes away when a run ends however it ends, and the lock of a
killed run is taken over (locally once its pid is gone; on S3 once its
heartbeat is stale)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval, eval_set, storage
from inspect_cli._engine.set_lock import LOCK_FILE
from inspect_cli.errors import EvalSetError, EvalSetLockedError

from support.cli_runner import MODES, clean_env, run_inspect, start_inspect

TASKS = Path(__file__).parent / "tasks" / "set_tasks.py"
FAST = {"retry_wait": 0.01, "max_retries": 0, "max_samples": 1, "display": "none"}
HOLDER = ["eval-set", "set_tasks.py@first", "--model", "openai/a", "--max-samples", "1", "--display", "none"]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "set_tasks.py").write_text(TASKS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _start_holder(cwd: Path, log_dir: str, **env: str) -> subprocess.Popen[Any]:
    """An eval-set run in its own process, returned once it holds the lock."""
    holder = start_inspect([*HOLDER, "--log-dir", log_dir], cwd, env=clean_env(**env), stderr=subprocess.PIPE)
    lock = storage.join(log_dir if "://" in log_dir else str(cwd / log_dir), LOCK_FILE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        storage.forget(lock)
        if storage.exists(lock):
            return holder
        assert holder.poll() is None, holder.communicate()[1]
        time.sleep(0.05)
    holder.kill()
    raise AssertionError("the eval set never took its lock")


def _kill(process: subprocess.Popen[Any]) -> None:
    process.kill()  # SIGKILL: no cleanup runs
    process.wait()  # reaped, so its pid is gone


@pytest.mark.parametrize("mode", MODES)
def test_a_second_run_is_refused_naming_the_first(mode: str, in_tmp: Path, model_server: Any) -> None:
    model_server.delay = 1.0
    holder = _start_holder(in_tmp, "logs")
    try:
        second = run_inspect(mode, [*HOLDER, "--log-dir", "logs"], in_tmp)
        assert second.exit_code == 4
        [line] = second.stderr.strip().splitlines()
        assert f"another eval set is running in logs (pid {holder.pid} on {socket.gethostname()}, started 20" in line
        assert holder.wait(timeout=60) == 0  # the refused run did not disturb the running one
    finally:
        if holder.poll() is None:
            _kill(holder)
    assert not (in_tmp / "logs" / LOCK_FILE).exists()
    assert model_server.requests == 4  # the refused run asked nothing


def test_the_lock_of_a_killed_run_is_taken_over(in_tmp: Path, model_server: Any) -> None:
    model_server.delay = 1.0
    _kill(_start_holder(in_tmp, "logs"))
    assert (in_tmp / "logs" / LOCK_FILE).exists()
    model_server.delay = 0.0
    success, [log] = eval_set("set_tasks.py@first", "logs", model="openai/a", **FAST)
    assert success and log.status == "success"
    assert not (in_tmp / "logs" / LOCK_FILE).exists()


def test_a_live_lock_with_an_old_heartbeat_is_taken_over(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A holder on another host (or a hung one) is judged by its heartbeat alone."""
    (in_tmp / "logs").mkdir()
    lock = in_tmp / "logs" / LOCK_FILE
    lock.write_text('{"pid": 1, "host": "elsewhere", "started": "2026-01-01T00:00:00Z", "heartbeat": 0, "token": "x"}')
    assert eval_set("set_tasks.py@first", "logs", model="openai/a", **FAST)[0]
    lock.write_text(f'{{"pid": 1, "host": "elsewhere", "started": "x", "heartbeat": {time.time()}, "token": "x"}}')
    with pytest.raises(EvalSetLockedError, match="pid 1 on elsewhere"):
        eval_set("set_tasks.py@first", "logs", model="openai/a", **FAST)
    monkeypatch.setenv("INSPECT_CLI_EVAL_SET_LOCK_STALE", "0.5")
    time.sleep(0.6)
    assert eval_set("set_tasks.py@first", "logs", model="openai/a", **FAST)[0]
    assert not lock.exists()


def test_the_lock_is_gone_after_a_failed_run_an_error_and_ctrl_c(in_tmp: Path, model_server: Any) -> None:
    lock = in_tmp / "logs" / LOCK_FILE
    model_server.fail_always = ("500", None)
    assert not eval_set("set_tasks.py@first", "logs", model="openai/a", retry_attempts=1, **FAST)[0]
    assert not lock.exists()
    eval("set_tasks.py@second", model="openai/a", log_dir="other", display="none")
    with pytest.raises(EvalSetError, match="not a log of this eval set"):
        eval_set("set_tasks.py@first", "other", model="openai/a", **FAST)
    assert not (in_tmp / "other" / LOCK_FILE).exists()
    model_server.reset()
    model_server.delay = 1.0
    holder = _start_holder(in_tmp, "logs")
    holder.send_signal(signal.SIGINT)
    assert holder.wait(timeout=30) == 130
    assert not lock.exists()


def test_on_s3_a_second_run_is_refused_and_a_stale_lock_taken_over(
    in_tmp: Path, model_server: Any, s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_dir = f"{s3}/set"
    model_server.delay = 1.0
    holder = _start_holder(in_tmp, log_dir)
    try:
        with pytest.raises(EvalSetLockedError, match=f"pid {holder.pid} on "):
            eval_set("set_tasks.py@first", log_dir, model="openai/a", **FAST)
    finally:
        _kill(holder)
    # On S3 a pid says nothing: the dead holder's lock stands until its heartbeat is stale.
    with pytest.raises(EvalSetLockedError):
        eval_set("set_tasks.py@first", log_dir, model="openai/a", **FAST)
    monkeypatch.setenv("INSPECT_CLI_EVAL_SET_LOCK_STALE", "0.5")
    time.sleep(0.6)
    model_server.delay = 0.0
    assert eval_set("set_tasks.py@first", log_dir, model="openai/a", **FAST)[0]
    lock = f"{log_dir}/{LOCK_FILE}"
    storage.forget(lock)
    assert not storage.exists(lock)
