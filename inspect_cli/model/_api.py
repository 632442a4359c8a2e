"""What a model provider implements, and the registry of providers.

Providers import this module only (never `_model`), so `get_model` can load
them on first use without an import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InspectCliError
from ..log._types import ChatMessage, GenerateConfig, ModelCall, ModelOutput

DEFAULT_MAX_CONNECTIONS = 10


class ModelAPIError(InspectCliError):
    """A model provider failed (after any retries); the message never holds secrets."""


class ModelAPI:
    """What a provider implements: one request, one output."""

    # The model args (`-M name=value`) the provider takes; others draw a warning
    # when the model is made. None: it passes every arg on (into its requests).
    known_model_args: frozenset[str] | None = None

    def __init__(self, model_name: str, base_url: str | None, model_args: dict[str, Any]) -> None:
        self.model_name = model_name
        self.base_url = base_url
        self.model_args = model_args

    async def generate(self, input: list[ChatMessage], config: GenerateConfig) -> tuple[ModelOutput, ModelCall | None]:
        raise NotImplementedError

    def max_connections(self) -> int:
        return DEFAULT_MAX_CONNECTIONS

    async def close(self) -> None:
        """Release connections (called when an eval ends)."""


PROVIDERS: dict[str, Callable[[str, str | None, dict[str, Any]], ModelAPI]] = {}


def modelapi(name: str) -> Callable[[type[ModelAPI]], type[ModelAPI]]:
    """Register a provider class under `name` (the prefix of model names)."""

    def register(cls: type[ModelAPI]) -> type[ModelAPI]:
        PROVIDERS[name] = cls
        return cls

    return register
