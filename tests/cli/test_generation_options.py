"""The generation and limit options of `inspect eval`, `eval-set` and
`eval-retry`: recorded in the log where Inspect records them (and read back
by inspect-ai 0.3.285), taken from INSPECT_EVAL_<OPTION> too, and bad values
refused in one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.cli_runner import MODES, run_inspect
from support.inspect_ai_env import inspect_ai_python

TASK = """
from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import match
from inspect_ai.solver import generate

@task
def t():
    return Task(dataset=[Sample(input="What is 2+3?", target="5", id=1)], solver=generate(), scorer=match())
"""
SCHEMA = {"name": "s", "json_schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}
PRICES = "mockllm/model:\n  input: 1000\n  output: 2000\n  input_cache_write: 0\n  input_cache_read: 0\n"

# option and value on the command line -> field and value in model_generate_config
GENERATE = [
    ("--best-of", "2", "best_of", 2),
    ("--frequency-penalty", "0.5", "frequency_penalty", 0.5),
    ("--presence-penalty", "-0.5", "presence_penalty", -0.5),
    ("--logit-bias", "42=10,43=-10", "logit_bias", {"42": 10.0, "43": -10.0}),
    ("--stop-seqs", "a,b c", "stop_seqs", ["a", "b c"]),
    ("--num-choices", "2", "num_choices", 2),
    ("--logprobs", None, "logprobs", True),
    ("--top-logprobs", "3", "top_logprobs", 3),
    ("--prompt-logprobs", "2", "prompt_logprobs", 2),
    ("--cache-prompt", "true", "cache_prompt", True),
    ("--verbosity", "low", "verbosity", "low"),
    ("--effort", "xhigh", "effort", "xhigh"),
    ("--reasoning-effort", "high", "reasoning_effort", "high"),
    ("--reasoning-mode", "pro", "reasoning_mode", "pro"),
    ("--reasoning-tokens", "100", "reasoning_tokens", 100),
    ("--reasoning-summary", "concise", "reasoning_summary", "concise"),
    ("--reasoning-history", "last", "reasoning_history", "last"),
    ("--response-schema", json.dumps(SCHEMA), "response_schema", SCHEMA),
    ("--extra-headers", '{"X-A": "b"}', "extra_headers", {"X-A": "b"}),
    ("--extra-body", "{k: {v: 1}}", "extra_body", {"k": {"v": 1}}),  # YAML too
    ("--modalities", "image", "modalities", ["image"]),
    ("--fallback-models", "openai/a,anthropic/b", "fallback_models", ["openai/a", "anthropic/b"]),
    ("--attempt-timeout", "20", "attempt_timeout", 20),
]
# -> field and value in eval.config
LIMITS = [
    ("--working-limit", "30", "working_limit", 30),
    ("--turn-limit", "5", "turn_limit", 5),
    ("--cost-limit", "1.5", "cost_limit", 1.5),
]


def _args(options: list[tuple[str, str | None, str, Any]]) -> list[str]:
    return [word for option, value, _, _ in options for word in ([option] if value is None else [option, value])]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One eval with every option; what we wrote and what inspect-ai reads of it."""
    folder = tmp_path_factory.mktemp("gen")
    (folder / "task.py").write_text(TASK)
    (folder / "prices.yaml").write_text(PRICES)
    args = ["eval", "task.py", "--model", "mockllm/model", "--log-dir", "logs", "--log-format", "json"]
    args += [*_args(GENERATE + LIMITS), "--model-cost-config", "prices.yaml", "--display", "none"]
    result = run_inspect("inprocess", args, folder)
    assert result.exit_code == 0, result.stderr
    [path] = (folder / "logs").glob("*.json")
    ours = json.loads(path.read_text())
    script = (
        "import json, sys\n"
        "from inspect_ai.log import read_eval_log\n"
        "log = read_eval_log(sys.argv[1])\n"
        "print(json.dumps({'generate': log.eval.model_generate_config.model_dump(exclude_none=True),\n"
        "  'plan': log.plan.config.model_dump(exclude_none=True),\n"
        "  'config': log.eval.config.model_dump(exclude_none=True),\n"
        "  'cost': log.stats.model_usage['mockllm/model'].total_cost}))\n"
    )
    run = subprocess.run([str(inspect_ai_python()), "-c", script, str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return {"ours": ours, "theirs": json.loads(run.stdout)}


@pytest.mark.parametrize(("option", "value", "field", "expected"), GENERATE, ids=[g[0] for g in GENERATE])
def test_generation_option_is_recorded_and_read_by_inspect_ai(
    recorded: dict[str, Any], option: str, value: str | None, field: str, expected: Any
) -> None:
    assert recorded["ours"]["eval"]["model_generate_config"][field] == expected
    assert recorded["ours"]["plan"]["config"][field] == expected
    theirs = recorded["theirs"]["generate"][field]
    if field == "logit_bias":  # inspect-ai's token ids are ints
        theirs = {str(k): v for k, v in theirs.items()}
    assert theirs == expected
    assert recorded["theirs"]["plan"][field] == recorded["theirs"]["generate"][field]


@pytest.mark.parametrize(("option", "value", "field", "expected"), LIMITS, ids=[g[0] for g in LIMITS])
def test_limit_option_is_recorded_and_read_by_inspect_ai(
    recorded: dict[str, Any], option: str, value: str, field: str, expected: Any
) -> None:
    assert recorded["ours"]["eval"]["config"][field] == expected
    assert recorded["theirs"]["config"][field] == expected


def test_model_cost_config_prices_the_usage(recorded: dict[str, Any]) -> None:
    usage = recorded["ours"]["stats"]["model_usage"]["mockllm/model"]
    cost = (usage["input_tokens"] * 1000 + usage["output_tokens"] * 2000) / 1_000_000
    assert usage["total_cost"] == pytest.approx(cost) and cost > 0
    assert recorded["theirs"]["cost"] == pytest.approx(cost)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    from inspect_cli.model import _cost

    _cost._PRICES.clear()  # prices are the process's: none from the evals before
    (tmp_path / "task.py").write_text(TASK)
    return tmp_path


def _generate_config(folder: Path) -> dict[str, Any]:
    [path] = (folder / "logs").glob("*.json")
    recorded: dict[str, Any] = json.loads(path.read_text())["eval"]["model_generate_config"]
    return recorded


@pytest.mark.parametrize("mode", MODES)
def test_options_from_the_environment(folder: Path, mode: str) -> None:
    env = {"INSPECT_EVAL_BEST_OF": "3", "INSPECT_EVAL_LOGPROBS": "true", "INSPECT_EVAL_STOP_SEQS": "x,y"}
    env["INSPECT_EVAL_REASONING_EFFORT"] = "low"
    env["INSPECT_EVAL_EFFORT"] = "max"
    env["INSPECT_EVAL_MODALITIES"] = "image"
    args = ["eval", "task.py", "--model", "mockllm/model", "--log-dir", "logs", "--log-format", "json"]
    result = run_inspect(mode, [*args, "--best-of", "4", "--display", "none"], folder, env=env)
    assert result.exit_code == 0, result.stderr
    config = _generate_config(folder)
    # the command line wins over the environment
    assert (config["best_of"], config["logprobs"], config["stop_seqs"]) == (4, True, ["x", "y"])
    assert config["reasoning_effort"] == "low"
    assert (config["effort"], config["modalities"]) == ("max", ["image"])


def test_a_bad_environment_value_names_the_variable(folder: Path) -> None:
    args = ["eval", "task.py", "--model", "mockllm/model", "--log-dir", "logs"]
    result = run_inspect("inprocess", args, folder, env={"INSPECT_EVAL_TURN_LIMIT": "many"})
    assert result.exit_code == 2
    assert "INSPECT_EVAL_TURN_LIMIT" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--logit-bias", "a=1"], "expected TOKEN_ID=BIAS"),
        (["--response-schema", "{}"], "--response-schema"),
        (["--response-schema", "{nope"], "not JSON"),
        (["--extra-body", "[1]"], "expected a JSON or YAML mapping"),
        (["--reasoning-effort", "huge"], "--reasoning-effort"),
        (["--effort", "none"], "--effort"),
        (["--verbosity", "max"], "--verbosity"),
        (["--reasoning-mode", "fast"], "--reasoning-mode"),
        (["--modalities", "audio"], "expected 'image' or an image output config"),
        (["--modalities", "missing.yaml"], "modalities file not found: missing.yaml"),
        (["--modalities", "conf/mods"], "modalities file not found: conf/mods"),
        (["--modalities", "dict.yaml"], "dict.yaml must hold a list"),
        (["--modalities", "other.yaml"], "expected 'image' or an image output config"),
        (["--cost-limit", "0"], "must be more than 0"),
        (["--attempt-timeout", "-1"], "must be more than 0"),
        (["--cost-limit", "1"], "mockllm/model has none"),
        (["--model-cost-config", "missing.yaml"], "model cost config not found: missing.yaml"),
    ],
)
def test_bad_values_are_refused_in_one_line(folder: Path, args: list[str], message: str) -> None:
    (folder / "dict.yaml").write_text("options: {}\n")
    (folder / "other.yaml").write_text("- image\n- audio\n")
    base = ["eval", "task.py", "--model", "mockllm/model", "--log-dir", "logs"]
    result = run_inspect("inprocess", [*base, *args], folder)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "logs").exists()


