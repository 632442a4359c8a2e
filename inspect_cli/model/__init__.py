"""Models: `get_model("provider/name")` and the message and output types."""

from ..log._types import (
    CachePolicy,
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentImage,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
    ToolCall,
)
from ._api import ModelAPI, ModelAPIError, modelapi
from ._cache import cache_clear, cache_list_expired, cache_path, cache_prune, cache_size
from ._cost import ModelCost, set_model_cost
from ._model import Model, get_model

__all__ = [
    "CachePolicy",
    "ChatCompletionChoice",
    "ChatMessage",
    "ChatMessageAssistant",
    "ChatMessageSystem",
    "ChatMessageTool",
    "ChatMessageUser",
    "Content",
    "ContentImage",
    "ContentReasoning",
    "ContentText",
    "GenerateConfig",
    "Model",
    "ModelAPI",
    "ModelAPIError",
    "ModelCost",
    "ModelOutput",
    "ModelUsage",
    "ToolCall",
    "cache_clear",
    "cache_list_expired",
    "cache_path",
    "cache_prune",
    "cache_size",
    "get_model",
    "modelapi",
    "set_model_cost",
]
