"""Editing finished logs: tags and metadata (recorded as log updates), sample
invalidation, score edits with their history, and recomputed results; checked
against the real inspect-ai doing the same edits on the same logs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.errors import LogEditError
from inspect_cli.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalSpec,
    LogUpdate,
    MetadataEdit,
    ProvenanceData,
    ScoreEditEvent,
    TagsEdit,
    edit_eval_log,
    edit_score,
    invalidate_samples,
    read_eval_log,
    recompute_metrics,
    uninvalidate_samples,
    write_eval_log,
)
from inspect_cli.scorer import ScoreEdit

from support.helpers import FIXTURES
from support.inspect_ai_env import inspect_ai_python

LOGS = FIXTURES / "v0.3.285/logs"
BASIC = LOGS / "2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
MULTI = LOGS / "more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
EXTREMES = LOGS / "more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"
OLD_MULTI = FIXTURES / "v0.3.40/logs/more/2026-11-28T06-11-54+00-00_arith-multi_GE9HC5PekthMXyw6wTkUCa.json"
WHO = {"timestamp": "2026-01-02T03:04:05.123456Z", "author": "alice", "reason": "review", "metadata": {"k": 1}}
BOB = {"timestamp": "2026-01-03T00:00:00Z", "author": "bob"}


def who(p: dict[str, Any] | None = None) -> ProvenanceData:
    return ProvenanceData(**(p or WHO))


def apply_ops(log: EvalLog, ops: list[list[Any]]) -> EvalLog:
    """The op vocabulary of tests/support/inspect_ai_edits.py, with our API."""
    for kind, *args in ops:
        if kind == "tags":
            log = edit_eval_log(log, [TagsEdit(tags_add=args[0], tags_remove=args[1])], who(args[2]))
        elif kind == "metadata":
            log = edit_eval_log(log, [MetadataEdit(metadata_set=args[0], metadata_remove=args[1])], who(args[2]))
        elif kind == "invalidate":
            log = invalidate_samples(log, args[0], who(args[1]))
        elif kind == "uninvalidate":
            log = uninvalidate_samples(log, args[0])
        elif kind == "edit_score":
            sample_id, name, edit, recompute, epoch = args
            if edit.get("provenance"):
                edit = {**edit, "provenance": who(edit["provenance"])}
            edit_score(log, sample_id, name, ScoreEdit(**edit), recompute, epoch)
        elif kind == "recompute":
            recompute_metrics(log)
        elif kind == "epochs_reducer":
            log.eval.config.epochs_reducer = args[0]
        else:
            raise ValueError(kind)
    return log


# ---------------------------------------------------------------------------
# Tags and metadata


def test_only_what_changes_is_recorded_and_the_original_is_left_alone() -> None:
    log = read_eval_log(BASIC)
    edited = edit_eval_log(log, [TagsEdit(tags_add=["b", "a"], tags_remove=["x"])], who())
    assert log.tags == [] and log.log_updates is None
    assert edited.tags == ["a", "b"]  # kept sorted
    [update] = edited.log_updates or []
    assert update.edits == [TagsEdit(tags_add=["b", "a"], tags_remove=[])]  # "x" was not there
    assert update.provenance.author == "alice"
    again = edit_eval_log(edited, [TagsEdit(tags_add=["a"]), MetadataEdit(metadata_remove=["nope"])], who())
    assert again is edited  # nothing changes: nothing recorded
    assert edit_eval_log(edited, [], who()) is edited


def test_edits_apply_in_order_each_against_the_one_before() -> None:
    log = edit_eval_log(read_eval_log(BASIC), [TagsEdit(tags_add=["y"]), TagsEdit(tags_add=["y"])], who())
    assert (log.log_updates or [])[-1].edits == [TagsEdit(tags_add=["y"])]
    log = edit_eval_log(log, [TagsEdit(tags_remove=["y"]), TagsEdit(tags_add=["y"])], who())
    assert log.tags == ["y"] and len((log.log_updates or [])[-1].edits) == 2


def test_metadata_set_and_remove() -> None:
    log = edit_eval_log(read_eval_log(BASIC), [MetadataEdit(metadata_set={"k": "v", "none": None})], who())
    assert log.metadata == {"k": "v", "none": None}  # a new key set to null is a change
    same = edit_eval_log(log, [MetadataEdit(metadata_set={"k": "v", "none": None})], who())
    assert same is log
    log = edit_eval_log(log, [MetadataEdit(metadata_set={"k": "w"}, metadata_remove=["none", "absent"])], who())
    assert log.metadata == {"k": "w"}
    assert (log.log_updates or [])[-1].edits == [MetadataEdit(metadata_set={"k": "w"}, metadata_remove=["none"])]


def test_contradicting_edits_are_refused() -> None:
    log = read_eval_log(BASIC)
    with pytest.raises(ValueError, match="both tags_add and tags_remove"):
        edit_eval_log(log, [TagsEdit(tags_add=["z"], tags_remove=["z"])], who())
    with pytest.raises(LogEditError, match="both metadata_set and metadata_remove"):
        edit_eval_log(log, [MetadataEdit(metadata_set={"q": 1}, metadata_remove=["q"])], who())


@pytest.mark.parametrize(
    "edit",
    [
        TagsEdit(tags_add=[""]),
        TagsEdit(tags_add=["ok", "\t "]),
        TagsEdit(tags_remove=[" "]),
        MetadataEdit(metadata_set={"": 1}),
        MetadataEdit(metadata_remove=["  "]),
    ],
)
def test_blank_tags_and_metadata_keys_are_refused(edit: TagsEdit | MetadataEdit) -> None:
    log = read_eval_log(BASIC)
    with pytest.raises(LogEditError, match="non-empty"):
        edit_eval_log(log, [TagsEdit(tags_add=["fine"]), edit], who())
    assert log.log_updates is None


def _built_log(**fields: Any) -> EvalLog:
    spec = EvalSpec(created="2026-02-03T04:05:06+00:00", task="quiz", dataset=EvalDataset(), config=EvalConfig())
    for name in ("tags", "metadata"):
        if name in fields:
            setattr(spec, name, fields.pop(name))
    return EvalLog(eval=spec, **fields)


def test_a_log_built_in_code_derives_its_tags_and_metadata() -> None:
    log = _built_log(tags=["zeta", "alpha"], metadata={"owner": "qa"})
    assert log.tags == ["alpha", "zeta"] and log.metadata == {"owner": "qa"}
    # what is passed for the top level is not what counts: the eval's values and the recorded edits are
    update = LogUpdate(edits=[TagsEdit(tags_add=["beta"], tags_remove=["zeta"])], provenance=who())
    log = _built_log(tags=["zeta"], log_updates=[update], metadata={"owner": "qa"})
    log = EvalLog(eval=log.eval, log_updates=log.log_updates, tags=["ignored"], metadata={"ignored": 1})
    assert log.tags == ["beta"] and log.metadata == {"owner": "qa"}
    edited = edit_eval_log(log, [TagsEdit(tags_add=["beta"]), MetadataEdit(metadata_set={"owner": "qa"})], who())
    assert edited is log  # both already hold: nothing to record


@pytest.mark.parametrize("suffix", [".json", ".eval"])
def test_edits_survive_writing_also_header_only(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"log{suffix}"
    write_eval_log(read_eval_log(MULTI), path)
    header = read_eval_log(path, header_only=True)
    header = edit_eval_log(header, [TagsEdit(tags_add=["t"]), MetadataEdit(metadata_set={"n": None})], who())
    write_eval_log(header, path, header_only=True)
    back = read_eval_log(path)
    assert back.tags == ["t"] and back.metadata == {"n": None}
    assert back.log_updates == header.log_updates
    assert len(back.samples or []) == 6


# ---------------------------------------------------------------------------
# Invalidation


def test_invalidation_and_back() -> None:
    log = read_eval_log(BASIC)
    uuids = [s.uuid for s in log.samples or []]
    one = invalidate_samples(log, [uuids[0]], who())
    assert one.invalidated and not log.invalidated
    assert [s.invalidation is not None for s in one.samples or []] == [True, False, False, False]
    two = invalidate_samples(one, [uuids[0], uuids[1]], who(BOB))
    assert [s.invalidation.author if s.invalidation else None for s in two.samples or []] == ["bob", "bob", None, None]
    partly = uninvalidate_samples(two, [uuids[0]])
    assert partly.invalidated  # sample 2 still is
    assert not uninvalidate_samples(partly, "all").invalidated
    assert invalidate_samples(log, "all", who()).invalidated
    assert invalidate_samples(log, [], who()) is log


def test_invalidating_an_unknown_sample_fails() -> None:
    log = read_eval_log(BASIC)
    with pytest.raises(ValueError, match=r"Samples \['nope'\] not found in log"):
        invalidate_samples(log, ["nope", (log.samples or [])[0].uuid or ""], who())
    with pytest.raises(LogEditError):
        uninvalidate_samples(log, ["nope"])


# ---------------------------------------------------------------------------
# Score edits


def test_a_score_edit_keeps_the_history_and_recomputes() -> None:
    log = read_eval_log(BASIC)
    sample = (log.samples or [])[1]
    before = (log.results.scores[0].metrics["accuracy"].value) if log.results else None
    edit_score(log, sample.id, "includes", ScoreEdit(value="I", explanation="nope", provenance=who()))
    score = (sample.scores or {})["includes"]
    assert (score.value, score.explanation, score.answer) == ("I", "nope", "the answer is 42.")
    first, second = score.history
    assert (first.value, first.explanation, first.metadata, first.provenance) == ("C", "The answer is 42.", {}, None)
    assert second.provenance and second.provenance.author == "alice"
    assert log.results and log.results.scores[0].metrics["accuracy"].value == 0.5 != before
    assert log.reductions and log.reductions[0].samples[1].value == 0.0
    [event] = [e for e in sample.events if isinstance(e, ScoreEditEvent)]
    ends = [i for i, e in enumerate(sample.events) if e.event == "span_end" and getattr(e, "id", None) == event.span_id]
    assert ends and sample.events.index(event) == ends[0] - 1  # last inside the scorers' span


def test_adding_a_score_and_the_errors() -> None:
    log = read_eval_log(MULTI)
    with pytest.raises(ValueError, match="Multiple samples found with id 1. You must specify the epoch parameter."):
        edit_score(log, 1, "includes", ScoreEdit(value=0))
    with pytest.raises(ValueError, match="Sample with id 1 and epoch 7 not found"):
        edit_score(log, 1, "includes", ScoreEdit(value=0), epoch=7)
    with pytest.raises(ValueError, match="Sample with id 99 not found"):
        edit_score(log, 99, "includes", ScoreEdit(value=0))
    with pytest.raises(ValueError, match="Cannot add new score 'new' without providing a value"):
        edit_score(log, 1, "new", ScoreEdit(answer="x"), epoch=1)
    with pytest.raises(LogEditError, match="no samples"):
        edit_score(read_eval_log(MULTI, header_only=True), 1, "includes", ScoreEdit(value=0))
    edit_score(log, 1, "new", ScoreEdit(value=0.75, explanation="added"), epoch=2)
    sample = next(s for s in log.samples or [] if (s.id, s.epoch) == (1, 2))
    new = (sample.scores or {})["new"]
    assert (new.value, new.explanation, new.answer, len(new.history)) == (0.75, "added", None, 1)
    assert log.results is not None  # a score no scorer declared gets accuracy and stderr, as in Inspect
    assert [(s.name, list(s.metrics)) for s in log.results.scores][-1] == ("new", ["accuracy", "stderr"])


def test_unknown_metrics_cannot_be_recomputed() -> None:
    log = read_eval_log(BASIC)
    assert log.eval.scorers
    log.eval.scorers[0].metrics = [{"name": "mine/custom_metric", "options": {}}]
    with pytest.raises(LogEditError, match="custom_metric"):
        recompute_metrics(log)


@pytest.mark.parametrize(
    "source", [BASIC, MULTI, EXTREMES, OLD_MULTI], ids=lambda p: p.parent.parent.name + p.name[19:40]
)
def test_recomputing_an_unedited_log_gives_its_results(source: Path) -> None:
    log = read_eval_log(source)
    recorded = (log.results, log.reductions)
    recompute_metrics(log)
    assert log.results is not None and recorded[0] is not None
    got = [(s.name, s.scorer, {k: m.value for k, m in s.metrics.items()}) for s in log.results.scores]
    want = [(s.name, s.scorer, {k: m.value for k, m in s.metrics.items()}) for s in recorded[0].scores]
    assert json.dumps(got) == json.dumps(want)  # NaN and all
    for new, old in zip(log.results.scores, recorded[0].scores):
        assert old.scored_samples in (None, new.scored_samples)  # not recorded before 0.3.5x
    assert (log.results.total_samples, log.results.completed_samples) == (
        recorded[0].total_samples,
        recorded[0].completed_samples,
    )


# ---------------------------------------------------------------------------
# The real Inspect does the same edits: it must read ours as it reads its own.

SCENARIOS: dict[str, tuple[Path, list[list[Any]]]] = {
    "tags-metadata-invalidate": (
        BASIC,
        [
            ["tags", ["b", "a", "a"], ["x"], WHO],
            ["metadata", {"m": 1, "n": None}, ["zz"], WHO],
            ["tags", ["c"], ["b"], BOB],
            ["invalidate", ["RjmxFvNi57svM8UdnkwbpR", "euP7WLxgXDzkVzg4zgyvhy"], WHO],
            ["uninvalidate", ["RjmxFvNi57svM8UdnkwbpR"]],
        ],
    ),
    "score-edits": (
        BASIC,
        [
            ["edit_score", "q02", "includes", {"value": "I", "explanation": "nope", "provenance": WHO}, True, None],
            ["edit_score", "q02", "includes", {"value": "P", "metadata": {"m": 1}}, True, None],
            ["edit_score", "q01", "added", {"value": 0.25, "answer": "a"}, True, None],
        ],
    ),
    "epochs-and-reducers": (
        MULTI,
        [
            ["edit_score", 2, "match", {"value": "I", "provenance": BOB}, False, 2],
            ["edit_score", 3, "includes", {"value": "C"}, False, 1],
            ["recompute"],
            ["epochs_reducer", ["mean", "median"]],
            ["recompute"],
        ],
    ),
    "nonfinite": (EXTREMES, [["edit_score", "q01", "includes", {"value": "I"}, True, None]]),
    "old-log-without-scorers": (OLD_MULTI, [["edit_score", 1, "includes", {"value": 0}, True, 1]]),
}


@pytest.fixture(scope="module")
def inspect_compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("edits")
    jobs = []
    for name, (source, ops) in SCENARIOS.items():
        copy = out / f"{name}-source{source.suffix}"
        shutil.copy(source, copy)
        ours = out / f"{name}-ours{source.suffix}"
        write_eval_log(apply_ops(read_eval_log(copy), ops), ours)
        jobs.append(
            {
                "name": name,
                "source": str(copy),
                "ops": ops,
                "theirs": str(out / f"{name}-theirs.json"),
                "ours": str(ours),
            }
        )
    (out / "jobs.json").write_text(json.dumps(jobs))
    script = Path(__file__).parents[1] / "support" / "inspect_ai_edits.py"
    run = subprocess.run(
        [str(inspect_ai_python()), str(script), str(out / "jobs.json")], capture_output=True, text=True, check=True
    )
    return dict(zip(SCENARIOS, json.loads(run.stdout)))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_inspect_reads_our_edits_as_its_own(inspect_compared: dict[str, dict[str, Any]], scenario: str) -> None:
    theirs, ours = inspect_compared[scenario]["theirs"], inspect_compared[scenario]["ours"]
    if scenario == "old-log-without-scorers":
        # Inspect rebuilds a pre-0.3.50 sample's events from its `transcript`
        # when it reads one, so the edit event we add is not what it shows.
        for sample in ours["samples"] + theirs["samples"]:
            del sample["score_edit_events"]
    assert ours == theirs
