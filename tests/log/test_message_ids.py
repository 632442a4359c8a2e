"""Message ids (new for messages made in code, the file's own on read) and the run's ids code reads, as Inspect."""

from __future__ import annotations

import json
from pathlib import Path

from inspect_cli import Task, eval
from inspect_cli.log import ChatMessageUser, EvalLog, read_eval_log, write_eval_log

FIXTURE = Path(__file__).parent.parent / "fixtures/inspect-logs/v0.3.285/logs"


def test_made_in_code_gets_an_id_copies_keep_it() -> None:
    first, second = ChatMessageUser(content="foo"), ChatMessageUser(content="foo", id=None)
    assert first.id and second.id and first.id != second.id and len(first.id) == 22
    assert ChatMessageUser(content="foo", id="mine").id == "mine"
    assert first.model_copy().id == first.id == first.model_copy(deep=True).id
    assert ChatMessageUser.model_validate({"role": "user", "content": "x"}).id  # as Inspect's model_validate


def test_read_keeps_missing_ids_missing(tmp_path: Path) -> None:
    source = next(FIXTURE.glob("*.json"))
    data = json.loads(source.read_text())
    for sample in data["samples"]:
        for message in sample["messages"]:
            message.pop("id", None)
    path = tmp_path / "no-ids.json"
    path.write_text(json.dumps(data))
    log = read_eval_log(path)
    assert log.samples and all(m.id is None for s in log.samples for m in s.messages)
    assert all(m.id is None for s in log.samples for m in s.model_copy(deep=True).messages)
    write_eval_log(log, tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text())
    assert all("id" not in m for s in again["samples"] for m in s["messages"])  # none invented on write
    assert EvalLog.model_validate(data).samples[0].messages[0].id  # built, not read: gets one


def test_engine_messages_get_ids(tmp_path: Path) -> None:
    [log] = eval(Task(), model="mockllm/model", log_dir=str(tmp_path), display="none")
    [sample] = log.samples or []
    ids = [m.id for m in sample.messages]
    assert len(ids) == 2 and all(ids) and len(set(ids)) == 2
    [event] = [e for e in sample.events if e.event == "model"]
    assert [m.id for m in event.input] == ids[:1]
    assert event.output.choices[0].message.id == ids[1]


def test_sample_transcript_and_task_state_uuid(tmp_path: Path) -> None:
    from inspect_cli import score
    from inspect_cli.scorer import Score, mean, scorer

    [log] = eval(Task(), model="mockllm/model", log_dir=str(tmp_path), display="none")
    [sample] = log.samples or []
    assert sample.transcript.events == sample.events and sample.transcript.content == sample.attachments

    @scorer(metrics=[mean()])
    def same_uuid(expected: str):  # type: ignore[no-untyped-def]
        async def score_it(state, target):  # type: ignore[no-untyped-def]
            return Score(value=int(state.uuid == expected))

        return score_it

    scored = score(log, scorers=[same_uuid(sample.uuid)])
    assert scored.samples and scored.samples[0].scores and scored.samples[0].scores["same_uuid"].value == 1
