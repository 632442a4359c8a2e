"""`openai/<model>`: OpenAI's Chat Completions API, or any server that speaks it
(vLLM, Ollama, llama.cpp, ...) at OPENAI_BASE_URL."""

from __future__ import annotations

import json
from typing import Any

from .. import settings
from ..log._types import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ContentImage,
    ContentText,
    GenerateConfig,
    ModelCall,
    ModelOutput,
    ModelUsage,
    ToolCall,
)
from ._api import ModelAPIError, modelapi
from ._http import HttpModelAPI, schema_fields

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_STOP_REASONS = {
    "stop": "stop",
    "length": "max_tokens",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


@modelapi("openai")
class OpenAIAPI(HttpModelAPI):
    provider = "openai"
    base_url_var = settings.OPENAI_BASE_URL
    api_key_var = settings.OPENAI_API_KEY
    default_base_url = DEFAULT_BASE_URL
    key_needed_elsewhere = False  # local OpenAI-compatible servers often take none
    settings = (
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("max_tokens", "max_tokens"),
        ("seed", "seed"),
        ("stop_seqs", "stop"),
        ("frequency_penalty", "frequency_penalty"),
        ("presence_penalty", "presence_penalty"),
        ("num_choices", "n"),
        ("logprobs", "logprobs"),
        ("top_logprobs", "top_logprobs"),
        ("logit_bias", "logit_bias"),
        ("parallel_tool_calls", "parallel_tool_calls"),
        ("prompt_logprobs", "prompt_logprobs"),  # vLLM's extension
    )
    # Not in Chat Completions, so not sent: best_of, reasoning_tokens,
    # reasoning_summary, reasoning_history, verbosity, reasoning_mode,
    # cache_prompt (caching is implicit), effort and fallback_models
    # (Anthropic's), as Inspect's provider does. Inspect moves to the Responses
    # API for `modalities` (image output), which this provider does not speak:
    # it is recorded, not sent.

    async def generate(self, input: list[ChatMessage], config: GenerateConfig) -> tuple[ModelOutput, ModelCall | None]:
        body: dict[str, Any] = {"model": self.model_name, "messages": [_message(m) for m in input]}
        if config.reasoning_effort is not None and _reasons(self.model_name):
            body["reasoning_effort"] = config.reasoning_effort
        if config.response_schema is not None:
            body["response_format"] = _response_format(config.response_schema)
        self.with_settings(body, config)
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        response = await self.http.post_json(
            self.endpoint("/chat/completions"),
            body,
            self.headers(config, headers),
            config.max_retries,
            config.timeout,
            config.attempt_timeout,
        )
        return _output(response, self.model_name), ModelCall(request=body, response=response)


def _reasons(model_name: str) -> bool:
    """Whether the model takes `reasoning_effort`: not the GPT-3/GPT-4 chat
    models nor gpt-oss (which reject or ignore it; Inspect leaves it out for
    them too); reasoning models and unknown (e.g. local) models do."""
    name = model_name.rpartition("/")[2].lower()
    return not name.startswith(("gpt-3", "gpt-4", "gpt-oss"))


def _response_format(schema: Any) -> dict[str, Any]:
    """A ResponseSchema (name, json_schema, description, strict) as Chat
    Completions' structured output."""
    fields = schema_fields(schema)
    spec: dict[str, Any] = {"name": fields["name"], "schema": fields["json_schema"]}
    for key in ("description", "strict"):
        if fields.get(key) is not None:
            spec[key] = fields[key]
    return {"type": "json_schema", "json_schema": spec}


def _message(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role}
    if isinstance(message.content, str):
        out["content"] = message.content
    else:
        parts: list[dict[str, Any]] = []
        for part in message.content:
            if isinstance(part, ContentText):
                parts.append({"type": "text", "text": part.text})
            elif isinstance(part, ContentImage):
                parts.append({"type": "image_url", "image_url": {"url": part.image, "detail": part.detail}})
        out["content"] = parts
    if isinstance(message, ChatMessageAssistant) and message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.function, "arguments": json.dumps(c.arguments)}}
            for c in message.tool_calls
        ]
    if message.role == "tool":
        out["tool_call_id"] = getattr(message, "tool_call_id", None)
    return out


def _output(response: dict[str, Any], model_name: str) -> ModelOutput:
    try:
        choices = []
        for choice in response["choices"]:
            message = choice.get("message") or {}
            calls = [
                ToolCall(
                    id=c.get("id", ""),
                    function=c["function"]["name"],
                    arguments=_arguments(c["function"].get("arguments")),
                    type="function",
                )
                for c in message.get("tool_calls") or []
            ]
            choices.append(
                ChatCompletionChoice(
                    message=ChatMessageAssistant(content=message.get("content") or "", tool_calls=calls or None),
                    stop_reason=_STOP_REASONS.get(choice.get("finish_reason") or "stop", "unknown"),
                )
            )
    except (KeyError, TypeError) as ex:
        raise ModelAPIError(f"unexpected response from the OpenAI API (missing {ex})") from None
    usage = response.get("usage") or {}
    return ModelOutput(
        model=response.get("model") or model_name,
        choices=choices,
        usage=ModelUsage(
            input_tokens=usage.get("prompt_tokens", 0),
            output_tokens=usage.get("completion_tokens", 0),
            total_tokens=usage.get("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)),
        ),
    )


def _arguments(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}
