"""What the running sample records as it goes: events and token usage.

Models and solvers find the sample they work for through a context variable,
so samples running concurrently never mix their records.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import Any

from ..log._transcript import Transcript, reset_transcript, set_transcript
from ..log._types import ModelUsage


class LimitExceeded(Exception):
    """A sample limit was reached: the sample stops solving and is scored."""

    def __init__(self, kind: str, limit: float, message: str) -> None:
        super().__init__(message)
        self.kind, self.limit, self.message = kind, limit, message


class SampleContext:
    def __init__(
        self, epoch: int | None = None, turn_limit: int | None = None, cost_limit: float | None = None
    ) -> None:
        self.epoch = epoch  # of the sample being run (distinct cache entries per epoch)
        # the sample's events are its transcript's: what solvers record
        # through transcript() lands in the sample's log
        self.transcript = Transcript()
        self.events: list[Any] = self.transcript.events
        self.model_usage: dict[str, ModelUsage] = {}
        self.started = time.monotonic()
        self.turn_limit, self.cost_limit = turn_limit, cost_limit
        self.turns = 0  # model generations while solving
        self.solving = True  # limits apply to the solvers, not the scorers
        self.working_deadline: asyncio.Timeout | None = None  # the working limit's, moved past waits
        self.working_limit: float | None = None
        self._waited = 0.0
        self._waits = 0
        self._wait_started = 0.0

    def working_time(self) -> float:
        """Seconds since the sample started, less the time spent waiting for a model connection."""
        waiting = self._waited + (time.monotonic() - self._wait_started if self._waits else 0.0)
        return time.monotonic() - self.started - waiting

    def begin_wait(self) -> None:
        """A wait for a shared resource starts: it is not working time."""
        if self._waits == 0:
            self._wait_started = time.monotonic()
            if self.working_deadline is not None:
                self.working_deadline.reschedule(None)
        self._waits += 1

    def end_wait(self) -> None:
        self._waits -= 1
        if self._waits == 0:
            self._waited += time.monotonic() - self._wait_started
            if self.working_deadline is not None and self.working_limit is not None:
                remaining = self.working_limit - self.working_time()
                self.working_deadline.reschedule(asyncio.get_running_loop().time() + remaining)

    def count_turn(self) -> None:
        """A model generation by the solvers: stop past the turn limit (the
        generation that goes past it is made and counted, as Inspect does)."""
        if not self.solving:
            return
        self.turns += 1
        if self.turn_limit is not None and self.turns > self.turn_limit:
            raise LimitExceeded(
                "turn", self.turn_limit, f"Turn limit exceeded. value: {self.turns}; limit: {self.turn_limit}"
            )

    def check_cost(self) -> None:
        """Stop past the cost limit (the dollars of every model's usage)."""
        if not self.solving or self.cost_limit is None:
            return
        cost = sum(u.total_cost or 0.0 for u in self.model_usage.values())
        if cost > self.cost_limit:
            raise LimitExceeded(
                "cost", self.cost_limit, f"Cost limit exceeded. value: ${cost:.4f}; limit: ${self.cost_limit:.4f}"
            )


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
