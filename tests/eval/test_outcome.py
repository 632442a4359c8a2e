"""What an eval prints when it ends: on a terminal a panel per task (task,
model, dataset, status, samples, duration, tokens, every scorer's metrics),
else plain lines; then the logs, and for failed evals the exact command that
retries them, never cut."""

from __future__ import annotations

import os
import pty
import re
import shlex
from pathlib import Path

import pytest
from rich.console import Console

from inspect_cli._engine.outcome import panel, plain_lines, retry_command
from inspect_cli.log import (
    EvalDataset,
    EvalError,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStats,
    ModelUsage,
)

from support.cli_runner import MODES, clean_env, run_inspect, start_inspect

TASKS = Path(__file__).parent / "tasks" / "native_tasks.py"
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _log(status: str = "success", **fields: object) -> EvalLog:
    metrics = {"accuracy": EvalMetric(name="accuracy", value=0.5), "stderr": EvalMetric(name="stderr", value=0.2887)}
    defaults: dict[str, object] = {
        "eval": EvalSpec(
            created="2026-11-28T06:00:00+00:00",
            task="arith",
            model="openai/gpt-4o-mini",
            dataset=EvalDataset(name="arith_questions", samples=4, sample_ids=["q1", "q2", "q3", "q4"]),
        ),
        "results": EvalResults(
            total_samples=4,
            completed_samples=4,
            scores=[
                EvalScore(name="match", scorer="match", metrics=metrics),
                EvalScore(name="includes", scorer="includes", metrics=metrics),
                EvalScore(name="judge", scorer="model_graded_qa", metrics={"mean": EvalMetric(name="mean", value=3)}),
            ],
        ),
        "stats": EvalStats(
            started_at="2026-11-28T06:00:00+00:00",
            completed_at="2026-11-28T07:02:05+00:00",
            model_usage={"openai/gpt-4o-mini": ModelUsage(input_tokens=1200, output_tokens=34, total_tokens=1234)},
        ),
    }
    return EvalLog(status=status, **{**defaults, **fields})  # type: ignore[arg-type]


