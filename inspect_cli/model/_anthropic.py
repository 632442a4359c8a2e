"""`anthropic/<model>`: Anthropic's Messages API (at ANTHROPIC_BASE_URL if set)."""

from __future__ import annotations

import re
from typing import Any

from .. import settings
from ..log._types import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelCall,
    ModelOutput,
    ModelUsage,
    ToolCall,
)
from ._api import ModelAPIError, modelapi
from ._http import HttpModelAPI, schema_fields

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
EFFORT_BETA = "effort-2025-11-24"  # the beta `output_config.effort` needs
_STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "max_tokens",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


@modelapi("anthropic")
class AnthropicAPI(HttpModelAPI):
    provider = "anthropic"
    base_url_var = settings.ANTHROPIC_BASE_URL
    api_key_var = settings.ANTHROPIC_API_KEY
    default_base_url = DEFAULT_BASE_URL
    settings = (("stop_seqs", "stop_sequences"),)
    # Not in the Messages API, so not sent (as by Inspect's provider): best_of,
    # frequency/presence penalties, logit_bias, num_choices, logprobs,
    # top_logprobs, prompt_logprobs, reasoning_summary, reasoning_history,
    # verbosity, reasoning_mode, modalities (OpenAI's).

    async def generate(self, input: list[ChatMessage], config: GenerateConfig) -> tuple[ModelOutput, ModelCall | None]:
        system = "\n\n".join(m.text for m in input if m.role == "system")
        budget = _thinking_budget(self.model_name, config)
        max_tokens = config.max_tokens or DEFAULT_MAX_TOKENS + (budget or 0)
        body: dict[str, Any] = {
            "model": self.model_name,
            "max_tokens": max_tokens,
            "messages": _messages([m for m in input if m.role != "system"]),
        }
        if system:
            body["system"] = system
        if budget is None:  # sampling settings are refused while the model thinks
            for name in ("temperature", "top_p", "top_k"):
                if getattr(config, name) is not None:
                    body[name] = getattr(config, name)
        else:
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        if config.cache_prompt is True or config.cache_prompt == "auto":
            body["cache_control"] = {"type": "ephemeral"}
        if config.effort is not None:
            body["output_config"] = {"effort": _effort(self.model_name, config.effort)}
        if config.fallback_models:
            body["fallbacks"] = [{"model": m} for m in config.fallback_models]
        if config.response_schema is not None:
            fields = schema_fields(config.response_schema)
            body["output_format"] = {"type": "json_schema", "schema": _closed(fields["json_schema"])}
        self.with_settings(body, config)
        headers = {
            "x-api-key": self.api_key or "",
            "anthropic-version": API_VERSION,
            "content-type": "application/json",
        }
        headers = self.headers(config, headers)
        if config.effort is not None:  # the beta joins any the caller asked for
            betas = [v for k, v in headers.items() if k.lower() == "anthropic-beta"]
            headers = {k: v for k, v in headers.items() if k.lower() != "anthropic-beta"}
            headers["anthropic-beta"] = ",".join([*betas, EFFORT_BETA])
        response = await self.http.post_json(
            self.endpoint("/v1/messages"),
            body,
            headers,
            config.max_retries,
            config.timeout,
            config.attempt_timeout,
        )
        return _output(response, self.model_name), ModelCall(request=body, response=response)


def _effort(model_name: str, effort: str) -> str:
    """The effort to send: 'max' needs Claude 4.6 and 'xhigh' 4.7, so earlier
    versions get 'high' (as from Inspect); names without a version pass as given."""
    match = re.search(r"claude-(?:[a-z]+-)?(\d+)(?:-(\d)(?!\d))?", model_name.lower())
    if match is None:
        return effort
    version = (int(match.group(1)), int(match.group(2) or 0))
    needs = {"max": (4, 6), "xhigh": (4, 7)}.get(effort)
    return "high" if needs is not None and version < needs else effort


# Thinking budgets (tokens) for each reasoning effort, as Inspect sends them.
_EFFORT_BUDGETS = {"minimal": 1024, "low": 4096, "medium": 10000, "high": 16000, "xhigh": 24000, "max": 32000}


def _thinking_budget(model_name: str, config: GenerateConfig) -> int | None:
    """Tokens the model may think with: `reasoning_tokens`, else the budget of
    `reasoning_effort`; None when neither is set (or is 'none') or the model
    cannot think (Claude 3 before 3.7)."""
    name = model_name.lower()
    if name.startswith("claude-3-") and not name.startswith("claude-3-7"):
        return None
    if config.reasoning_tokens:
        return config.reasoning_tokens
    return _EFFORT_BUDGETS.get(config.reasoning_effort or "")


def _closed(schema: Any) -> Any:
    """A JSON schema whose objects allow no other properties (Anthropic's
    structured output requires it)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in ("properties", "$defs", "definitions"):
        if isinstance(out.get(key), dict):
            out[key] = {name: _closed(s) for name, s in out[key].items()}
    if "items" in out:
        out["items"] = _closed(out["items"])
    if isinstance(out.get("anyOf"), list):
        out["anyOf"] = [_closed(s) for s in out["anyOf"]]
    if out.get("type") == "object" and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Anthropic wants alternating user/assistant turns; tool results travel as user content."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            role = "user"
            blocks: list[dict[str, Any]] = [
                {
                    "type": "tool_result",
                    "tool_use_id": getattr(message, "tool_call_id", "") or "",
                    "content": message.text,
                }
            ]
        else:
            role = message.role
            if isinstance(message.content, str):
                blocks = [{"type": "text", "text": message.content}] if message.content else []
            else:
                blocks = [{"type": "text", "text": c.text} for c in message.content if isinstance(c, ContentText)]
            for call in getattr(message, "tool_calls", None) or []:
                blocks.append({"type": "tool_use", "id": call.id, "name": call.function, "input": call.arguments})
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def _output(response: dict[str, Any], model_name: str) -> ModelOutput:
    try:
        parts: list[Any] = []
        calls: list[ToolCall] = []
        for block in response["content"]:
            kind = block.get("type")
            if kind == "text":
                parts.append(ContentText(text=block.get("text", "")))
            elif kind == "thinking":
                parts.append(ContentReasoning(reasoning=block.get("thinking", ""), signature=block.get("signature")))
            elif kind == "tool_use":
                calls.append(
                    ToolCall(
                        id=block["id"], function=block["name"], arguments=block.get("input") or {}, type="function"
                    )
                )
    except (KeyError, TypeError) as ex:
        raise ModelAPIError(f"unexpected response from the Anthropic API (missing {ex})") from None
    content: Any = parts[0].text if len(parts) == 1 and isinstance(parts[0], ContentText) else parts
    usage = response.get("usage") or {}
    input_tokens = usage.get("input_tokens", 0)
    output_tokens = usage.get("output_tokens", 0)
    return ModelOutput(
        model=response.get("model") or model_name,
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(content=content, tool_calls=calls or None),
                stop_reason=_STOP_REASONS.get(response.get("stop_reason") or "end_turn", "unknown"),
            )
        ],
        usage=ModelUsage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
            input_tokens_cache_write=usage.get("cache_creation_input_tokens"),
            input_tokens_cache_read=usage.get("cache_read_input_tokens"),
        ),
    )
