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
from ._model import Model, ModelAPI, ModelAPIError, get_model, modelapi

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
    "ModelOutput",
    "ModelUsage",
    "ToolCall",
    "get_model",
    "modelapi",
]
