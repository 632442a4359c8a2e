"""Inspect's run options on `inspect eval` reach the run and the log, recorded
where Inspect records them: each case runs an eval, then checks what our
reader and the real inspect-ai (0.3.285) read of its log."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import list_eval_logs, read_eval_log
from inspect_cli.log._types import EvalLog, ModelEvent

from support import inspect_ai_options
from support.cli_runner import run_inspect
from support.inspect_ai_env import inspect_ai_python
from support.inspect_ai_options import view

TASKS = Path(__file__).parents[1] / "eval" / "tasks" / "option_tasks.py"
SOLVERS = TASKS.with_name("option_solvers.py")
View = dict[str, Any]


@dataclass
class Case:
    args: list[str]
    check: Callable[[View], None]
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    exit_code: int = 0
    task: str = "opts"


def _ids(view: View) -> list[str]:
    return [s["id"] for s in view["samples"]]


CASES: dict[str, Case] = {
    "tags": Case(["--tags", "nightly, ci"], lambda v: _eq(v["tags"], ["nightly", "ci"])),
    "tags-env": Case([], lambda v: _eq(v["tags"], ["from-env"]), env={"INSPECT_EVAL_TAGS": "from-env"}),
    "limit-epochs-env": Case(
        [],
        lambda v: (_eq(v["dataset"]["sample_ids"], ["s1"]), _eq(v["config"]["epochs"], 2)),
        env={"INSPECT_EVAL_LIMIT": "1", "INSPECT_EVAL_EPOCHS": "2"},
    ),
    "metadata": Case(
        ["--metadata", "run=7", "--metadata", "who=ci", "--metadata", "list=[1,2]"],
        lambda v: _eq(v["metadata"], {"run": 7, "who": "ci", "list": [1, 2], "env": None}),
    ),
    "task-config": Case(
        ["--task-config", "task.yaml", "-T", "failures=0"],
        lambda v: (_eq(v["task_args"], {"n": 2, "failures": 0}), _eq(v["dataset"]["samples"], 2)),
        files={"task.yaml": "n: 2\n"},
    ),
    "model-config": Case(
        ["--model-config", "model.json"],
        lambda v: _eq(v["model_args"], {"custom_outputs": ["1", "2", "3", "4"]}),
        files={"model.json": '{"custom_outputs": ["1", "2", "3", "4"]}'},
    ),
    "generate-config": Case(
        ["--generate-config", "gen.yaml", "--max-tokens", "9"],
        lambda v: (
            _eq(v["model_generate_config"], {"temperature": 0.25, "max_tokens": 9}),
            _eq(v["plan_config"], {"temperature": 0.25, "max_tokens": 9}),
        ),
        files={"gen.yaml": "temperature: 0.25\nmax_tokens: 100\n"},
    ),
    "sample-shuffle-seed": Case(
        ["--sample-shuffle", "3", "--limit", "3"],
        lambda v: (
            _eq(v["config"]["sample_shuffle"], 3),
            _eq(v["dataset"]["shuffled"], True),
            _eq(v["dataset"]["sample_ids"], _shuffled(["s1", "s2", "s3", "s4"], 3)[:3]),
        ),
    ),
    "sample-shuffle-bare": Case(
        ["--sample-shuffle", "--limit", "4"],
        lambda v: (_eq(v["config"]["sample_shuffle"], True), _eq(sorted(v["dataset"]["sample_ids"]), _s(4))),
    ),
    "no-score": Case(
        ["--no-score"],
        lambda v: (_eq(v["results"], False), _eq([s["scores"] for s in v["samples"]], [[]] * 4)),
    ),
    "no-score-display": Case(["--no-score-display"], lambda v: _eq(v["config"]["score_display"], False)),
    "score-on-error": Case(
        ["-T", "failures=9", "--score-on-error", "--no-fail-on-error"],
        lambda v: (
            _eq(v["config"]["score_on_error"], True),
            _eq([s["scores"] for s in v["samples"] if s["error"]], [["includes"]]),
        ),
    ),
    "continue-on-fail": Case(
        ["-T", "failures=9", "--continue-on-fail", "--max-samples", "1"],
        lambda v: (
            _eq(v["status"], "error"),
            _eq(v["config"]["continue_on_fail"], True),
            _eq(sorted(_ids(v)), _s(4)),
        ),
        exit_code=1,
    ),
    "retry-on-error": Case(
        ["-T", "failures=2", "--retry-on-error", "2"],
        lambda v: (
            _eq(v["status"], "success"),
            _eq(v["config"]["retry_on_error"], 2),
            _eq({s["id"]: (s["error"], s["error_retries"]) for s in v["samples"]}["s2"], (False, 2)),
        ),
    ),
    "retry-on-error-bare": Case(
        ["-T", "failures=2", "--retry-on-error", "--max-samples", "1"],
        lambda v: (_eq(v["status"], "error"), _eq(v["config"]["retry_on_error"], 1)),
        exit_code=1,
    ),
    "no-log-samples": Case(
        ["--no-log-samples"],
        lambda v: (_eq(v["samples"], []), _eq(v["config"]["log_samples"], False), _eq(v["results"], True)),
    ),
    "no-log-realtime": Case(["--no-log-realtime"], lambda v: _eq(v["config"]["log_realtime"], False)),
    "no-log-images": Case(["--no-log-images"], lambda v: _eq(v["config"]["log_images"], False)),
    "no-log-model-api": Case(["--no-log-model-api"], lambda v: _eq(v["config"]["log_model_api"], False)),
    "solver": Case(
        ["--solver", "option_solvers.py@shout", "-S", "prefix=XX"],
        lambda v: (
            _eq(v["solver"], ["option_solvers.py@shout", {"prefix": "XX", "times": 1}, {"prefix": "XX"}]),
            _eq(v["plan"], [["shout", {"prefix": "XX", "times": 1}]]),
            _eq({s["prompt"][:6] for s in v["samples"]}, {"XXSay "}),
        ),
    ),
    "solver-config": Case(
        ["--solver", "option_solvers.py", "--solver-config", "solver.yaml", "-S", "times=2"],
        lambda v: (
            _eq(v["solver"], ["option_solvers.py", {"prefix": "YY", "times": 2}, {"prefix": "YY", "times": 2}]),
            _eq({s["prompt"][:8] for s in v["samples"]}, {"YYYYSay "}),
        ),
        files={"solver.yaml": "prefix: YY\ntimes: 1\n"},
    ),
    "model-role": Case(
        ["--model-role", "critic={model: mockllm/critic, temperature: 0.5}", "--model-role", "grader=mockllm/grader"],
        lambda v: (
            _eq(v["model_roles"], {"critic": "mockllm/critic", "grader": "mockllm/grader"}),
            _eq(v["samples"][0]["events_models"], ["mockllm/critic", "mockllm/grader", "mockllm/model"]),
        ),
        task="with_roles",
    ),
    "model-role-absent": Case(
        [],
        lambda v: (_eq(v["model_roles"], {}), _eq(v["samples"][0]["events_models"], ["mockllm/model"])),
        task="with_roles",
    ),
    "no-epochs-reducer": Case(
        [
            "--epochs",
            "2",
            "--no-epochs-reducer",
            "--max-samples",
            "1",
            "-M",
            'custom_outputs=["1", "2", "3", "4", "1", "no", "no", "no"]',
        ],
        lambda v: (
            _eq(v["config"]["epochs_reducer"], []),
            # every epoch's score is a sample of the metrics (5 of 8 right), and nothing is reduced
            _eq(v["scores"], [["includes", None, 8, {"accuracy": 0.625, "stderr": 0.182981}]]),
            _eq(v["reductions"], []),
        ),
    ),
    "epochs-reduced": Case(
        ["--epochs", "2", "--max-samples", "1"],
        lambda v: (_eq(v["scores"][0][:3], ["includes", None, 4]), _eq(v["reductions"], [["includes", 4]])),
    ),
    "env": Case(["--env", "OPTION_TEST_ENV=hello"], lambda v: _eq(v["metadata"], {"env": "hello"})),
}


def _eq(actual: Any, expected: Any) -> None:
    assert actual == expected


def _s(n: int) -> list[str]:
    return [f"s{i}" for i in range(1, n + 1)]


def _shuffled(ids: list[str], seed: int) -> list[str]:
    out = list(ids)
    random.Random(seed).shuffle(out)
    return out


@dataclass
class Ran:
    ours: EvalLog
    theirs: View
    stderr: str


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    """Every case's eval, run once; inspect-ai reads all their logs in one go."""
    folder = tmp_path_factory.mktemp("options")
    (folder / "option_tasks.py").write_text(TASKS.read_text())
    (folder / "option_solvers.py").write_text(SOLVERS.read_text())
    results: dict[str, tuple[str, str]] = {}
    for name, case in CASES.items():
        for file, text in case.files.items():
            (folder / file).write_text(text)
        args = [
            "eval",
            f"option_tasks.py@{case.task}",
            "--model",
            "mockllm/model",
            "--display",
            "none",
            "--log-dir",
            name,
        ]
        result = run_inspect("inprocess", [*args, *case.args], folder, env=case.env)
        assert result.exit_code == case.exit_code, (name, result.stderr)
        [log] = list_eval_logs(folder / name)
        results[name] = (log.name, result.stderr)
    script = Path(inspect_ai_options.__file__)
    paths = [location for location, _ in results.values()]
    run = subprocess.run([str(inspect_ai_python()), str(script), *paths], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    theirs = json.loads(run.stdout)
    return {name: Ran(read_eval_log(loc), theirs[loc], stderr) for name, (loc, stderr) in results.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_option_reaches_the_log(name: str, ran: dict[str, Ran]) -> None:
    CASES[name].check(view(ran[name].ours))
    CASES[name].check(ran[name].theirs)  # inspect-ai reads the same


def test_no_log_model_api_leaves_out_requests(tmp_path: Path, model_server: Any) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval", "option_tasks.py@opts", "--model", "openai/gpt-test", "--display", "none", "-T", "n=2"]
    calls = {}
    for log_dir, extra in (("default", []), ("without", ["--no-log-model-api"])):
        assert run_inspect("inprocess", [*args, "--log-dir", log_dir, *extra], tmp_path).exit_code == 0
        [log] = list_eval_logs(tmp_path / log_dir)
        samples = read_eval_log(log.name).samples or []
        calls[log_dir] = [e.call for s in samples for e in s.events if isinstance(e, ModelEvent)]
    assert len(calls["default"]) == 2 and all(c is not None for c in calls["default"])
    assert len(calls["without"]) == 2 and all(c is None for c in calls["without"])


def test_shuffle_with_a_seed_is_the_same_every_run(ran: dict[str, Ran], tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "--log-dir", "again"]
    assert run_inspect("inprocess", [*args, "--sample-shuffle", "3", "--limit", "3"], tmp_path).exit_code == 0
    [log] = list_eval_logs(tmp_path / "again")
    again = read_eval_log(log.name).eval.dataset.sample_ids
    assert again == ran["sample-shuffle-seed"].ours.eval.dataset.sample_ids


def test_log_level_transcript_records_debug(ran: dict[str, Ran], tmp_path: Path) -> None:
    assert not any(m.level == "debug" for m in ran["tags"].ours.logging or [])
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "--log-dir", "logs"]
    result = run_inspect("inprocess", [*args, "--log-level-transcript", "debug"], tmp_path)
    assert result.exit_code == 0
    [log] = list_eval_logs(tmp_path / "logs")
    levels = {m.level for m in read_eval_log(log.name).logging or []}
    assert {"debug", "warning"} <= levels


def test_log_level_shows_task_logging_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "--log-dir", "logs"]
    shown = run_inspect("subprocess", [*args, "--log-level", "warning", "-T", "n=1"], tmp_path)
    assert shown.exit_code == 0
    assert "warning from sample s1" in shown.stderr
    assert "debug from sample" not in shown.stderr
    errors_only = run_inspect("subprocess", [*args, "--log-level", "error", "-T", "n=1"], tmp_path)
    assert "warning from sample" not in errors_only.stderr


