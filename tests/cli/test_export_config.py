"""`inspect log export-config`: the run config of a log, byte for byte as the
real Inspect 0.3.285 prints it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES
from support.inspect_ai_env import inspect_ai_python

V285 = FIXTURES / "v0.3.285/logs"
LOGS = [
    V285 / "more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval",
    V285 / "2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json",
    FIXTURES / "v0.3.46/logs/2026-11-28T06-32-59+00-00_arith_UwCuKXZtiNBAgCzXQGMmFN.eval",
]


def _inspects(args: list[str]) -> str:
    inspect = inspect_ai_python().parent / "inspect"
    return subprocess.run(
        [str(inspect), "log", "export-config", *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name[20:45])
def test_output_is_inspects(tmp_path: Path, log: Path, fmt: str) -> None:
    ours = run_inspect("subprocess", ["log", "export-config", "--format", fmt, str(log)], tmp_path)
    assert ours.exit_code == 0, ours.stderr
    assert ours.stdout == _inspects(["--format", fmt, str(log)])


@pytest.mark.parametrize("mode", MODES)
def test_output_file_and_errors(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "run.yaml"
    result = run_inspect(mode, ["log", "export-config", "--output", str(out), str(LOGS[0])], tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")
    assert yaml.safe_load(out.read_text())["eval_config"]["epochs"] == 2
    missing = run_inspect(mode, ["log", "export-config", "nope.json"], tmp_path)
    assert missing.exit_code != 0 and "nope.json" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_inspect(mode, ["log", "export-config", "--format", "toml", str(LOGS[0])], tmp_path)
    assert bad.exit_code == 2 and "toml" in bad.stderr
