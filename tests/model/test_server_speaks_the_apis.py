"""The local test server answers like the real APIs: the official SDKs accept it."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest


def test_openai_sdk_against_the_server(model_server: Any) -> None:
    model_server.answers = {"capital": "Paris"}
    client = openai.OpenAI(base_url=f"{model_server.url}/v1", api_key="sk-x", max_retries=0)
    response = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "The capital of France?"}], temperature=0.0
    )
    assert response.choices[0].message.content == "Paris"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage is not None and response.usage.total_tokens > 0
    model_server.fail_next("429")
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    model_server.fail_next("500")
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])


def test_anthropic_sdk_against_the_server(model_server: Any) -> None:
    model_server.answers = {"capital": "Paris"}
    client = anthropic.Anthropic(base_url=model_server.url, api_key="sk-ant-x", max_retries=0)
    message = client.messages.create(
        model="claude-test",
        max_tokens=100,
        system="Be brief.",
        messages=[{"role": "user", "content": "The capital of France?"}],
    )
    assert message.content[0].type == "text" and message.content[0].text == "Paris"  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens >= 0
    model_server.fail_next("429")
    with pytest.raises(anthropic.RateLimitError):
        client.messages.create(model="claude-test", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(anthropic.BadRequestError):  # the server checks requests as the API does
        client.messages.create(model="claude-test", max_tokens=10, messages=[{"role": "assistant", "content": "hi"}])
