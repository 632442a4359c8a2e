"""`inspect eval-retry` and `eval_retry()`: finished samples are kept, only the rest run."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval, eval_retry
from inspect_cli._engine.selection import reusable_samples
from inspect_cli.log import EvalError, EvalSample, list_eval_logs, read_eval_log

from support.cli_runner import MODES, run_inspect, start_inspect, wait_for_samples

TASKS = Path(__file__).parent / "tasks" / "retry_tasks.py"


def _sample(id: Any, epoch: int = 1, error: bool = False) -> EvalSample:
    return EvalSample(id=id, epoch=epoch, input="x", error=EvalError(message="boom") if error else None)


def test_reusable_samples_rules() -> None:
    previous = [_sample("a"), _sample("b", error=True), _sample("c", 2), _sample("gone")]
    keep, why = reusable_samples(previous, ["a", "b", "c"], ids_were_assigned=False, shuffled=False)
    assert sorted(keep) == [("a", 1), ("c", 2)] and why is None
    keep, why = reusable_samples(previous, ["a", "b", "c"], ids_were_assigned=True, shuffled=True)
    assert keep == {} and why is not None and "shuffled" in why
    keep, _ = reusable_samples(previous, ["a"], ids_were_assigned=True, shuffled=False)  # automatic ids, same order
    assert list(keep) == [("a", 1)]
    keep, _ = reusable_samples([_sample(1)], ["1"], ids_were_assigned=False, shuffled=False)  # ids compare as text
    assert list(keep) == [("1", 1)]
    assert reusable_samples(None, ["a"], False, False) == ({}, None)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, with the task file there (logs record it relative to the cwd)."""
    (tmp_path / "retry_tasks.py").write_text(TASKS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_retry_after_an_error_runs_only_the_unfinished_samples(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_SAMPLE", "q04")
    [failed] = eval("retry_tasks.py@counted", model="openai/gpt-test", display="none", max_samples=1, log_format="json")
    assert failed.status == "error"
    completed = [s for s in failed.samples or [] if s.error is None]
    assert len(completed) == 3 and model_server.requests == 3  # q04 failed before calling the model
    original = Path(failed.location).read_bytes()
    monkeypatch.delenv("FAIL_SAMPLE")
    model_server.reset()
    [retried] = eval_retry(failed.location, display="none")
    assert model_server.requests == 6 - 3
    assert retried.status == "success"
    assert [s.id for s in retried.samples or []] == ["q01", "q02", "q03", "q04", "q05", "q06"]
    assert retried.eval.task_id == failed.eval.task_id
    assert retried.eval.run_id != failed.eval.run_id and retried.eval.eval_id != failed.eval.eval_id
    assert retried.location != failed.location and retried.location.endswith(".json")
    assert Path(retried.location).parent.resolve() == Path(failed.location).parent.resolve()
    assert Path(failed.location).read_bytes() == original  # never touched
    kept = {s.id: s for s in retried.samples or []}
    for sample in completed:
        assert kept[sample.id].uuid == sample.uuid  # copied, not re-run
    assert retried.results is not None and retried.results.completed_samples == 6
    listing = run_inspect("inprocess", ["list", "logs", "--retryable"], in_tmp)
    assert listing.stdout == ""  # the retry succeeded: nothing left to retry


def test_retry_of_a_cancelled_cli_eval(in_tmp: Path, model_server: Any) -> None:
    model_server.delay = 0.3
    process = start_inspect(
        [
            "eval",
            "retry_tasks.py@counted",
            "--model",
            "openai/gpt-test",
            "--max-samples",
            "1",
            "--log-buffer",
            "1",
            "--display",
            "none",
        ],
        in_tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and model_server.requests < 3:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 130
    [info] = list_eval_logs(in_tmp / "logs")
    cancelled = read_eval_log(info.name)
    assert cancelled.status == "cancelled"
    done = len([s for s in cancelled.samples or [] if s.error is None])
    assert 2 <= done < 6
    model_server.reset()
    result = run_inspect(
        "subprocess",
        [
            "eval-retry",
            *[r.strip() for r in run_inspect("inprocess", ["list", "logs", "--retryable"], in_tmp).stdout.split()],
        ],
        in_tmp,
        env={"INSPECT_CLI_RETRY_DELAY": "0.01"},
    )
    assert result.exit_code == 0, result.stderr
    assert model_server.requests == 6 - done
    retried = read_eval_log(list_eval_logs(in_tmp / "logs")[0].name)
    assert retried.status == "success" and len(retried.samples or []) == 6


def test_shuffled_samples_without_ids_are_not_reused(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_SAMPLE", "5")
    [failed] = eval("retry_tasks.py@shuffled_without_ids", model="openai/gpt-test", display="none", max_samples=1)
    assert failed.status == "error" and failed.eval.dataset.shuffled
    monkeypatch.delenv("FAIL_SAMPLE")
    model_server.reset()
    result = run_inspect("subprocess", ["eval-retry", failed.location, "--display", "none"], in_tmp)
    assert result.exit_code == 0, result.stderr
    assert "shuffled" in result.stderr and "Warning" in result.stderr
    assert model_server.requests == 6  # nothing reused


@pytest.mark.parametrize("mode", MODES)
def test_nothing_to_retry(tmp_path: Path, mode: str) -> None:
    result = run_inspect(mode, ["eval-retry"], tmp_path)
    assert result.exit_code == 0 and "Nothing to retry" in result.stderr


def test_missing_task_file_is_named(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIL_SAMPLE", "q01")
    [failed] = eval("retry_tasks.py@counted", model="mockllm/model", display="none")
    (in_tmp / "retry_tasks.py").unlink()
    result = run_inspect("subprocess", ["eval-retry", failed.location], in_tmp)
    assert result.exit_code == 1 and "task file not found: retry_tasks.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_options_override_and_same_second_retries_never_overwrite(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_SAMPLE", "q01")
    [failed] = eval("retry_tasks.py@counted", model="mockllm/model", display="none", max_connections=2)
    first = eval_retry(failed.location, display="none")[0]  # fails again (FAIL_SAMPLE still set), same second
    second = eval_retry(failed.location, display="none", max_connections=7, log_dir=str(in_tmp / "elsewhere"))[0]
    names = {Path(log.location).name for log in (failed, first)}
    assert len(names) == 2 and all("_counted_" in n and failed.eval.task_id in n for n in names)
    assert Path(second.location).parent.resolve() == (in_tmp / "elsewhere").resolve()
    assert second.eval.model_generate_config.max_connections == 7
    assert read_eval_log(failed.location).eval.run_id == failed.eval.run_id


def test_retry_of_a_killed_run_warns(in_tmp: Path) -> None:
    process = start_inspect(
        ["eval", "retry_tasks.py@counted", "--model", "mockllm/model", "-M", "delay=0.3",
         "--max-samples", "1", "--log-buffer", "1", "--display", "none"],
        in_tmp,
    )  # fmt: skip
    location = wait_for_samples(in_tmp / "logs", 2)
    process.kill()
    process.wait()
    started = read_eval_log(location)
    assert started.status == "started"
    result = run_inspect("subprocess", ["eval-retry", location, "--display", "none"], in_tmp)
    assert result.exit_code == 0, result.stderr
    assert "may still be running" in result.stderr
    retried = read_eval_log(list_eval_logs(in_tmp / "logs")[0].name)
    assert retried.status == "success"
    kept = {s.uuid for s in started.samples or []}
    assert kept <= {s.uuid for s in retried.samples or []}


def test_retry_on_s3(in_tmp: Path, s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIL_SAMPLE", "q02")
    [failed] = eval(
        "retry_tasks.py@counted", model="mockllm/model", display="none", log_dir=f"{s3}/logs", max_samples=1
    )
    monkeypatch.delenv("FAIL_SAMPLE")
    [retried] = eval_retry(failed.location, display="none")
    assert retried.location.startswith(f"{s3}/logs/") and retried.location != failed.location
    assert retried.status == "success"
    assert read_eval_log(failed.location).status == "error"


def test_retried_log_is_read_by_inspect_ai(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from support.inspect_ai_env import inspect_ai_python

    monkeypatch.setenv("FAIL_SAMPLE", "q03")
    [failed] = eval(
        "retry_tasks.py@counted",
        model="mockllm/model",
        display="none",
        max_samples=1,
        model_args={"custom_outputs": {"Say 1": "1", "Say 3": "3", "Say 5": "5"}},
    )
    monkeypatch.delenv("FAIL_SAMPLE")
    [retried] = eval_retry(failed.location, display="none")
    from support import inspect_ai_summary

    script = Path(inspect_ai_summary.__file__)
    run = subprocess.run([str(inspect_ai_python()), str(script), retried.location], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    theirs = json.loads(run.stdout)[retried.location]
    assert theirs["status"] == "success" and len(theirs["samples"]) == 6
    assert theirs["metrics"]["includes"]["accuracy"] == retried.results.scores[0].metrics["accuracy"].value  # type: ignore[union-attr]


def test_a_base_url_with_credentials_is_never_retried_redacted(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logs record `user:<redacted>@`: a retry must not send that, nor fall
    back to the provider's public default instead of the eval's server."""
    monkeypatch.setenv("FAIL_SAMPLE", "q02")
    base = model_server.url.replace("http://", "http://user:pa55word-secret@") + "/v1"
    [failed] = eval("retry_tasks.py@counted", model="openai/gpt-test", model_base_url=base, display="none")
    assert failed.status == "error" and "<redacted>" in (failed.eval.model_base_url or "")
    monkeypatch.delenv("FAIL_SAMPLE")
    monkeypatch.delenv("OPENAI_BASE_URL")
    refused = run_inspect("subprocess", ["eval-retry", failed.location, "--display", "none"], in_tmp)
    assert refused.exit_code == 2 and "set OPENAI_BASE_URL" in refused.stderr, refused.stderr
    model_server.reset()
    retried = run_inspect(
        "subprocess", ["eval-retry", failed.location, "--display", "none"], in_tmp, env={"OPENAI_BASE_URL": base}
    )
    assert retried.exit_code == 0, retried.stderr
    assert "retrying against OPENAI_BASE_URL" in retried.stderr and "pa55word-secret" not in retried.stderr
    assert model_server.requests >= 1  # what did not finish was asked again, of the eval's own server
    newest = read_eval_log(list_eval_logs(in_tmp / "logs")[0].name)
    assert newest.status == "success" and len(newest.samples or []) == 6
