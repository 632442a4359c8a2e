"""What the running sample records as it goes: events and token usage.

Models and solvers find the sample they work for through a context variable,
so samples running concurrently never mix their records.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

from ..log._transcript import Transcript, reset_transcript, set_transcript
from ..log._types import ModelUsage


class SampleContext:
    def __init__(self) -> None:
        # the sample's events are its transcript's: what solvers record
        # through transcript() lands in the sample's log
        self.transcript = Transcript()
        self.events: list[Any] = self.transcript.events
        self.model_usage: dict[str, ModelUsage] = {}
        self.started = time.monotonic()

    def working_time(self) -> float:
        return time.monotonic() - self.started


_current: ContextVar[SampleContext | None] = ContextVar("inspect_cli_sample", default=None)


def current_sample() -> SampleContext | None:
    return _current.get()


def enter_sample(context: SampleContext) -> Any:
    return _current.set(context), set_transcript(context.transcript)


def exit_sample(token: Any) -> None:
    sample, transcript = token
    reset_transcript(transcript)
    _current.reset(sample)


_model: ContextVar[Any] = ContextVar("inspect_cli_model", default=None)


def active_model() -> Any:
    """The model of the eval running in this context (None outside an eval)."""
    return _model.get()


def set_active_model(model: Any) -> Any:
    return _model.set(model)


_roles: ContextVar[dict[str, Any] | None] = ContextVar("inspect_cli_model_roles", default=None)


def model_roles() -> dict[str, Any]:
    """The models of the eval running in this context, by role (`--model-role`)."""
    return _roles.get() or {}


def set_model_roles(roles: dict[str, Any]) -> Any:
    return _roles.set(roles)
