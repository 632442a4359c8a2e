"""Models: `get_model("provider/name")` and the message and output types."""

from ..log._types import (
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
from ._cost import ModelCost, set_model_cost
from ._model import Model, get_model

__all__ = [
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
    "get_model",
    "modelapi",
    "set_model_cost",
]