def test_traceback_locals(tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "-T", "failures=1"]
    for log_dir, extra in (("plain", []), ("locals", ["--traceback-locals"])):
        assert run_inspect("inprocess", [*args, "--log-dir", log_dir, *extra], tmp_path).exit_code == 1
    tracebacks = {}
    for log_dir in ("plain", "locals"):
        [log] = list_eval_logs(tmp_path / log_dir)
        [failed] = [s for s in read_eval_log(log.name).samples or [] if s.error is not None]
        assert failed.error is not None
        tracebacks[log_dir] = failed.error.traceback
    assert "local-value-42" in tracebacks["locals"]
    assert "local-value-42" not in tracebacks["plain"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sample-shuffle", "abc"], "whole-number seed"),
        (["--retry-on-error", "x"], "number of retries"),
        (["--task-config", "missing.yaml"], "cannot read missing.yaml"),
        (["--generate-config", "bad.yaml"], "not YAML or JSON"),
        (["--generate-config", "list.yaml"], "NAME: VALUE pairs"),
        (["--generate-config", "unknown.yaml"], "unknown.yaml: no generation setting colour"),
        (["--log-level", "loud"], "--log-level"),
    ],
)
def test_bad_values_fail_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    (tmp_path / "bad.yaml").write_text("a: [1,\n")
    (tmp_path / "list.yaml").write_text("- 1\n")
    (tmp_path / "unknown.yaml").write_text("colour: red\n")
    result = run_inspect("inprocess", ["eval", "option_tasks.py@opts", "--model", "mockllm/model", *args], tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_retry_takes_inspects_retry_options(tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "--log-dir", "logs"]
    assert run_inspect("inprocess", [*args, "-T", "failures=1", "--tags", "t1"], tmp_path).exit_code == 1
    [failed] = list_eval_logs(tmp_path / "logs")
    retry = ["eval-retry", failed.name, "--display", "none", "--log-dir", "retried"]
    result = run_inspect("inprocess", [*retry, "--retry-on-error", "--no-score", "--max-tasks", "2"], tmp_path)
    assert result.exit_code == 0, result.stderr
    [log] = list_eval_logs(tmp_path / "retried")
    retried = read_eval_log(log.name)
    assert retried.status == "success" and retried.results is None  # the failed sample's retry succeeded; unscored
    assert (retried.eval.config.retry_on_error, retried.eval.config.max_tasks, retried.eval.tags) == (1, 2, ["t1"])
    refused = run_inspect("inprocess", [*retry, "--no-sandbox-cleanup"], tmp_path)
    assert refused.exit_code == 2
    assert refused.stderr.strip() == "Error: --no-sandbox-cleanup is not supported by inspect_cli (no sandboxes)"
    unknown = run_inspect(
        "inprocess", [*retry, "--sandbox", "docker"], tmp_path
    )  # not an eval-retry option of Inspect's
    assert unknown.exit_code == 2 and "No such option" in unknown.stderr


def test_eval_set_takes_the_run_options(tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    args = ["eval-set", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "--log-dir", "set"]
    extra = [
        "--tags",
        "a",
        "--sample-shuffle",
        "2",
        "--retry-on-error",
        "1",
        "-T",
        "failures=1",
        "--retry-attempts",
        "0",
    ]
    result = run_inspect("inprocess", [*args, *extra], tmp_path)
    assert result.exit_code == 0, result.stderr
    [log] = list_eval_logs(tmp_path / "set")
    spec = read_eval_log(log.name).eval
    assert (spec.tags, spec.config.sample_shuffle, spec.config.retry_on_error) == (["a"], 2, 1)
    assert spec.dataset.sample_ids == _shuffled(_s(4), 2)


def test_eval_set_members_differ_by_solver(tmp_path: Path) -> None:
    (tmp_path / "option_tasks.py").write_text(TASKS.read_text())
    (tmp_path / "option_solvers.py").write_text(SOLVERS.read_text())
    args = ["eval-set", "option_tasks.py@opts", "--model", "mockllm/model", "--display", "none", "--log-dir", "set"]
    solver = ["--solver", "option_solvers.py@shout", "-S", "prefix=A"]
    assert run_inspect("inprocess", [*args, *solver], tmp_path).exit_code == 0
    again = run_inspect("inprocess", [*args, *solver], tmp_path)
    assert again.exit_code == 0 and len(list_eval_logs(tmp_path / "set")) == 1  # done: nothing ran
    other = run_inspect("inprocess", [*args, "--solver", "option_solvers.py@shout", "-S", "prefix=B"], tmp_path)
    assert other.exit_code == 1 and "log" in other.stderr  # another eval's logs are in the set's dir
    assert len(list_eval_logs(tmp_path / "set")) == 1
