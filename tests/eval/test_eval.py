"""`inspect eval` and `eval()`: logs written, results computed, errors and interrupts handled."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import Epochs, Task, eval, task
from inspect_cli.dataset import Sample, csv_dataset, json_dataset
from inspect_cli.errors import UsageError
from inspect_cli.log import list_eval_logs, read_eval_log
from inspect_cli.scorer import choice, includes, match, model_graded_qa
from inspect_cli.solver import chain_of_thought, generate, multiple_choice, prompt_template, system_message

from support.cli_runner import MODES, clean_env, run_inspect, start_inspect, wait_for_samples

TASKS = Path(__file__).parent / "tasks"
INSPECT_TASKS = TASKS / "inspect_tasks.py"  # written for Inspect: runs under the CLI
NATIVE_TASKS = TASKS / "native_tasks.py"  # imports inspect_cli: for the Python API
ANSWERS = json.dumps({"2+3": "The answer is 5.", "7*6": "42", "10-4": "maybe 5", "9+9": "18"})


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_cli_eval_of_an_inspect_task_file(tmp_path: Path, mode: str, fmt: str) -> None:
    result = run_inspect(
        mode,
        [
            "eval",
            f"{INSPECT_TASKS}@arith",
            "--model",
            "mockllm/model",
            "-M",
            f"custom_outputs={ANSWERS}",
            "-T",
            "n=4",
            "--log-format",
            fmt,
            "--temperature",
            "0.3",
            "--display",
            "plain",
        ],
        tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    [info] = list_eval_logs(tmp_path / "logs")
    assert info.name.endswith(f".{fmt}")
    assert result.stdout.rstrip().endswith(f"Log: logs/{Path(info.name).name}")
    assert "match: accuracy=0.75" in result.stdout
    log = read_eval_log(info.name)
    assert log.status == "success"
    assert log.eval.task == "arith" and log.eval.task_registry_name == "arith"
    assert log.eval.task_args == {"n": 4, "level": "mixed"} and log.eval.task_args_passed == {"n": 4}
    assert log.eval.model == "mockllm/model"
    assert log.eval.model_generate_config.temperature == 0.3
    assert [s.id for s in log.samples or []] == ["q01", "q02", "q03", "q04"]
    assert log.results is not None
    scores = {s.name: s.metrics["accuracy"].value for s in log.results.scores}
    assert scores == {"match": 0.75, "includes": 0.75}
    assert log.results.scores[0].metrics["stderr"].value == pytest.approx(0.25)
    assert log.stats.model_usage["mockllm/model"].total_tokens > 0
    assert [step.solver for step in log.plan.steps] == ["system_message", "generate"]
    assert log.logging and "building arith with 4 questions" in log.logging[0].message


def test_unsupported_inspect_ai_names_fail_clearly(tmp_path: Path) -> None:
    result = run_inspect("subprocess", ["eval", str(TASKS / "unsupported.py"), "--model", "mockllm/model"], tmp_path)
    assert result.exit_code == 1
    assert "inspect_ai.solver.use_tools is not supported by inspect_cli" in result.stderr
    assert "Traceback" not in result.stderr


def test_inspect_ai_is_aliased_only_inside_the_eval_commands(tmp_path: Path) -> None:
    # In-process: the CLI command ran (above) and removed its alias afterwards.
    run_inspect(
        "inprocess", ["eval", f"{INSPECT_TASKS}@arith", "--model", "mockllm/model", "--display", "none"], tmp_path
    )
    code = "import importlib.util, sys; print(importlib.util.find_spec('inspect_ai') is None)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "True"
    import importlib.util

    assert "inspect_ai" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("inspect_ai")
    assert importlib.util.find_spec("inspect_ai") is None


def test_sample_error_fails_the_eval_and_keeps_the_failed_samples(tmp_path: Path) -> None:
    [log] = eval(
        f"{NATIVE_TASKS}@arith_flaky", model="mockllm/model", log_dir=str(tmp_path), display="none", max_samples=1
    )
    assert log.status == "error"
    assert (
        log.error is not None
        and "deliberate failure on q03" in log.error.message
        and "Traceback" in log.error.traceback
    )
    assert log.results is None
    samples = {s.id: s for s in log.samples or []}
    assert samples["q03"].error is not None and "deliberate failure" in samples["q03"].error.message
    assert samples["q01"].error is None and samples["q01"].scores
    assert read_eval_log(log.location).status == "error"


@pytest.mark.parametrize(
    "fail_on_error, status",
    [(False, "success"), (0.5, "success"), (0.25, "error"), (2, "success"), (1, "error"), (True, "error")],
)
def test_fail_on_error_thresholds(tmp_path: Path, fail_on_error: Any, status: str) -> None:
    [log] = eval(
        f"{NATIVE_TASKS}@arith_flaky",
        model="mockllm/model",
        log_dir=str(tmp_path),
        display="none",
        fail_on_error=fail_on_error,
        max_samples=1,
    )
    assert log.status == status
    if status == "success":
        assert log.results is not None and log.results.completed_samples == 3 and log.results.total_samples == 4


def test_no_fail_on_error_on_the_command_line(tmp_path: Path) -> None:
    result = run_inspect(
        "inprocess",
        ["eval", f"{NATIVE_TASKS}@arith_flaky", "--model", "mockllm/model", "--no-fail-on-error", "--display", "none"],
        tmp_path,
    )
    assert result.exit_code == 0
    failing = run_inspect(
        "inprocess", ["eval", f"{NATIVE_TASKS}@arith_flaky", "--model", "mockllm/model", "--display", "plain"], tmp_path
    )
    assert failing.exit_code == 1 and "error" in failing.stdout


def test_epochs_and_reducers(tmp_path: Path) -> None:
    outputs = iter(["5", "wrong", "42", "42", "6", "6"])

    @task
    def two_epochs() -> Task:
        return Task(
            dataset=[
                Sample(input=q, target=a, id=i)
                for i, (q, a) in enumerate([("2+3", "5"), ("7*6", "42"), ("10-4", "6")], 1)
            ],
            scorer=match(),
            epochs=Epochs(2, "mean"),
        )

    [log] = eval(
        two_epochs(),
        model="mockllm/model",
        model_args={"custom_outputs": lambda _: next(outputs)},
        log_dir=str(tmp_path),
        display="none",
        max_samples=1,
    )
    assert [(s.id, s.epoch) for s in log.samples or []] == [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2)]
    assert log.results is not None and log.results.total_samples == 6
    assert log.reductions is not None
    reduced = {r.sample_id: r.value for r in log.reductions[0].samples}
    values = {s.id: [] for s in log.samples or []}  # type: ignore[var-annotated]
    for s in log.samples or []:
        values[s.id].append(1.0 if s.scores["match"].value == "C" else 0.0)  # type: ignore[index]
    assert reduced == {k: sum(v) / 2 for k, v in values.items()}
    assert log.results.scores[0].metrics["accuracy"].value == pytest.approx(sum(reduced.values()) / 3)


def test_datasets_from_files_with_field_mapping_and_shuffle(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("question,answer,source\nWhat is 2+3?,5,a\nWhat is 7*6?,42,b\n")
    (tmp_path / "data.jsonl").write_text('{"q": "What is 2+3?", "a": "5"}\n{"q": "What is 9+9?", "a": "18"}\n')
    (tmp_path / "data.json").write_text(json.dumps([{"input": "x", "target": "y", "id": "first"}]))
    from inspect_cli.dataset import FieldSpec

    csv_data = csv_dataset(
        str(tmp_path / "data.csv"), FieldSpec(input="question", target="answer", metadata=["source"])
    )
    assert [(s.input, s.target, s.metadata) for s in csv_data] == [
        ("What is 2+3?", "5", {"source": "a"}),
        ("What is 7*6?", "42", {"source": "b"}),
    ]
    jsonl = json_dataset(str(tmp_path / "data.jsonl"), FieldSpec(input="q", target="a"))
    assert [s.target for s in jsonl] == ["5", "18"] and jsonl.name == "data"
    assert json_dataset(str(tmp_path / "data.json"))[0].id == "first"
    ten = [Sample(input=str(i), target=str(i)) for i in range(10)]
    from inspect_cli.dataset import Dataset

    shuffled = Dataset(ten, name="ten")
    shuffled.shuffle(seed=7)
    [log] = eval(
        Task(dataset=shuffled, scorer=includes()), model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.eval.dataset.shuffled is True
    # ids 1..N follow the order after shuffling
    assert [(s.id, s.input) for s in log.samples or []][:3] == [(i + 1, shuffled[i].input) for i in range(3)]


def test_builtin_solvers_and_scorers(tmp_path: Path) -> None:
    samples = [
        Sample(input="Which is a color?", choices=["dog", "red", "car"], target="B", id="mc1"),
        Sample(input="Which is a number?", choices=["seven", "cat", "sky"], target="A", id="mc2"),
    ]

    def answer(messages: list[Any]) -> str:
        text = messages[-1].text
        assert "A) dog" in text or "A) seven" in text
        assert any(m.role == "system" and "careful" in m.text for m in messages)
        return "ANSWER: B"

    [log] = eval(
        Task(dataset=samples, solver=[system_message("Be careful."), multiple_choice()], scorer=choice()),
        model="mockllm/model",
        model_args={"custom_outputs": answer},
        log_dir=str(tmp_path),
        display="none",
    )
    assert [s.scores["choice"].value for s in log.samples or []] == ["C", "I"]  # type: ignore[index]

    prompts: list[str] = []

    def record(messages: list[Any]) -> str:
        prompts.append(messages[-1].text)
        return "Reasoning...\nANSWER: 5"

    [log] = eval(
        Task(
            dataset=[Sample(input="What is 2+3?", target="5", metadata={"topic": "sums"})],
            solver=[prompt_template("Topic {topic}. {prompt}"), chain_of_thought(), generate()],
            scorer=[match(), includes()],
        ),
        model="mockllm/model",
        model_args={"custom_outputs": record},
        log_dir=str(tmp_path),
        display="none",
    )
    assert prompts[0].startswith("Topic sums. What is 2+3?") and "step-by-step" in prompts[0]
    assert log.samples and log.samples[0].scores["match"].value == "C"  # type: ignore[index]
    assert [p.solver for p in log.plan.steps] == ["prompt_template", "chain_of_thought", "generate"]
    assert log.plan.steps[0].params == {"template": "Topic {topic}. {prompt}"}


def test_model_graded_qa(tmp_path: Path) -> None:
    def grader_or_answer(messages: list[Any]) -> str:
        text = messages[-1].text
        if "[Criterion]" in text:
            return "The submission states 1889.\nGRADE: C" if "1889" in text else "GRADE: I"
        return "It was built in 1889." if "Eiffel" in text else "No idea."

    samples = [
        Sample(input="When was the Eiffel tower built?", target="1889", id=1),
        Sample(input="When was the Colosseum built?", target="around 80 AD", id=2),
    ]
    [log] = eval(
        Task(dataset=samples, scorer=model_graded_qa()),
        model="mockllm/model",
        model_args={"custom_outputs": grader_or_answer},
        log_dir=str(tmp_path),
        display="none",
    )
    assert [s.scores["model_graded_qa"].value for s in log.samples or []] == ["C", "I"]  # type: ignore[index]
    assert "GRADE: C" in (log.samples[0].scores["model_graded_qa"].explanation or "")  # type: ignore[index]


def test_limits_and_sample_selection(tmp_path: Path) -> None:
    [log] = eval(f"{NATIVE_TASKS}@numbers", model="mockllm/model", log_dir=str(tmp_path), display="none", limit=5)
    assert [s.id for s in log.samples or []] == [1, 2, 3, 4, 5]
    [log] = eval(
        f"{NATIVE_TASKS}@numbers", model="mockllm/model", log_dir=str(tmp_path), display="none", sample_id=[3, 7]
    )
    assert [s.id for s in log.samples or []] == [3, 7]
    assert log.eval.dataset.sample_ids == [3, 7]


def test_a_task_without_a_dataset_runs_one_prompt_sample(tmp_path: Path) -> None:
    [log] = eval(Task(), model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert log.status == "success"
    assert log.eval.task == "task"
    assert (log.eval.dataset.samples, log.eval.dataset.sample_ids, log.eval.dataset.name) == (1, [1], None)
    [sample] = log.samples or []
    assert (sample.id, sample.input, sample.target) == (1, "prompt", "")
    with pytest.raises(UsageError, match="has no samples"):  # an empty dataset is still refused
        eval(Task(dataset=[]), model="mockllm/model", log_dir=str(tmp_path), display="none")


def test_several_tasks_each_get_a_log(tmp_path: Path) -> None:
    logs = eval(
        [f"{NATIVE_TASKS}@arith", f"{NATIVE_TASKS}@numbers"],
        model="mockllm/model",
        log_dir=str(tmp_path),
        display="none",
    )
    assert [log.eval.task for log in logs] == ["arith", "numbers"]
    assert len(list_eval_logs(tmp_path)) == 2
    every = eval(
        str(NATIVE_TASKS), model="mockllm/model", log_dir=str(tmp_path / "all"), display="none", fail_on_error=False
    )
    assert sorted(log.eval.task for log in every) == ["arith", "arith_flaky", "numbers"]


def test_api_keys_never_reach_the_log_or_output(tmp_path: Path, model_server: Any) -> None:
    secret = "sk-test-secret-openai-key"
    result = run_inspect(
        "subprocess",
        [
            "eval",
            f"{INSPECT_TASKS}@arith",
            "--model",
            "openai/gpt-test",
            "-M",
            "api_key=sk-also-secret-in-args",
            "--log-format",
            "json",
            "--display",
            "plain",
        ],
        tmp_path,
        env={k: os.environ[k] for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY")},
    )
    assert result.exit_code == 0, result.stderr
    [info] = list_eval_logs(tmp_path / "logs")
    text = Path(info.name.removeprefix("file://")).read_text()
    for leaked in (secret, "sk-also-secret-in-args"):
        assert leaked not in text and leaked not in result.stdout and leaked not in result.stderr
    assert read_eval_log(info.name).eval.model_args == {"api_key": "<redacted>"}
    model_server.fail_always = ("500", None)
    failed = run_inspect(
        "subprocess",
        ["eval", f"{INSPECT_TASKS}@arith", "--model", "openai/gpt-test", "--max-retries", "1"],
        tmp_path,
        env={k: os.environ[k] for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "INSPECT_CLI_RETRY_DELAY")},
    )
    assert failed.exit_code == 1 and secret not in failed.stdout + failed.stderr


def test_eval_against_the_openai_server_and_concurrency(tmp_path: Path, model_server: Any) -> None:
    model_server.answers = {"Say 1": "1", "Say 2": "2"}
    model_server.delay = 0.05
    [log] = eval(
        f"{NATIVE_TASKS}@numbers", model="openai/gpt-test", log_dir=str(tmp_path), display="none", max_connections=4
    )
    assert log.status == "success" and model_server.requests == 40
    assert model_server.max_in_flight == 4
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == pytest.approx(2 / 40)
    assert log.eval.config.max_samples == 5  # max_connections + 1
    assert log.stats.model_usage["openai/gpt-test"].input_tokens > 0
    model_server.reset()
    model_server.delay = 0.05
    eval(f"{NATIVE_TASKS}@numbers", model="openai/gpt-test", log_dir=str(tmp_path), display="none", max_samples=2)
    assert model_server.max_in_flight == 2


def test_retries_then_an_error_log_when_the_server_keeps_failing(tmp_path: Path, model_server: Any) -> None:
    model_server.fail_next("429", count=2, retry_after=0)
    [log] = eval(f"{NATIVE_TASKS}@arith", model="openai/gpt-test", log_dir=str(tmp_path), display="none", max_samples=1)
    assert log.status == "success" and model_server.requests == 6
    model_server.fail_always = ("500", None)
    [log] = eval(
        f"{NATIVE_TASKS}@arith", model="anthropic/claude-test", log_dir=str(tmp_path), display="none", max_retries=2
    )
    assert log.status == "error"
    assert log.error is not None and "HTTP 500" in log.error.message and "after 2 retries" in log.error.message


def _start_slow_eval(tmp_path: Path, fmt: str = "eval") -> subprocess.Popen[str]:
    args = [
        "eval", f"{NATIVE_TASKS}@numbers", "--model", "mockllm/model", "-M", "delay=0.2",
        "--max-samples", "2", "--log-buffer", "1", "--log-format", fmt, "--display", "plain",
    ]  # fmt: skip
    return start_inspect(args, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_ctrl_c_and_sigterm_give_a_cancelled_log(tmp_path: Path, signum: int, fmt: str) -> None:
    process = _start_slow_eval(tmp_path, fmt)
    location = wait_for_samples(tmp_path / "logs", 3)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    log = read_eval_log(location)
    assert log.status == "cancelled"
    completed = [s for s in log.samples or [] if s.error is None]
    assert len(completed) >= 3
    assert log.results is not None and log.results.completed_samples == len(completed)
    assert "Traceback" not in stderr


def test_sigkill_leaves_a_readable_started_log(tmp_path: Path) -> None:
    process = _start_slow_eval(tmp_path)
    location = wait_for_samples(tmp_path / "logs", 3)
    process.kill()
    process.wait(10)
    log = read_eval_log(location)
    assert log.status == "started"
    assert len(log.samples or []) >= 3
    assert all(s.error is None for s in log.samples or [])


def test_logs_to_s3(tmp_path: Path, s3: str) -> None:
    [log] = eval(f"{NATIVE_TASKS}@arith", model="mockllm/model", log_dir=f"{s3}/evals", display="none", log_buffer=2)
    assert log.location.startswith(f"{s3}/evals/")
    assert read_eval_log(log.location).status == "success"
    assert [info.name for info in list_eval_logs(f"{s3}/evals")] == [log.location]


def test_environment_settings(tmp_path: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_EVAL_MAX_CONNECTIONS", "3")
    monkeypatch.setenv("INSPECT_LOG_FORMAT", "json")
    monkeypatch.setenv("INSPECT_EVAL_MODEL", "openai/gpt-test")
    monkeypatch.setenv("INSPECT_LOG_DIR", str(tmp_path / "from-env"))
    model_server.delay = 0.05
    [log] = eval(f"{NATIVE_TASKS}@numbers", display="none", task_args={"n": 12})
    assert log.location.startswith(str(tmp_path / "from-env")) and log.location.endswith(".json")
    assert log.eval.model == "openai/gpt-test"
    assert model_server.max_in_flight == 3 and log.eval.config.max_samples == 4
    monkeypatch.setenv("INSPECT_EVAL_MAX_SAMPLES", "2")
    model_server.reset()
    model_server.delay = 0.05
    eval(f"{NATIVE_TASKS}@numbers", display="none", task_args={"n": 12})
    assert model_server.max_in_flight == 2


def test_task_attributes_and_choice_shuffling(tmp_path: Path) -> None:
    from inspect_cli.dataset import Dataset

    @task(difficulty="easy")
    def tagged() -> Task:
        return Task(dataset=[Sample(input="x", target="y")], scorer=includes())

    [log] = eval(tagged(), model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert log.eval.task_attribs == {"difficulty": "easy"}
    dataset = Dataset([Sample(input="Pick red", choices=["blue", "red", "green", "white"], target="B")])
    dataset.shuffle_choices(seed=5)
    [sample] = dataset
    assert sorted(sample.choices or []) == ["blue", "green", "red", "white"]
    assert (sample.choices or [])["ABCD".index(str(sample.target))] == "red"  # the target follows its choice


def test_progress_display_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal, `--display full` shows a live progress bar (samples, errors, tokens)."""
    import pty

    controller, terminal = pty.openpty()
    process = start_inspect(
        [
            "eval",
            f"{NATIVE_TASKS}@numbers",
            "--model",
            "mockllm/model",
            "-M",
            "delay=0.02",
            "-T",
            "n=20",
            "--display",
            "full",
        ],
        tmp_path,
        env=clean_env(COLUMNS="120", TERM="xterm"),
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
    process.wait(30)
    os.close(controller)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 0
    assert "numbers" in text and "mockllm/model" in text
    assert "━" in text  # the live bar, drawn by rich (only on a terminal)
    assert "/20" in text and "errors" in text and "tokens" in text
    assert "Log: logs/" in text
    # the outcome: a panel (the task its title; a table of metrics by scorer)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "╭─ numbers ─" in plain and re.search(r"│ model +mockllm/model +│", plain)
    assert re.search(r"│ scorer +accuracy +stderr +│", plain) and re.search(r"│ includes +[0-9.]+ +[0-9.]+ +│", plain)


def test_eval_scorers_name_builtin_metrics_as_inspect_does(tmp_path: Path) -> None:
    """`eval.scorers[].metrics` holds registry names (`inspect_ai/accuracy`, as
    Inspect's logs), `results` the bare ones; a task's own metric keeps its name."""
    from inspect_cli import Task
    from inspect_cli.dataset import Sample
    from inspect_cli.scorer import includes, metric

    @metric
    def count() -> Any:
        def compute(scores: list[Any]) -> float:
            return float(len(scores))

        return compute

    plain = Task(dataset=[Sample(input="a", target="Default")], scorer=includes())
    custom = Task(dataset=[Sample(input="a", target="Default")], scorer=includes(), metrics=[count()])
    plain_log, custom_log = eval([plain, custom], model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert [m["name"] for m in plain_log.eval.scorers[0].metrics] == ["inspect_ai/accuracy", "inspect_ai/stderr"]
    assert list(plain_log.results.scores[0].metrics) == ["accuracy", "stderr"]
    assert [m["name"] for m in custom_log.eval.scorers[0].metrics] == ["count"]
    assert custom_log.results.scores[0].metrics["count"].value == 1.0


def test_eval_async_runs_in_the_callers_event_loop(tmp_path: Path) -> None:
    """`await eval_async(...)` (Inspect's name) takes eval()'s tasks and options where a loop already runs."""
    import asyncio

    from inspect_cli import Task, eval_async
    from inspect_cli.dataset import Sample
    from inspect_cli.scorer import includes

    task = Task(dataset=[Sample(input="a", target="Default"), Sample(input="b", target="x")], scorer=includes())

    async def main() -> list[Any]:
        with pytest.raises(Exception, match="eval_async"):
            eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
        return await eval_async(task, model="mockllm/model", log_dir=str(tmp_path), display="none", limit=1)

    [log] = asyncio.run(main())
    assert log.status == "success" and log.results is not None and log.results.total_samples == 1
    assert os.path.exists(log.location)
