"""Recovering the log of a real eval killed with SIGKILL, in both formats:
listed as recoverable, recovered by `inspect log recover`, read by the real
inspect-ai as we read it, and finished by `inspect eval-retry`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from inspect_cli.log import read_eval_log

from support import inspect_ai_summary
from support.cli_runner import clean_env, run_inspect, start_inspect, wait_for_samples
from support.inspect_ai_env import inspect_ai_python

TASKS = Path(__file__).parent / "tasks" / "retry_tasks.py"
SAMPLES = 8


def _eval_args(fmt: str, log_dir: str, n: int) -> list[str]:
    return [
        "eval", "retry_tasks.py@counted", "-T", f"n={n}", "--model", "mockllm/model", "-M", "delay=0.3",
        "--max-samples", "1", "--log-buffer", "1", "--display", "none", "--log-format", fmt, "--log-dir", log_dir,
    ]  # fmt: skip


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "retry_tasks.py").write_text(TASKS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_killed_eval_is_recovered_read_by_inspect_ai_and_retried(in_tmp: Path) -> None:
    crashed: dict[str, str] = {}
    for fmt in ("eval", "json"):
        log_dir = f"logs-{fmt}"
        process = start_inspect(_eval_args(fmt, log_dir, SAMPLES), in_tmp)
        location = Path(wait_for_samples(in_tmp / log_dir, 3).removeprefix("file://"))
        process.kill()
        process.wait()
        assert read_eval_log(location).status == "started"
        crashed[fmt] = str(location.relative_to(in_tmp))

        listed = run_inspect("inprocess", ["log", "recover", "--list", "--json", "--log-dir", log_dir], in_tmp)
        assert listed.exit_code == 0, listed.stderr
        [record] = json.loads(listed.stdout)
        assert record["name"] == location.resolve().as_uri() and record["total_samples"] == SAMPLES
        assert record["flushed_samples"] == len(read_eval_log(location).samples or [])

    recovered: dict[str, str] = {}
    for fmt, location in crashed.items():
        before = read_eval_log(location)
        result = run_inspect("inprocess", ["log", "recover", location], in_tmp)
        assert result.exit_code == 0, result.stderr
        target = location.replace(f".{fmt}", f"-recovered.{fmt}")
        assert f"to {target}\n" in result.stdout and f"inspect eval-retry {target}" in result.stdout
        log = read_eval_log(target)
        assert log.status == "error" and log.error is not None
        assert [(s.id, s.uuid) for s in log.samples or []] == [(s.id, s.uuid) for s in before.samples or []]
        assert read_eval_log(location).status == "started"  # left as it was
        again = run_inspect("inprocess", ["log", "recover", location], in_tmp)
        assert again.exit_code == 1 and "recovered already" in again.stderr
        listed = run_inspect("inprocess", ["log", "recover", "--list", "--json", "--log-dir", f"logs-{fmt}"], in_tmp)
        assert json.loads(listed.stdout) == []
        recovered[fmt] = target

    # inspect-ai reads the recovered logs as we do
    ours = {t: inspect_ai_summary.summary(read_eval_log(t)) for t in recovered.values()}
    run = subprocess.run(
        [str(inspect_ai_python()), inspect_ai_summary.__file__, *recovered.values()],
        capture_output=True,
        text=True,
        cwd=in_tmp,
        env=clean_env(),
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == ours

    # eval-retry of a recovered log runs only what it lacks
    for fmt, target in recovered.items():
        kept = {s.uuid for s in read_eval_log(target).samples or []}
        result = run_inspect("inprocess", ["eval-retry", target, "--display", "none"], in_tmp)
        assert result.exit_code == 0, result.stderr
        newest = max((in_tmp / f"logs-{fmt}").iterdir(), key=lambda p: p.stat().st_mtime)
        log = read_eval_log(newest)
        assert log.status == "success" and len(log.samples or []) == SAMPLES, newest
        assert kept <= {s.uuid for s in log.samples or []}
