"""Working, turn and cost limits, and model costs: a sample past a limit
stops solving, is scored, and records the limit (sample.limit and a
sample_limit event) as Inspect does; costs are usage times prices."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import Task, eval
from inspect_cli.dataset import Sample
from inspect_cli.errors import UsageError
from inspect_cli.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ModelCost,
    ModelOutput,
    ModelUsage,
    _cost,
    get_model,
    set_model_cost,
)
from inspect_cli.scorer import match
from inspect_cli.solver import generate, solver

from support.inspect_ai_env import inspect_ai_python

PRICES = {"input": 1000.0, "output": 2000.0, "input_cache_write": 0.0, "input_cache_read": 0.0}


@pytest.fixture(autouse=True)
def _no_prices() -> Any:
    _cost._PRICES.clear()
    yield
    _cost._PRICES.clear()


@solver
def looping(pause: float = 0.0) -> Any:
    """Generates until a limit stops it."""

    async def solve(state: Any, generate: Any) -> Any:
        state = await generate(state)
        while True:
            if pause:
                await asyncio.sleep(pause)
            state.messages.append(state.user_prompt)
            state = await generate(state)

    return solve


def _output(input_tokens: int = 3, output_tokens: int = 4) -> Any:
    """A mockllm answering forever with this usage."""

    def answer(messages: Any) -> ModelOutput:
        return ModelOutput(
            model="mockllm/model",
            choices=[ChatCompletionChoice(message=ChatMessageAssistant(content="Hello"), stop_reason="stop")],
            usage=ModelUsage(
                input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=input_tokens + output_tokens
            ),
        )

    return get_model("mockllm/model", custom_outputs=answer)


def _task(**limits: Any) -> Task:
    return Task(dataset=[Sample(input="Say Hello", target="Hello")], solver=looping(), scorer=match(), **limits)


def _limit_events(sample: Any) -> list[Any]:
    return [e for e in sample.events if e.event == "sample_limit"]


def test_turn_limit_allows_n_generations_and_stops_at_the_next(tmp_path: Path) -> None:
    [log] = eval(_task(), model=_output(), turn_limit=2, log_dir=str(tmp_path), display="none")
    assert log.status == "success" and log.eval.config.turn_limit == 2
    [sample] = log.samples
    # as Inspect: the 3rd generation is made and counted, its answer not kept
    assert len([e for e in sample.events if e.event == "model"]) == 3
    assert len(sample.messages) == 5 and sample.turn_count == 3
    assert (sample.limit.type, sample.limit.limit) == ("turn", 2.0)
    [event] = _limit_events(sample)
    assert event.type == "turn" and event.message == "Turn limit exceeded. value: 3; limit: 2"
    assert sample.scores["match"].value == "C"  # scored all the same


def test_task_turn_limit(tmp_path: Path) -> None:
    [log] = eval(_task(turn_limit=1), model=_output(), log_dir=str(tmp_path), display="none")
    assert log.samples[0].limit.type == "turn" and log.eval.config.turn_limit == 1


def test_cost_is_usage_times_prices_per_million(tmp_path: Path) -> None:
    set_model_cost("mockllm/model", ModelCost(**PRICES))
    task = Task(dataset=[Sample(input="Say Hello", target="Hello")], solver=generate(), scorer=match())
    [log] = eval(task, model=_output(3, 4), log_dir=str(tmp_path), display="none")
    cost = (3 * 1000 + 4 * 2000) / 1_000_000
    assert log.stats.model_usage["mockllm/model"].total_cost == pytest.approx(cost)
    [sample] = log.samples
    assert sample.model_usage["mockllm/model"].total_cost == pytest.approx(cost)
    [model_event] = [e for e in sample.events if e.event == "model"]
    assert model_event.output.usage.total_cost == pytest.approx(cost)


def test_no_prices_no_cost(tmp_path: Path) -> None:
    task = Task(dataset=[Sample(input="Say Hello", target="Hello")], solver=generate(), scorer=match())
    [log] = eval(task, model=_output(), log_dir=str(tmp_path), display="none")
    assert log.stats.model_usage["mockllm/model"].total_cost is None


def test_cost_limit_with_a_cost_config_file(tmp_path: Path) -> None:
    config = tmp_path / "prices.yaml"
    # keyed by the model's name without its provider, as Inspect allows
    config.write_text("model:\n" + "".join(f"  {k}: {v}\n" for k, v in PRICES.items()))
    [log] = eval(
        _task(), model=_output(), cost_limit=0.02, model_cost_config=str(config), log_dir=str(tmp_path), display="none"
    )
    [sample] = log.samples
    # $0.011 per generation: the second one goes past $0.02
    assert sample.model_usage["mockllm/model"].total_cost == pytest.approx(0.022)
    assert (sample.limit.type, sample.limit.limit) == ("cost", 0.02)
    assert _limit_events(sample)[0].message == "Cost limit exceeded. value: $0.0220; limit: $0.0200"
    assert log.eval.config.cost_limit == 0.02
    assert log.stats.model_usage["mockllm/model"].total_cost == pytest.approx(0.022)


def test_cost_limit_without_prices_is_refused_before_running(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="mockllm/model has none"):
        eval(_task(), model="mockllm/model", cost_limit=1.0, log_dir=str(tmp_path), display="none")
    assert not list(tmp_path.iterdir())


def test_bad_cost_config_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "prices.json"
    config.write_text('{"mockllm/model": {"input": "cheap"}}')
    with pytest.raises(UsageError, match="price of mockllm/model"):
        eval(_task(), model="mockllm/model", model_cost_config=str(config), log_dir=str(tmp_path), display="none")


def test_working_limit_stops_a_working_sample(tmp_path: Path) -> None:
    task = Task(dataset=[Sample(input="Say Hello", target="Hello")], solver=looping(pause=0.3), scorer=match())
    [log] = eval(task, model=_output(), working_limit=1, log_dir=str(tmp_path), display="none")
    [sample] = log.samples
    assert (sample.limit.type, sample.limit.limit) == ("working", 1.0)
    assert 1.0 <= sample.working_time < 2.0
    assert _limit_events(sample)[0].message == "Working time limit exceeded. limit: 1 seconds"
    assert log.eval.config.working_limit == 1


def test_waiting_for_a_connection_is_not_working_time(tmp_path: Path) -> None:
    # one connection, two samples answering slowly: each waits for the other's requests
    task = Task(dataset=[Sample(input=f"q{i}", target="x") for i in range(2)], solver=looping(), scorer=match())
    [log] = eval(
        task,
        model="mockllm/model",
        model_args={"delay": 0.4},
        working_limit=1,
        max_connections=1,
        log_dir=str(tmp_path),
        display="none",
    )
    for sample in log.samples:
        assert sample.limit.type == "working"
        assert sample.total_time > sample.working_time + 0.5


def test_inspect_ai_reads_the_limits_and_costs(tmp_path: Path) -> None:
    set_model_cost("mockllm/model", ModelCost(**PRICES))
    [log] = eval(
        _task(),
        model=_output(),
        turn_limit=2,
        working_limit=30,
        cost_limit=5.0,
        log_dir=str(tmp_path),
        log_format="json",
        display="none",
    )
    script = (
        "import json, sys\n"
        "from inspect_ai.log import read_eval_log\n"
        "log = read_eval_log(sys.argv[1])\n"
        "s = log.samples[0]\n"
        "c = log.eval.config\n"
        "ev = [e for e in s.events if e.event == 'sample_limit'][0]\n"
        "print(json.dumps([c.turn_limit, c.working_limit, c.cost_limit, s.limit.type, s.limit.limit, ev.type,\n"
        "  log.stats.model_usage['mockllm/model'].total_cost, s.model_usage['mockllm/model'].total_cost, s.turn_count]))\n"
    )
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", script, log.location], capture_output=True, text=True, check=True
    )
    assert json.loads(run.stdout) == [2, 30, 5.0, "turn", 2.0, "turn", pytest.approx(0.033), pytest.approx(0.033), 3]
