"""`eval_set()`: a set of tasks x models run to completion in one log dir, failed
members retried keeping their finished samples, and a second run a no-op."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval, eval_set
from inspect_cli._engine.eval_set import _planned_key, member_key
from inspect_cli._engine.run import EvalOptions
from inspect_cli._engine.task import resolve_tasks
from inspect_cli.errors import EvalSetError
from inspect_cli.log import list_eval_logs, read_eval_log

from support.inspect_ai_env import inspect_ai_python

TASKS = Path(__file__).parent / "tasks" / "set_tasks.py"
MODELS = ["openai/model-a", "openai/model-b"]
FAST = {"retry_wait": 0.01, "max_retries": 0, "max_samples": 1, "display": "none"}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, with the task file there (logs record it relative to the cwd)."""
    (tmp_path / "set_tasks.py").write_text(TASKS.read_text())
    (tmp_path / "markers").mkdir()
    monkeypatch.setenv("FAIL_ONCE_DIR", str(tmp_path / "markers"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _files(log_dir: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in log_dir.iterdir() if p.suffix in (".eval", ".json")}


def _log_files(log_dir: Path) -> list[str]:
    return sorted(p.name for p in log_dir.iterdir() if p.suffix == ".eval")


def test_failed_members_are_retried_keeping_finished_samples(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four members fail in the solver (before asking the model), three more at the server.
    monkeypatch.setenv("FAIL_ONCE", "first-3,third-2")
    model_server.fail_next("500")
    model_server.fail_next("drop")
    model_server.fail_next("429", retry_after=0.01)
    success, logs = eval_set("set_tasks.py", "logs", model=MODELS, retry_attempts=3, **FAST)
    assert success
    assert [(log.eval.task, log.eval.model, log.status) for log in logs] == [
        (task, model, "success") for task in ("first", "second", "third") for model in MODELS
    ]
    # Every sample asked the model once, but for the three requests that failed: none finished twice.
    assert model_server.requests == 3 * 2 * 4 + 3
    assert all(len(log.samples or []) == 4 for log in logs)
    assert len(list((in_tmp / "markers").iterdir())) == 4  # the solver failures happened
    assert all(log.eval.eval_set_id == logs[0].eval.eval_set_id for log in logs)
    # The failed logs were superseded and removed; each member keeps its task id.
    assert len(_log_files(in_tmp / "logs")) == 6
    record = json.loads((in_tmp / "logs" / "eval-set.json").read_text())
    assert record["eval_set_id"] == logs[0].eval.eval_set_id
    assert (in_tmp / "logs" / ".eval-set-id").read_text() == record["eval_set_id"]
    assert [(t["name"], t["model"], t["task_id"], t["sequence"]) for t in record["tasks"]] == [
        (log.eval.task, log.eval.model, log.eval.task_id, i) for i, log in enumerate(logs)
    ]
    assert {Path(k).name for k in json.loads((in_tmp / "logs" / "logs.json").read_text())} == set(
        _log_files(in_tmp / "logs")
    )


def test_retry_keeps_the_finished_samples_of_the_failed_log(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_ONCE", "first-3")
    success, logs = eval_set("set_tasks.py@first", "logs", model=MODELS[0], retry_cleanup=False, **FAST)
    assert success
    [failed_info] = [i for i in list_eval_logs("logs") if read_eval_log(i.name, header_only=True).status == "error"]
    failed = read_eval_log(failed_info.name)
    assert failed.eval.task_id == logs[0].eval.task_id
    kept = {s.id: s.uuid for s in logs[0].samples or []}
    finished = [s for s in failed.samples or [] if s.error is None]
    assert len(finished) == 2 and all(kept[s.id] == s.uuid for s in finished)
    assert model_server.requests == 4


def test_second_run_runs_nothing_and_writes_no_log(in_tmp: Path, model_server: Any) -> None:
    success, first = eval_set(["set_tasks.py@first", "set_tasks.py@second"], "logs", model=MODELS, **FAST)
    assert success and model_server.requests == 16
    before = {n: m for n, m in _files(in_tmp / "logs").items() if n.endswith(".eval")}
    model_server.reset()
    success, again = eval_set(["set_tasks.py@first", "set_tasks.py@second"], "logs", model=MODELS, **FAST)
    assert success and model_server.requests == 0
    assert {n: m for n, m in _files(in_tmp / "logs").items() if n.endswith(".eval")} == before
    assert [log.eval.task_id for log in again] == [log.eval.task_id for log in first]
    assert all(log.samples is None for log in again)  # headers only: samples are never read


def test_an_added_task_runs_alone(in_tmp: Path, model_server: Any) -> None:
    assert eval_set(["set_tasks.py@first", "set_tasks.py@second"], "logs", model=MODELS, **FAST)[0]
    model_server.reset()
    success, logs = eval_set("set_tasks.py", "logs", model=MODELS, **FAST)
    assert success and len(logs) == 6
    assert model_server.requests == 2 * 4  # only the third task, against both models
    assert {body["messages"][-1]["content"].split()[1] for body in model_server.bodies} == {"third"}


def test_exhausted_attempts_fail(in_tmp: Path, model_server: Any) -> None:
    model_server.fail_always = ("500", None)
    success, logs = eval_set("set_tasks.py@first", "logs", model=MODELS, retry_attempts=2, **FAST)
    assert not success and [log.status for log in logs] == ["error", "error"]
    assert model_server.requests == 2 * 3  # each member: the first request of each of its three attempts
    assert len(_log_files(in_tmp / "logs")) == 6  # failed logs are kept when the member never succeeded


def test_a_log_dir_with_other_logs_is_refused(in_tmp: Path, model_server: Any) -> None:
    eval("set_tasks.py@first", model=MODELS[0], log_dir="logs", display="none")
    with pytest.raises(EvalSetError, match="not a log of this eval set"):
        eval_set("set_tasks.py@second", "logs", model=MODELS[0], **FAST)
    with pytest.raises(EvalSetError, match="not a log of this eval set"):  # other settings: another eval
        eval_set("set_tasks.py@first", "logs", model=MODELS[0], temperature=0.5, **FAST)
    success, logs = eval_set("set_tasks.py@second", "logs", model=MODELS[0], log_dir_allow_dirty=True, **FAST)
    assert success and [log.eval.task for log in logs] == ["second"]
    assert len(_log_files(in_tmp / "logs")) == 2


def test_the_set_id_is_kept_and_checked(in_tmp: Path, model_server: Any) -> None:
    success, logs = eval_set("set_tasks.py@first", "logs", model=MODELS[0], eval_set_id="nightly", **FAST)
    assert success and logs[0].eval.eval_set_id == "nightly"
    assert eval_set("set_tasks.py@first", "logs", model=MODELS[0], **FAST)[0]
    with pytest.raises(EvalSetError, match="'other'"):
        eval_set("set_tasks.py@first", "logs", model=MODELS[0], eval_set_id="other", **FAST)


def test_members_must_differ(in_tmp: Path) -> None:
    with pytest.raises(EvalSetError, match="twice"):
        eval_set(["set_tasks.py@first", "set_tasks.py@first"], "logs", model=MODELS[0], **FAST)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"temperature": 1, "max_connections": 3, "timeout": 5},
        {"model_args": {"api_key": "sk-secret-1234567890", "flavour": "x"}, "task_args": {"n": 2}},
        {"message_limit": 5, "seed": 7, "epochs": 2, "limit": 2},
    ],
)
def test_a_member_is_found_from_its_log(in_tmp: Path, model_server: Any, options: dict[str, Any]) -> None:
    """The key of a planned member is the key of the log its eval writes."""
    [log] = eval("set_tasks.py@first", model=MODELS[0], log_dir="logs", display="none", **options)
    [task] = resolve_tasks("set_tasks.py@first", options.get("task_args", {}))
    planned = _planned_key(task, MODELS[0], EvalOptions(**{"log_dir": "logs", **options}))
    assert member_key(read_eval_log(log.location, header_only=True).eval) == planned
    other = _planned_key(task, MODELS[0], EvalOptions(**{"log_dir": "logs", **options, "system_message": "x"}))
    assert other != planned


def test_inspect_ai_reads_the_sets_logs(in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIL_ONCE", "second-2")
    success, logs = eval_set("set_tasks.py", "logs", model=MODELS, **FAST)
    assert success
    script = (
        "import json, sys\n"
        "from inspect_ai.log import list_eval_logs, read_eval_log\n"
        "out = {}\n"
        "for info in list_eval_logs(sys.argv[1]):\n"
        "    log = read_eval_log(info.name)\n"
        "    out[info.name.rsplit('/', 1)[-1]] = [log.status, log.eval.eval_set_id, log.eval.task_id, len(log.samples)]\n"
        "print(json.dumps(out))\n"
    )
    run = subprocess.run([str(inspect_ai_python()), "-c", script, str(in_tmp / "logs")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    theirs = json.loads(run.stdout)
    assert theirs == {Path(log.location).name: ["success", log.eval.eval_set_id, log.eval.task_id, 4] for log in logs}


@pytest.mark.parametrize(("max_connections", "in_flight"), [(10, 3), (2, 2)])
def test_members_run_at_once_sharing_each_models_connections(
    in_tmp: Path, model_server: Any, max_connections: int, in_flight: int
) -> None:
    model_server.delay = 0.1
    options = {**FAST, "max_connections": max_connections}
    success, _ = eval_set("set_tasks.py", "logs", model=MODELS[0], max_tasks=3, task_args={"n": 2}, **options)
    assert success and model_server.max_in_flight == in_flight


def test_eval_runs_several_tasks_at_once_with_max_tasks(in_tmp: Path, model_server: Any) -> None:
    model_server.delay = 0.1
    logs = eval("set_tasks.py", model=MODELS[0], log_dir="logs", display="none", max_samples=1, task_args={"n": 2})
    assert [log.status for log in logs] == ["success"] * 3 and model_server.max_in_flight == 1
    model_server.reset()
    model_server.delay = 0.1
    eval("set_tasks.py", model=MODELS[0], log_dir="logs", display="none", max_samples=1, max_tasks=3)
    assert model_server.max_in_flight == 3


@pytest.mark.parametrize("immediate", [True, False])
def test_retry_immediate_retries_a_member_before_the_others_finish(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch, immediate: bool
) -> None:
    # `first` fails at once (its first sample, before asking the model); `second` takes ~1 s.
    monkeypatch.setenv("FAIL_ONCE", "first-1")
    model_server.delay = 0.25
    tasks = ["set_tasks.py@first", "set_tasks.py@second"]
    success, logs = eval_set(tasks, "logs", model=MODELS[0], max_tasks=2, retry_immediate=immediate, **FAST)
    assert success
    first, second = logs
    assert first.eval.task == "first" and second.eval.task == "second"
    retried_at = datetime.fromisoformat(first.eval.created)
    second_done = datetime.fromisoformat(second.stats.completed_at)
    # Immediate: the retry starts while `second` still runs; else after the round ends.
    assert (retried_at < second_done) is immediate


def test_a_whole_set_on_s3_retries_cleans_up_and_reruns_as_a_no_op(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch, s3: str
) -> None:
    from inspect_cli import storage

    log_dir = f"{s3}/nightly"
    monkeypatch.setenv("FAIL_ONCE", "first-2")
    tasks = ["set_tasks.py@first", "set_tasks.py@second"]
    success, logs = eval_set(tasks, log_dir, model=MODELS, **FAST)
    assert success and [log.status for log in logs] == ["success"] * 4
    assert all(log.location.startswith(log_dir + "/") for log in logs)
    # The failed logs of the retried members are gone: one log per member is left.
    assert sorted(i.name for i in list_eval_logs(log_dir)) == sorted(log.location for log in logs)
    manifest = json.loads(storage.read_bytes(f"{log_dir}/logs.json"))
    assert sorted(manifest) == sorted(log.location.rsplit("/", 1)[1] for log in logs)
    set_file = json.loads(storage.read_bytes(f"{log_dir}/eval-set.json"))
    assert {t["task_id"] for t in set_file["tasks"]} == {log.eval.task_id for log in logs}
    model_server.reset()
    success, again = eval_set(tasks, log_dir, model=MODELS, **FAST)
    assert success and model_server.requests == 0
    assert [log.location for log in again] == [log.location for log in logs]
