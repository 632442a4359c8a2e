"""`mockllm/model`: an offline, deterministic model for tests and examples.

Model args (`-M name=value`, or `model_args` in Python):
- `custom_outputs`: what to answer, in call order: a list of strings or
  ModelOutputs; a dict from (a substring of) the last user message to the
  answer; or (Python) a function of the messages. Unmatched calls get the
  default output.
- `delay`: seconds to wait before answering (to make runs take time).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

from ..log._types import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelCall,
    ModelOutput,
    ModelUsage,
)
from ._api import ModelAPI, modelapi

DEFAULT_OUTPUT = "Default output from mockllm/model"


@modelapi("mockllm")
class MockLLM(ModelAPI):
    known_model_args = frozenset({"custom_outputs", "delay"})

    def __init__(self, model_name: str, base_url: str | None, model_args: dict[str, Any]) -> None:
        super().__init__(model_name, base_url, model_args)
        outputs = model_args.get("custom_outputs")
        if isinstance(outputs, str):
            outputs = json.loads(outputs) if outputs.lstrip().startswith(("[", "{")) else [outputs]
        self._outputs = outputs
        self._sequence: Iterator[Any] | None = iter(outputs) if isinstance(outputs, (list, tuple)) else None
        self._delay = float(model_args.get("delay", 0) or 0)

    async def generate(self, input: list[ChatMessage], config: GenerateConfig) -> tuple[ModelOutput, ModelCall | None]:
        if self._delay:
            await asyncio.sleep(self._delay)
        answer = self._answer(input)
        if isinstance(answer, ModelOutput):
            return answer, None
        text = str(answer)
        prompt_chars = sum(len(m.text) for m in input)
        output = ModelOutput(
            model=f"mockllm/{self.model_name}",
            choices=[ChatCompletionChoice(message=ChatMessageAssistant(content=text), stop_reason="stop")],
            usage=ModelUsage(
                input_tokens=prompt_chars // 4,
                output_tokens=len(text) // 4,
                total_tokens=prompt_chars // 4 + len(text) // 4,
            ),
        )
        return output, None

    def _answer(self, input: list[ChatMessage]) -> Any:
        outputs = self._outputs
        if self._sequence is not None:
            return next(self._sequence, DEFAULT_OUTPUT)
        if isinstance(outputs, dict):
            prompt = next((m.text for m in reversed(input) if m.role == "user"), "")
            for key, answer in outputs.items():
                if key in prompt:
                    return answer
            return DEFAULT_OUTPUT
        if callable(outputs):
            return outputs(input)
        return DEFAULT_OUTPUT