def _render(log: EvalLog, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(panel(log))
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_plain_lines_carry_every_fact() -> None:
    assert plain_lines(_log()) == [
        "arith (openai/gpt-4o-mini): success",
        "  dataset: arith_questions, 4 samples",
        "  samples: 4/4",
        "  duration: 1:02:05",
        "  tokens: 1,234 (input 1,200, output 34)",
        "  match: accuracy=0.5, stderr=0.289",
        "  includes: accuracy=0.5, stderr=0.289",
        "  judge: mean=3",
    ]


@pytest.mark.parametrize("width", [60, 80, 200])
def test_the_panel_shows_the_same_facts_and_a_table_of_scorers_by_metric(width: int) -> None:
    lines = _render(_log(), width)
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    assert lines[0].startswith("╭─ arith ─")
    for fact in (
        "model     openai/gpt-4o-mini",
        "status    success",
        "dataset   arith_questions, 4 samples",
        "samples   4/4",
        "duration  1:02:05",
    ):
        assert fact in text
    assert "tokens    1,234 (input 1,200, output 34)" in text
    rows = [line.strip("│ ").split() for line in lines]
    assert ["scorer", "accuracy", "stderr", "mean"] in rows
    assert ["match", "0.5", "0.289"] in rows and ["includes", "0.5", "0.289"] in rows and ["judge", "3"] in rows


def test_an_errored_eval_shows_its_error_and_the_samples_it_finished() -> None:
    samples = [EvalSample(id=i, epoch=1, input="x", target="y") for i in (1, 2, 3)]
    samples[2].error = EvalError(message="RuntimeError('boom')\nmore detail")
    log = _log("error", results=None, samples=samples, error=EvalError(message="RuntimeError('boom')\nmore detail"))
    lines = plain_lines(log)
    assert lines[:4] == [
        "arith (openai/gpt-4o-mini): error",
        "  error: RuntimeError('boom')",  # one line, never a traceback
        "  dataset: arith_questions, 4 samples",
        "  samples: 2/4",
    ]
    text = "\n".join(_render(log, 80))
    assert "error     RuntimeError('boom')" in text and "more detail" not in text and "samples   2/4" in text


def test_the_retry_command_names_every_failed_or_cancelled_log(tmp_path: Path) -> None:
    ok, failed, cancelled = _log(), _log("error", results=None), _log("cancelled")
    ok.location = str(tmp_path / "ok.eval")
    failed.location = "logs/a b.eval"
    cancelled.location = "s3://bucket/logs/c.eval"
    assert retry_command([ok, failed, cancelled]) == "inspect eval-retry 'logs/a b.eval' s3://bucket/logs/c.eval"
    assert retry_command([ok]) is None


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_eval_piped_prints_lines_and_a_retry_command_that_works(tmp_path: Path, mode: str) -> None:
    args = ["eval", f"{TASKS}@arith_flaky", "--model", "mockllm/model"]
    result = run_inspect(mode, args, tmp_path)
    assert result.exit_code == 1
    assert "╭" not in result.stdout and "\x1b[" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "arith_flaky (mockllm/model): error"
    assert "  error: RuntimeError('deliberate failure on q03')" in lines
    assert "  samples: 2/4" in lines  # q01, q02 finished; q03 failed; q04 stopped
    [log_line] = [line for line in lines if line.startswith("Log: ")]
    assert lines[-1] == f"Retry with: inspect eval-retry {log_line[5:]}"
    retry = run_inspect(mode, [*shlex.split(lines[-1])[3:], "--display", "plain"], tmp_path)
    assert retry.stdout.startswith("arith_flaky (mockllm/model): ")  # it ran (and fails again: same task args)


def _terminal_output(args: list[str], cwd: Path, **env: str) -> str:
    controller, terminal = pty.openpty()
    process = start_inspect(
        args,
        cwd,
        env=clean_env(COLUMNS="80", TERM="xterm", **env),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(60)
    os.close(controller)
    return output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_on_an_80_column_terminal_a_failed_eval_gets_a_panel_and_the_whole_retry_command(tmp_path: Path) -> None:
    text = _terminal_output(["eval", f"{TASKS}@arith_flaky", "--model", "mockllm/model"], tmp_path)
    plain = ESCAPE.sub("", text)
    assert "╭─ arith_flaky ─" in plain and re.search(r"│ model +mockllm/model +│", plain)
    assert re.search(r"│ error +RuntimeError\('deliberate failure on q03'\) +│", plain)
    [location] = re.findall(r"^Log: (\S+)$", plain, re.MULTILINE)
    assert len(f"Retry with: inspect eval-retry {location}") > 80  # longer than the terminal: the terminal folds it
    assert f"\nRetry with: inspect eval-retry {location}\n" in plain  # we do not cut it
    assert (tmp_path / location).is_file()


def test_no_color_on_a_terminal_prints_plain_lines(tmp_path: Path) -> None:
    text = _terminal_output(["eval", f"{TASKS}@arith", "--model", "mockllm/model"], tmp_path, NO_COLOR="1")
    outcome = text[text.index("arith (mockllm/model): success") :]
    assert "╭" not in outcome and "\x1b[" not in outcome
    assert "\n  samples: 4/4\n" in outcome and "\n  includes: accuracy=" in outcome


def test_an_eval_set_table_counts_what_a_failed_member_finished(tmp_path: Path) -> None:
    args = ["eval-set", f"{TASKS}@arith_flaky", "--model", "mockllm/model", "--log-dir", "logs"]
    result = run_inspect(
        "inprocess", [*args, "--retry-attempts", "1", "--retry-wait", "0.01", "--display", "plain"], tmp_path
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].split() == ["arith_flaky", "mockllm/model", "error", "2/4"]
