"""TypeScript declarations of the log format, checked with the real compiler."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from inspect_cli.log._typescript import eval_log_typescript

from support.cli_runner import run_inspect
from support.node_env import tsc

GOOD = """
import type { EvalLog, Event, ModelEvent } from "./log";
declare const log: EvalLog;
const accuracy: number | null | undefined = log.results?.scores[0].metrics["accuracy"].value;
const value: number = accuracy ?? Number.NaN;
const status: "started" | "success" | "cancelled" | "error" = log.status;
const taskId: string = log.eval.task_id;
for (const sample of log.samples ?? []) {
  const id: string | number = sample.id;
  const score = sample.scores?.["includes"]?.value;
  for (const event of sample.events) {
    if (event.event === "model") {
      const model: string = event.model;
      const completion: string | null | undefined = event.output.completion;
    }
  }
  const first = sample.messages[0];
  if (first.role === "assistant") {
    const calls = first.tool_calls?.length;
  }
}
export { value, status, taskId };
"""

BAD = {
    "metric value used as a string": 'const s: string = log.results!.scores[0].metrics["accuracy"].value;',
    "unknown status": 'if (log.status === "finished") {}',
    "misspelled field": "const t = log.eval.taskid;",
    "samples may be missing": "const n: number = log.samples.length;",
    "model field on a non-model event": "const m: string = log.samples![0].events[0].model;",
}


@pytest.fixture(scope="module")
def compile_ts(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    compiler = tsc()
    folder = tmp_path_factory.mktemp("ts")
    (folder / "log.ts").write_text(eval_log_typescript())

    def run(source: str) -> subprocess.CompletedProcess[str]:
        (folder / "check.ts").write_text(source)
        return subprocess.run(
            [*compiler, "--strict", "--noEmit", "--target", "es2020", "--module", "es2020", str(folder / "check.ts")],
            capture_output=True,
            text=True,
        )

    return run


def test_declarations_compile_and_type_a_log(compile_ts) -> None:  # type: ignore[no-untyped-def]
    result = compile_ts(GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("misuse", list(BAD), ids=list(BAD))
def test_misuse_fails_to_compile(compile_ts, misuse: str) -> None:  # type: ignore[no-untyped-def]
    source = 'import type { EvalLog } from "./log";\ndeclare const log: EvalLog;\n' + BAD[misuse] + "\n"
    result = compile_ts(source)
    assert result.returncode != 0
    assert "error TS" in result.stdout


def test_cli_prints_the_declarations(tmp_path: Path) -> None:
    for args in (["info", "log-types"], ["log", "types"]):
        result = run_inspect("inprocess", args, tmp_path)
        assert result.exit_code == 0
        assert result.stdout == eval_log_typescript()
