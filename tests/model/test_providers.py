"""Our OpenAI and Anthropic clients against the local server: answers, usage,
retries on transient failures, limits, and secrets kept out of errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inspect_cli.model import ChatMessageSystem, ChatMessageUser, GenerateConfig, ModelAPIError, get_model

PROVIDERS = ["openai/gpt-test", "anthropic/claude-test"]


def _generate(model: str, prompt: str = "What is 2+3?", **config: Any) -> Any:
    async def run() -> Any:
        m = get_model(model, config=GenerateConfig(**config))
        try:
            return await m.generate([ChatMessageSystem(content="Be brief."), ChatMessageUser(content=prompt)])
        finally:
            await m.api.close()

    return asyncio.run(run())


@pytest.mark.parametrize("model", PROVIDERS)
def test_answers_and_usage(model_server: Any, model: str) -> None:
    model_server.answers = {"2+3": "5"}
    output = _generate(model, temperature=0.5, max_tokens=50, top_p=0.9)
    assert output.completion == "5"
    assert output.choices[0].stop_reason == "stop"
    assert (
        output.usage.input_tokens > 0
        and output.usage.total_tokens == output.usage.input_tokens + output.usage.output_tokens
    )
    body = model_server.bodies[-1]
    assert body["temperature"] == 0.5 and body["max_tokens"] == 50 and body["top_p"] == 0.9
    if model.startswith("anthropic"):
        assert body["system"] == "Be brief." and [m["role"] for m in body["messages"]] == ["user"]
    else:
        assert [m["role"] for m in body["messages"]] == ["system", "user"]


@pytest.mark.parametrize("model", PROVIDERS)
@pytest.mark.parametrize("failure", ["429", "500", "drop"])
def test_transient_failures_are_retried(model_server: Any, model: str, failure: str) -> None:
    model_server.answers = {"2+3": "5"}
    model_server.fail_next(failure, count=3, retry_after=0 if failure == "429" else None)
    output = _generate(model, max_retries=5)
    assert output.completion == "5"
    assert model_server.requests == 4


def test_retry_after_is_honoured(model_server: Any) -> None:
    import time

    model_server.fail_next("429", retry_after=0.6)
    started = time.monotonic()
    _generate("openai/gpt-test", max_retries=2)
    assert time.monotonic() - started >= 0.6


@pytest.mark.parametrize("model", PROVIDERS)
def test_gives_up_after_max_retries_with_a_clear_error(model_server: Any, model: str) -> None:
    model_server.fail_always = ("500", None)
    with pytest.raises(ModelAPIError) as info:
        _generate(model, max_retries=2)
    assert model_server.requests == 3
    message = str(info.value)
    assert "HTTP 500" in message and "after 2 retries" in message
    assert "secret" not in message  # the API keys are sk-...-secret-...


def test_client_errors_are_not_retried(model_server: Any) -> None:
    with pytest.raises(ModelAPIError, match="HTTP 400"):
        asyncio.run(get_model("anthropic/claude-test").generate([ChatMessageSystem(content="only a system message")]))
    assert model_server.requests == 1


def test_timeouts_are_retried_then_reported(model_server: Any) -> None:
    model_server.delay = 0.5
    with pytest.raises(ModelAPIError, match="timed out"):
        _generate("openai/gpt-test", timeout=0.1, max_retries=1)
    assert model_server.requests == 2


def test_connection_limit_holds(model_server: Any) -> None:
    model_server.delay = 0.05

    async def run() -> None:
        model = get_model("openai/gpt-test", config=GenerateConfig(max_connections=3))
        await asyncio.gather(*(model.generate(f"question {i}") for i in range(20)))
        await model.api.close()

    asyncio.run(run())
    assert model_server.requests == 20
    assert model_server.max_in_flight == 3


def test_missing_api_key_is_a_clear_error(model_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(ModelAPIError, match="ANTHROPIC_API_KEY is not set"):
        get_model("anthropic/claude-x")
