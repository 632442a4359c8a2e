"""transcript(): what a solver records lands in its own sample's events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from inspect_cli import Task, eval
from inspect_cli.dataset import Sample
from inspect_cli.log import (
    InfoEvent,
    ModelEvent,
    StepEvent,
    Transcript,
    TranscriptHistoryUnavailableError,
    read_eval_log,
    transcript,
)
from inspect_cli.scorer import match
from inspect_cli.solver import solver


@solver
def noting():
    async def solve(state, generate):
        await asyncio.sleep(0.01)  # let concurrent samples interleave
        transcript().info({"sample": state.sample_id}, source="noting")
        state = await generate(state)
        transcript().info(f"after generate: {len(transcript().history.events_since_last(ModelEvent))} events")
        return state

    return solve


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_a_solvers_info_events_are_in_its_samples_log(tmp_path: Path, fmt: str) -> None:
    samples = [Sample(id=f"s{i}", input=f"{i}+{i}", target=str(2 * i)) for i in range(4)]
    task = Task(dataset=samples, solver=[noting()], scorer=match())
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none", max_samples=4, log_format=fmt)
    assert log.status == "success"
    for sample in read_eval_log(log.location).samples or []:
        infos = [e for e in sample.events if isinstance(e, InfoEvent)]
        assert [i.data for i in infos] == [{"sample": sample.id}, "after generate: 1 events"]
        assert infos[0].source == "noting" and infos[0].timestamp and infos[0].uuid
        kinds = [e.event for e in sample.events]
        assert kinds.index("info") < kinds.index("model") < len(kinds) - 1 - kinds[::-1].index("info")
    assert transcript().events == []  # nothing leaked outside the samples


def test_outside_a_sample_there_is_one_transcript_of_its_own() -> None:
    assert transcript() is transcript()
    assert transcript() is not Transcript()


def test_history_reads_the_events_by_position() -> None:
    t = Transcript()
    assert t.history.last_event is None and t.history.find_last(lambda e: True) is None
    t.info("one")
    with pytest.warns(DeprecationWarning), t.step("work", type="solver"):
        t.info({"two": 2}, source="me")
    t.info("three")
    history = t.history
    assert history.event_count == 5 and history.full_history_available and not history.resident_events_truncated
    assert history.provider is None and list(history.resident_events) == t.events
    assert [type(e) for e in t.events] == [InfoEvent, StepEvent, InfoEvent, StepEvent, InfoEvent]
    assert [e.action for e in t.events if isinstance(e, StepEvent)] == ["begin", "end"]
    assert history.last_event is t.events[-1]
    assert list(history.events_from(1, 2)) == t.events[1:3] and list(history.events_from(3)) == t.events[3:]
    assert list(history.recent_events(2)) == t.events[-2:] and list(history.recent_events()) == t.events
    assert list(history.recent_events(0)) == []
    assert history.events_since_last(StepEvent) == t.events[3:]
    assert history.events_since_last(ModelEvent) == t.events
    found = history.find_last(lambda e: isinstance(e, InfoEvent) and e.source == "me")
    assert isinstance(found, InfoEvent) and found.data == {"two": 2}
    assert t.pending_events == [] and t.attachments == {} and t.timelines == []


def test_seeded_events_are_copied_and_history_providers_do_not_exist_here() -> None:
    seed = [InfoEvent(data=1)]
    t = Transcript(seed)
    t.info(2)
    assert len(seed) == 1 and len(t.events) == 2
    with pytest.raises(NotImplementedError, match="keeps every event"):
        Transcript(history_provider=object())
    with pytest.raises(NotImplementedError, match="Timeline"):
        t.add_timeline(object())
    assert issubclass(TranscriptHistoryUnavailableError, RuntimeError)
