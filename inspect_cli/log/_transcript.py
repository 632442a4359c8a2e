"""The transcript of a running sample: the events it records, as Inspect's
`Transcript` offers them to solvers, tools and scorers.

The engine (a higher layer) gives each sample a `Transcript` and makes it
current for that sample's task (`set_transcript`), so `transcript()` finds it
without the log layer knowing the engine. Every event stays in memory here:
the history is always whole, and bounded histories served from a provider
(Inspect's checkpoint stores) do not exist in this engine.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from .._ids import short_uuid
from ._types import Event, InfoEvent, StepEvent


class TranscriptHistoryUnavailableError(RuntimeError):
    """A transcript's event history cannot be served (Inspect raises it when
    evicted events cannot be read back; a RuntimeError, as callers catch)."""


class Transcript:
    """The events of one sample, in the order they happened.

    `events` is the live list the sample's log is written from: what is
    appended to it (by the engine, or by `info`) ends up in the log.
    """

    def __init__(
        self,
        events: list[Event] | None = None,
        log_model_api: bool | None = None,
        bounded: bool = False,
        resident_tail: int = 100,
        history_provider: Any = None,
    ) -> None:
        if history_provider is not None:
            raise NotImplementedError(
                "transcript history providers serve events evicted from memory; "
                "this engine keeps every event of a sample in memory, so it has none"
            )
        self._events: list[Event] = list(events or [])
        self.log_model_api = log_model_api
        self.bounded = bounded
        self.resident_tail = resident_tail
        self._attachments: dict[str, str] = {}
        self._started = time.monotonic()

    @property
    def events(self) -> list[Event]:
        return self._events

    @property
    def pending_events(self) -> list[Event]:
        """Events begun and not yet completed (a model call under way, say)."""
        return [e for e in self._events if getattr(e, "pending", None)]

    @property
    def attachments(self) -> dict[str, str]:
        """Content the events refer to by `attachment://` (none: events are
        condensed when the sample is written, not as they are recorded)."""
        return self._attachments

    @property
    def history(self) -> TranscriptHistory:
        return TranscriptHistory(self)

    @property
    def timelines(self) -> list[Any]:
        """Named timelines (none: this engine records none)."""
        return []

    def add_timeline(self, timeline: Any) -> None:
        raise NotImplementedError("timelines need Inspect's Timeline model, which this package does not have")

    def info(self, data: Any, *, source: str | None = None) -> None:
        """Record `data` (any JSON value) as an info event, for the log viewer."""
        self._events.append(
            InfoEvent(uuid=short_uuid(), timestamp=_now(), working_start=self._working(), source=source, data=data)
        )

    @contextlib.contextmanager
    def step(self, name: str, type: str | None = None) -> Iterator[None]:
        """Record the enclosed work as a step (deprecated by Inspect for spans)."""
        warnings.warn("Transcript.step() is deprecated: use spans instead", DeprecationWarning, stacklevel=3)
        self._events.append(self._step("begin", name, type))
        try:
            yield
        finally:
            self._events.append(self._step("end", name, type))

    def _step(self, action: str, name: str, type: str | None) -> StepEvent:
        return StepEvent(
            uuid=short_uuid(), timestamp=_now(), working_start=self._working(), action=action, name=name, type=type
        )

    def _working(self) -> float:
        return time.monotonic() - self._started


class TranscriptHistory:
    """Read access to a transcript's events by position (Inspect's API for
    bounded histories; here every event is resident, so all of it is whole)."""

    def __init__(self, transcript: Transcript) -> None:
        self._transcript = transcript

    @property
    def _events(self) -> list[Event]:
        return self._transcript.events

    @property
    def event_count(self) -> int:
        return len(self._events)

    @property
    def resident_events(self) -> Sequence[Event]:
        return self._events

    @property
    def resident_events_truncated(self) -> bool:
        return False

    @property
    def full_history_available(self) -> bool:
        return True

    @property
    def provider(self) -> None:
        return None

    @property
    def last_event(self) -> Event | None:
        return self._events[-1] if self._events else None

    def events_from(self, start: int, limit: int | None = None) -> Sequence[Event]:
        """The events from position `start` on (at most `limit` of them)."""
        return self._events[start : None if limit is None else start + limit]

    def recent_events(self, n: int | None = None) -> Sequence[Event]:
        """The last `n` events (all of them when `n` is None)."""
        if n is None:
            return list(self._events)
        return self._events[-n:] if n > 0 else []

    def events_since_last(self, event_type: type) -> list[Event]:
        """The events from the last one of `event_type` on (all when there is none)."""
        events = list(self._events)
        for i in range(len(events) - 1, -1, -1):
            if isinstance(events[i], event_type):
                return events[i:]
        return events

    def find_last(self, predicate: Callable[[Event], bool]) -> Event | None:
        """The newest event `predicate` accepts, among those there when called."""
        for event in reversed(list(self._events)):
            if predicate(event):
                return event
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat()


# Outside a sample, transcript() answers a transcript of its own, as Inspect's
# does, so code that records events also runs (and records nothing) there.
_outside = Transcript()
_current: ContextVar[Transcript] = ContextVar("inspect_cli_transcript", default=_outside)


def transcript() -> Transcript:
    """The transcript of the sample running in this task (inside an eval)."""
    return _current.get()


def set_transcript(current: Transcript) -> Token[Transcript]:
    """Make `current` the transcript of this task (the engine, per sample)."""
    return _current.set(current)


def reset_transcript(token: Token[Transcript]) -> None:
    _current.reset(token)
