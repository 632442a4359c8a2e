"""Generation settings in the requests to the providers, as Inspect 0.3.285's
OpenAI and Anthropic providers send them (observed against the local model
server); settings a provider has no use for are left out, not an error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inspect_cli.model import ChatMessageUser, GenerateConfig, ModelAPIError, get_model

OPENAI, ANTHROPIC = "openai/gpt-test", "anthropic/claude-sonnet-4-5"
SCHEMA = {"name": "answer", "json_schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}


def _send(model: str, **config: Any) -> None:
    async def run() -> None:
        m = get_model(model, config=GenerateConfig(**config))
        try:
            await m.generate([ChatMessageUser(content="What is 2+3?")])
        finally:
            await m.api.close()

    asyncio.run(run())


def _body(server: Any, model: str, **config: Any) -> dict[str, Any]:
    _send(model, **config)
    body: dict[str, Any] = server.bodies[-1]
    return body


@pytest.mark.parametrize(
    ("setting", "value", "key", "sent"),
    [
        ("frequency_penalty", 0.5, "frequency_penalty", 0.5),
        ("presence_penalty", -0.5, "presence_penalty", -0.5),
        ("logit_bias", {"42": 10.0, "43": -10.0}, "logit_bias", {"42": 10.0, "43": -10.0}),
        ("stop_seqs", ["a", "b c"], "stop", ["a", "b c"]),
        ("num_choices", 2, "n", 2),
        ("logprobs", True, "logprobs", True),
        ("top_logprobs", 3, "top_logprobs", 3),
        ("prompt_logprobs", 2, "prompt_logprobs", 2),
        ("reasoning_effort", "high", "reasoning_effort", "high"),
        ("extra_body", {"k": {"v": 1}}, "k", {"v": 1}),
        (
            "response_schema",
            SCHEMA,
            "response_format",
            {"type": "json_schema", "json_schema": {"name": "answer", "schema": SCHEMA["json_schema"]}},
        ),
    ],
)
def test_openai_sends(model_server: Any, setting: str, value: Any, key: str, sent: Any) -> None:
    assert _body(model_server, OPENAI, **{setting: value})[key] == sent


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("best_of", 3),
        ("reasoning_tokens", 100),
        ("reasoning_summary", "concise"),
        ("reasoning_history", "last"),
        ("cache_prompt", True),
        ("fallback_models", ["openai/other"]),
        ("verbosity", "low"),  # Inspect sends these three only to the Responses API
        ("reasoning_mode", "pro"),
        ("modalities", ["image"]),
        ("effort", "high"),  # Anthropic's
    ],
)
def test_openai_leaves_out_what_chat_completions_has_no_use_for(model_server: Any, setting: str, value: Any) -> None:
    body = _body(model_server, OPENAI, **{setting: value})
    assert set(body) == {"model", "messages"}


def test_openai_no_reasoning_effort_for_gpt_4_models(model_server: Any) -> None:
    assert "reasoning_effort" not in _body(model_server, "openai/gpt-4o-mini", reasoning_effort="high")


@pytest.mark.parametrize("model", [OPENAI, ANTHROPIC])
def test_extra_headers_are_sent(model_server: Any, model: str) -> None:
    _send(model, extra_headers={"X-Trace-Id": "abc"})
    assert model_server.headers[-1]["X-Trace-Id"] == "abc"
    assert model_server.bodies[-1].get("extra_headers") is None


def test_anthropic_stop_sequences_cache_and_fallbacks(model_server: Any) -> None:
    body = _body(
        model_server, ANTHROPIC, stop_seqs=["a", "b c"], cache_prompt=True, fallback_models=["anthropic/claude-x"]
    )
    assert body["stop_sequences"] == ["a", "b c"]
    assert body["cache_control"] == {"type": "ephemeral"}
    assert body["fallbacks"] == [{"model": "anthropic/claude-x"}]
    assert "cache_control" not in _body(model_server, ANTHROPIC, cache_prompt=False)


def test_anthropic_reasoning_tokens_is_a_thinking_budget(model_server: Any) -> None:
    body = _body(model_server, ANTHROPIC, reasoning_tokens=2000, temperature=0.3, top_k=3, max_tokens=5000)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert body["max_tokens"] == 5000
    assert "temperature" not in body and "top_k" not in body  # refused while thinking
    # without max_tokens there is room for the answer beside the budget
    assert _body(model_server, ANTHROPIC, reasoning_tokens=2000)["max_tokens"] > 2000


@pytest.mark.parametrize(("effort", "budget"), [("low", 4096), ("medium", 10000), ("high", 16000)])
def test_anthropic_reasoning_effort_is_a_thinking_budget(model_server: Any, effort: str, budget: int) -> None:
    body = _body(model_server, ANTHROPIC, reasoning_effort=effort)
    assert body["thinking"]["budget_tokens"] == budget


def test_anthropic_models_that_cannot_think_get_no_budget(model_server: Any) -> None:
    body = _body(model_server, "anthropic/claude-3-5-sonnet-latest", reasoning_tokens=2000, temperature=0.3)
    assert "thinking" not in body and body["temperature"] == 0.3


def test_anthropic_response_schema_is_a_closed_output_format(model_server: Any) -> None:
    body = _body(model_server, ANTHROPIC, response_schema=SCHEMA)
    assert body["output_format"] == {
        "type": "json_schema",
        "schema": {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
    }


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("best_of", 3),
        ("frequency_penalty", 0.5),
        ("presence_penalty", 0.5),
        ("logit_bias", {"42": 1.0}),
        ("num_choices", 2),
        ("logprobs", True),
        ("top_logprobs", 3),
        ("prompt_logprobs", 2),
        ("reasoning_summary", "concise"),
        ("reasoning_history", "last"),
        ("verbosity", "low"),
        ("reasoning_mode", "pro"),
        ("modalities", ["image"]),
    ],
)
def test_anthropic_leaves_out_what_the_messages_api_has_no_use_for(model_server: Any, setting: str, value: Any) -> None:
    assert set(_body(model_server, ANTHROPIC, **{setting: value})) == {"model", "max_tokens", "messages"}


@pytest.mark.parametrize("model", [OPENAI, ANTHROPIC])
def test_attempt_timeout_abandons_and_retries_an_attempt(model_server: Any, model: str) -> None:
    model_server.delay = 1.0
    with pytest.raises(ModelAPIError, match=r"timed out after 0.2 s \(after 1 retries\)"):
        _send(model, attempt_timeout=0.2, max_retries=1)
    assert model_server.requests == 2


@pytest.mark.parametrize(
    ("model", "effort", "sent"),
    [
        ("claude-sonnet-4-5", "low", "low"),
        ("claude-sonnet-4-5", "max", "high"),  # max needs Claude 4.6
        ("claude-opus-4-6", "max", "max"),
        ("claude-opus-4-6", "xhigh", "high"),  # xhigh needs Claude 4.7
        ("claude-opus-4-7", "xhigh", "xhigh"),
        ("claude-sonnet-4-20250514", "max", "high"),  # a date is no minor version
        ("claude-opus-5", "xhigh", "xhigh"),
        ("claude-test", "max", "max"),  # no version: as given
    ],
)
def test_anthropic_effort_is_an_output_config_with_its_beta(
    model_server: Any, model: str, effort: str, sent: str
) -> None:
    body = _body(model_server, "anthropic/" + model, effort=effort)
    assert body["output_config"] == {"effort": sent}
    assert model_server.headers[-1]["anthropic-beta"] == "effort-2025-11-24"


def test_anthropic_effort_beta_joins_the_callers_betas(model_server: Any) -> None:
    _send(ANTHROPIC, effort="low", extra_headers={"Anthropic-Beta": "other-beta"})
    headers = {k.lower(): v for k, v in model_server.headers[-1].items()}
    assert headers["anthropic-beta"] == "other-beta,effort-2025-11-24"
    _send(ANTHROPIC)
    assert "anthropic-beta" not in {k.lower() for k in model_server.headers[-1]}
