"""The TypeScript caller in examples/typescript: compiles against the generated
declarations and reads logs through the binary (or the installed command)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from support.cli_runner import BINARY
from support.node_env import node_modules, tsc

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "typescript"


def test_typescript_caller(fixture_root: Path, tmp_path: Path) -> None:
    inspect = BINARY or str(Path(sys.executable).parent / "inspect")
    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("node_modules", "dist", "log.ts"))
    (work / "node_modules").symlink_to(node_modules())
    types = subprocess.run([inspect, "info", "log-types"], capture_output=True, text=True, check=True).stdout
    (work / "log.ts").write_text(types)
    compiled = subprocess.run([*tsc(), "-p", str(work)], capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    logs = fixture_root / "v0.3.285" / "logs" / "more"
    run = subprocess.run(
        ["node", str(work / "dist" / "list_and_read.js"), str(logs)],
        capture_output=True,
        text=True,
        env={"INSPECT_BIN": inspect, "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    assert len(rows) == 11
    by_task = {}
    for task, status, model, metric, value in rows:
        by_task.setdefault(task, []).append((status, model, metric, value))
    assert ("success", "mockllm/model", "accuracy", "0.6666666666666666") in by_task["arith-extremes"]
    assert all(status == "error" and metric == "-" for status, _, metric, _ in by_task["arith-badscore"])
