"""Run the `inspect` command the ways users do: in process (typer's CliRunner),
as a Python process, and as the single-file binary (when INSPECT_CLI_BINARY
names it: scripts/test builds it); CLI tests are parametrized over these."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

BINARY = os.environ.get("INSPECT_CLI_BINARY")
MODES = ["inprocess", "subprocess", *(["binary"] if BINARY else [])]


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_inspect(mode: str, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run `inspect ARGS` from `cwd` with extra environment variables `env`."""
    if mode == "inprocess":
        from inspect_cli import settings
        from inspect_cli.cli import app

        old = os.getcwd()
        os.chdir(cwd)
        settings.reset_dotenv()
        try:
            result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
        finally:
            os.chdir(old)
            settings.reset_dotenv()
        return Result(result.exit_code, result.stdout, result.stderr)
    if mode in ("subprocess", "binary"):
        full_env = clean_env(COLUMNS="80", **(env or {}))
        command = [BINARY or "inspect"] if mode == "binary" else [sys.executable, "-m", "inspect_cli"]
        # A command that should fail at once but serves or waits instead fails the test, not the suite.
        run = subprocess.run([*command, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)
        return Result(run.returncode, run.stdout, run.stderr)
    raise ValueError(mode)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without INSPECT_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
    env.update(extra)
    return env


def start_inspect(args: list[str], cwd: Path, **popen: Any) -> subprocess.Popen[Any]:
    """Start `python -m inspect_cli ARGS` in the background (to signal or kill it)."""
    env = popen.pop("env", None) or clean_env()
    return subprocess.Popen([sys.executable, "-m", "inspect_cli", *args], cwd=cwd, env=env, **popen)


def wait_for_samples(log_dir: Path, count: int, timeout: float = 30) -> str:
    """The location of the first log in `log_dir` once it holds `count` samples."""
    from inspect_cli.log import list_eval_logs, read_eval_log

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = list_eval_logs(log_dir) if log_dir.exists() else []
        if logs and len(read_eval_log(logs[0].name).samples or []) >= count:
            return logs[0].name
        time.sleep(0.05)
    raise AssertionError(f"no log with {count} samples in {log_dir} after {timeout:g} s")
