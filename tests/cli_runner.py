"""Run the `inspect` command the ways users do: in process (typer's CliRunner),
as a Python process, and as the single-file binary (when INSPECT_CLI_BINARY
names it: scripts/test builds it); CLI tests are parametrized over these."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
        from inspect_cli import config
        from inspect_cli.cli import app

        old = os.getcwd()
        os.chdir(cwd)
        config.reset_dotenv()
        try:
            result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
        finally:
            os.chdir(old)
            config.reset_dotenv()
        return Result(result.exit_code, result.stdout, result.stderr)
    if mode in ("subprocess", "binary"):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
        full_env.update(env or {})
        full_env["COLUMNS"] = "80"
        command = [BINARY or "inspect"] if mode == "binary" else [sys.executable, "-m", "inspect_cli"]
        run = subprocess.run([*command, *args], cwd=cwd, env=full_env, capture_output=True, text=True)
        return Result(run.returncode, run.stdout, run.stderr)
    raise ValueError(mode)
