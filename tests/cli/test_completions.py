"""Shell completions: generated from the app, kept fresh, and they complete."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.cli_runner import BINARY

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_up_to_date(shell: str) -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "inspect_cli"],
        env={**os.environ, "_INSPECT_COMPLETE": f"source_{shell}"},
        capture_output=True,
        text=True,
    ).stdout
    assert generated.strip(), "the app printed no completion script"
    committed = (ROOT / "completions" / f"inspect.{shell}").read_text()
    assert committed == generated, "completions/ are stale: run scripts/completions"


def _complete(words: list[str], tmp_path: Path) -> list[str]:
    """Ask bash, with completions/inspect.bash sourced, to complete `words`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    target = BINARY or str(Path(sys.executable).parent / "inspect")
    link = bin_dir / "inspect"
    if not link.exists():
        link.symlink_to(target)
    script = (
        f"source {ROOT / 'completions' / 'inspect.bash'}\n"
        f"COMP_WORDS=({' '.join(repr(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_inspect_completion inspect\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return [line for line in run.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_subcommands_options_and_values(tmp_path: Path) -> None:
    assert _complete(["inspect", "lo"], tmp_path) == ["log"]
    assert "eval-retry" in _complete(["inspect", "eval"], tmp_path)
    assert _complete(["inspect", "list", "logs", "--st"], tmp_path) == ["--status"]
    assert _complete(["inspect", "list", "logs", "--status", ""], tmp_path) == [
        "started",
        "success",
        "cancelled",
        "error",
    ]
    assert set(_complete(["inspect", "log", ""], tmp_path)) >= {"dump", "list", "convert", "schema", "types", "headers"}