@pytest.mark.parametrize("name", ["modalities.yaml", "modalities"])  # a file that exists is read, whatever its name
def test_modalities_from_a_file_are_recorded_and_read_by_inspect_ai(folder: Path, name: str) -> None:
    (folder / name).write_text("- image\n- options: {openai: {quality: high, size: 1024x1024}}\n")
    args = ["eval", "task.py", "--model", "mockllm/model", "--log-dir", "logs", "--log-format", "json"]
    result = run_inspect("inprocess", [*args, "--modalities", name, "--display", "none"], folder)
    assert result.exit_code == 0, result.stderr
    expected = ["image", {"options": {"openai": {"quality": "high", "size": "1024x1024"}}}]
    assert _generate_config(folder)["modalities"] == expected
    [path] = (folder / "logs").glob("*.json")
    script = (
        "import sys\n"
        "from inspect_ai.log import read_eval_log\n"
        "from inspect_ai.model import ImageOutput\n"
        "m = read_eval_log(sys.argv[1]).plan.config.modalities\n"
        "assert m[0] == 'image' and isinstance(m[1], ImageOutput), m\n"
        "print(m[1].options['openai']['quality'])\n"
    )
    run = subprocess.run([str(inspect_ai_python()), "-c", script, str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "high"


def test_eval_set_takes_the_options(folder: Path) -> None:
    args = ["eval-set", "task.py", "--model", "mockllm/model", "--log-dir", "logs", "--log-format", "json"]
    args += ["--turn-limit", "3", "--stop-seqs", "x", "--attempt-timeout", "9", "--display", "none"]
    args += ["--verbosity", "high", "--effort", "low", "--reasoning-mode", "standard", "--modalities", "image"]
    result = run_inspect("inprocess", args, folder)
    assert result.exit_code == 0, result.stderr
    [path] = (p for p in (folder / "logs").glob("*.json") if p.name not in ("eval-set.json", "logs.json"))
    spec = json.loads(path.read_text())["eval"]
    assert spec["config"]["turn_limit"] == 3
    assert spec["model_generate_config"]["stop_seqs"] == ["x"]
    assert spec["model_generate_config"]["attempt_timeout"] == 9
    recorded = spec["model_generate_config"]
    assert (recorded["verbosity"], recorded["effort"], recorded["reasoning_mode"]) == ("high", "low", "standard")
    assert recorded["modalities"] == ["image"]


def test_eval_retry_takes_attempt_timeout_and_keeps_the_limits(folder: Path) -> None:
    args = ["eval", "task.py", "--model", "mockllm/model", "--log-dir", "logs", "--log-format", "json"]
    result = run_inspect("inprocess", [*args, "--turn-limit", "3", "--display", "none"], folder)
    assert result.exit_code == 0, result.stderr
    [first] = (folder / "logs").glob("*.json")
    retry = ["eval-retry", str(first), "--log-dir", "retried", "--attempt-timeout", "7", "--display", "none"]
    result = run_inspect("inprocess", retry, folder)
    assert result.exit_code == 0, result.stderr
    [path] = (folder / "retried").glob("*.json")
    spec = json.loads(path.read_text())["eval"]
    assert spec["model_generate_config"]["attempt_timeout"] == 7
    assert spec["config"]["turn_limit"] == 3
