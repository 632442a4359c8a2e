"""The state a sample's solvers pass along: messages so far, output, target."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol

from .._ids import short_uuid
from ..log._types import ChatMessage, ChatMessageUser, ModelOutput


class Target(Sequence[str]):
    """The sample's target: one string, or several acceptable ones."""

    def __init__(self, target: str | list[str]) -> None:
        self.target = [target] if isinstance(target, str) else list(target)

    @property
    def text(self) -> str:
        return "".join(self.target)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]  # no slices: a target is read by index
        return self.target[index]

    def __len__(self) -> int:
        return len(self.target)

    def __iter__(self) -> Iterator[str]:
        return iter(self.target)

    def __repr__(self) -> str:
        return f"Target({self.target!r})"


class TaskState:
    """What solvers read and change; the scorers see it at the end."""

    def __init__(
        self,
        model: str,
        sample_id: int | str,
        epoch: int,
        input: str | list[ChatMessage],
        messages: list[ChatMessage],
        target: Target,
        choices: list[str] | None = None,
        output: ModelOutput | None = None,
        metadata: dict[str, Any] | None = None,
        message_limit: int | None = None,
        token_limit: int | None = None,
        sample_uuid: str | None = None,
    ) -> None:
        self.model = model
        self.sample_id = sample_id
        self.epoch = epoch
        self.input = input
        self.messages = messages
        self.target = target
        self.choices = choices
        self.output = output or ModelOutput(model=model)
        self.metadata = metadata or {}
        self.store: dict[str, Any] = {}
        self.completed = False
        self.message_limit = message_limit
        self.token_limit = token_limit
        self._uuid = sample_uuid or short_uuid()

    @property
    def uuid(self) -> str:
        """The id of this run of the sample: the log's `EvalSample.uuid`."""
        return self._uuid

    @property
    def input_text(self) -> str:
        """The input as text (the last user message's text for chat input)."""
        if isinstance(self.input, str):
            return self.input
        return next((m.text for m in reversed(self.input) if m.role == "user"), "")

    @property
    def user_prompt(self) -> ChatMessageUser:
        """The first user message (solvers rewrite it to shape the prompt)."""
        for message in self.messages:
            if isinstance(message, ChatMessageUser):
                return message
        raise ValueError("the sample has no user message")


class Generate(Protocol):
    """Calls the model with the state's messages and appends its answer."""

    async def __call__(self, state: TaskState, **config: Any) -> TaskState: ...


Solver = Callable[[TaskState, Generate], Awaitable[TaskState]]
