"""Sample summaries as Inspect 0.3.285 makes them: what a summary keeps of its
sample, how it is thinned, how stored summaries are read back, and what our
writers store (compared with logs Inspect wrote)."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import msgspec
import pytest

from inspect_cli.errors import LogFormatError
from inspect_cli.log import (
    EvalLog,
    EvalSampleSummary,
    extra_fields,
    read_eval_log,
    read_eval_log_sample_summaries,
    read_eval_log_sample_summaries_async,
    write_eval_log,
)
from inspect_cli.log._file import log_format
from inspect_cli.log._summaries import REMOVED, sample_summary, stored_summaries
from inspect_cli.log._tree import convert, to_tree
from inspect_cli.log._types import EvalError, EvalSampleLimit
from inspect_cli.log._zip import ZipWriter

from support.helpers import FIXTURES, changed, zip_json_entries

ARITH = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
# Written by inspect-ai 0.3.285 (see its README): message limits, choices, long texts.
LIMITS = FIXTURES.parent / "summaries" / "limits-and-long-texts.eval"


def _summary_tree(**sample_fields: object) -> dict[str, object]:
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "y", **sample_fields}
    return to_tree(sample_summary(sample))


def _thinned(metadata: dict[str, object]) -> dict[str, object]:
    summary = stored_summaries([{"id": 1, "epoch": 1, "input": "x", "target": "y", "metadata": metadata}], "test")
    return summary[0].metadata


# -- what a summary keeps of its sample ------------------------------------------


def test_a_summary_reduces_the_error_the_limit_and_the_retries() -> None:
    sample = read_eval_log(ARITH).samples[0]  # type: ignore[index]
    sample.error = EvalError(message="boom", traceback="tb")
    sample.limit = EvalSampleLimit(type="token", limit=100)
    sample.choices = ["a", "b"]
    sample.error_retries = [EvalError(message="first"), EvalError(message="second")]
    tree = to_tree(sample)
    tree["limit"]["reason"] = "too many tokens"
    summary = sample_summary(tree)
    assert (summary.error, summary.limit, summary.limit_reason) == ("boom", "token", "too many tokens")
    assert summary.retries == 2 and summary.choices == ["a", "b"]
    assert summary.completed is True and summary.message_count == len(sample.messages) == 2
    assert summary.turn_count == 1 and summary.metadata == sample.metadata


def test_a_summary_of_a_sample_without_retries_records_none() -> None:
    assert "retries" not in _summary_tree()  # logs before retries were recorded
    assert _summary_tree(error_retries=[])["retries"] == 0
    assert _summary_tree(error={"message": ""})["error"] == ""


def test_a_summary_has_inspects_fields_in_its_order_and_leaves_out_none() -> None:
    tree = _summary_tree(
        turn_count=3, messages=[{"role": "user", "content": "x"}], description="d", store={"k": 1}, output={}
    )
    assert list(tree) == [
        "id", "epoch", "input", "target", "description", "metadata", "model_usage", "role_usage",
        "completed", "message_count", "turn_count",
    ]  # fmt: skip
    assert (tree["metadata"], tree["completed"], tree["message_count"]) == ({}, True, 1)


# -- thinning ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("  a   b\n\tc  ", "a b c"),  # whitespace is collapsed whatever the length
        ("y" * 1024, "y" * 1024),
        ("y" * 1025, "..."),  # one word too long for the limit leaves only the marker
        ("a  " * 400, "a " * 399 + "a"),  # collapsed to 799 characters: fits
    ],
)
def test_metadata_strings_are_collapsed_and_cut(text: str, expected: str) -> None:
    assert _thinned({"k": text})["k"] == expected


def test_long_metadata_text_is_cut_at_a_word_boundary() -> None:
    words = " ".join(f"word{i}" for i in range(400))
    thinned = _thinned({"k": words})["k"]
    assert thinned == textwrap.shorten(words, 1024, placeholder="...")
    assert len(thinned) <= 1024 and thinned.endswith("word140...")


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (["a" * 1016], True),  # its JSON indented by 2 is 1024 characters
        (["a" * 1017], False),
        ({"k": "a" * 1011}, True),
        ({"k": "a" * 1012}, False),
        ([1] * 204, True),  # indented: one line per item
        ([1] * 205, False),
        (["é" * 1016], True),  # characters, not bytes
        (["\x01" * 169], True),  # control characters count escaped
        (["\x01" * 170], False),
        ([1e20] * 113, True),  # floats as Python writes them ("1e+20")
        ([1e20] * 114, False),
        (None, True),
        (12345678901234567890, True),
    ],
)
def test_metadata_values_over_the_limit_are_replaced_by_a_marker(value: object, kept: bool) -> None:
    assert _thinned({"k": value, "small": [1]}) == {"k": value if kept else REMOVED, "small": [1]}


def test_score_texts_and_metadata_are_thinned_but_not_values() -> None:
    long = "w " * 1000
    scores = {"s": {"value": long, "answer": long, "explanation": "  a\nb ", "metadata": {"big": [1] * 300}}}
    summary = stored_summaries([{"id": 1, "epoch": 1, "input": long, "target": long, "scores": scores}], "test")[0]
    score = summary.scores["s"]  # type: ignore[index]
    assert score.value == long and summary.input == long and summary.target == long
    assert score.answer == textwrap.shorten(long, 1024, placeholder="...")
    assert score.explanation == "a b" and score.metadata == {"big": REMOVED}


def test_input_text_is_cut_and_other_content_named() -> None:
    cut = "a" * 5120 + "...\n(content truncated)"
    assert _summary_tree(input="a" * 5120)["input"] == "a" * 5120
    assert _summary_tree(input="a" * 6000)["input"] == cut
    parts = [
        {"type": "text", "text": "a" * 6000, "refusal": True},
        {"type": "image", "image": "data:image/png;base64,AAAA", "detail": "low"},
        {"type": "reasoning", "reasoning": "hmm", "signature": "sig"},
    ]
    messages = [{"role": "user", "content": "a" * 9000, "id": "u1"}, {"role": "user", "content": parts, "id": "u2"}]
    thinned = _summary_tree(input=messages)["input"]
    assert thinned == [
        {"id": "u1", "content": cut, "role": "user"},
        {
            "id": "u2",
            "content": [
                {"type": "text", "text": cut, "refusal": True},
                {"type": "text", "text": "(Image)"},
                {"type": "text", "text": "(Reasoning)"},
            ],
            "role": "user",
        },
    ]


# -- stored summaries ----------------------------------------------------------------


def test_unknown_fields_of_a_stored_summary_survive() -> None:
    stored = {"id": 1, "epoch": 1, "input": "x", "target": "y", "future": {"a": 1}, "completed": True}
    summary = stored_summaries([stored], "test")[0]
    assert extra_fields(summary) == {"future": {"a": 1}}
    assert to_tree(summary)["future"] == {"a": 1}


def test_a_limit_stored_as_an_object_is_read_as_its_type() -> None:
    """What inspect_cli wrote before it followed Inspect (which cannot read it)."""
    stored = {"id": 1, "epoch": 1, "input": "x", "target": "y", "limit": {"type": "message", "limit": 3}}
    assert stored_summaries([stored], "test")[0].limit == "message"


@pytest.mark.parametrize("bad", [["not an object"], [{"id": 1, "epoch": "one", "input": "x", "target": "y"}]])
def test_a_bad_stored_summary_is_a_format_error(bad: list[object]) -> None:
    with pytest.raises(LogFormatError, match="summar"):
        stored_summaries(bad, "log.eval")


def _archive(path: Path, entries: dict[str, object]) -> Path:
    with open(path, "wb") as f:
        writer = ZipWriter(f)
        for name, value in entries.items():
            writer.add(name, json.dumps(value).encode())
        writer.close()
    return path


def test_an_eval_log_without_summaries_has_none_whatever_samples_it_holds(tmp_path: Path) -> None:
    entries = zip_json_entries(ARITH)
    bare = {k: v for k, v in entries.items() if "summaries" not in k}
    assert read_eval_log(_archive(tmp_path / "bare.eval", bare)).samples  # Inspect lists none
    assert read_eval_log_sample_summaries(tmp_path / "bare.eval") == []


def test_journal_summaries_are_read_in_flush_order(tmp_path: Path) -> None:
    entries = zip_json_entries(ARITH)
    one = entries["_journal/summaries/1.json"][0]
    archive = {"_journal/start.json": entries["_journal/start.json"]}
    for n in (10, 2, 1, 11, 3):
        archive[f"_journal/summaries/{n}.json"] = [{**one, "id": f"s{n}"}]
    summaries = read_eval_log_sample_summaries(_archive(tmp_path / "running.eval", archive))
    assert [s.id for s in summaries] == ["s1", "s2", "s3", "s10", "s11"]


def test_the_api_returns_summary_objects(tmp_path: Path) -> None:
    summaries = read_eval_log_sample_summaries(MULTI)
    assert all(isinstance(s, EvalSampleSummary) for s in summaries)
    assert [to_tree(s) for s in summaries] == zip_json_entries(MULTI)["summaries.json"]
    assert asyncio.run(read_eval_log_sample_summaries_async(MULTI)) == summaries


def test_a_json_log_has_the_summaries_inspect_stored_for_its_samples(tmp_path: Path) -> None:
    for source in (ARITH, LIMITS):
        copy = tmp_path / f"{source.stem}.json"
        write_eval_log(read_eval_log(source), copy)
        derived = [to_tree(s) for s in read_eval_log_sample_summaries(copy)]
        assert derived == zip_json_entries(source)["summaries.json"]


# -- what our writers store ------------------------------------------------------------


def _summary_entries(path: Path) -> dict[str, object]:
    return {k: v for k, v in zip_json_entries(path).items() if "summaries" in k}


def test_write_eval_log_stores_the_summaries_inspect_stores(tmp_path: Path) -> None:
    """Inspect's write_eval_log stores them twice: `summaries.json` and one
    journal flush (`_journal/summaries/1.json`) after the samples."""
    copy = tmp_path / "copy.eval"
    write_eval_log(changed(read_eval_log(LIMITS)), copy)
    theirs = _summary_entries(LIMITS)
    assert set(theirs) == {"summaries.json", "_journal/summaries/1.json"}
    assert _summary_entries(copy) == theirs
    limits = {s["limit"] for s in theirs["summaries.json"]}  # type: ignore[attr-defined]
    assert limits == {"message"}


def test_a_log_written_while_its_eval_runs_journals_inspects_summaries(tmp_path: Path) -> None:
    log: EvalLog = read_eval_log(LIMITS)
    samples = log.samples or []
    path = tmp_path / "running.eval"
    log_file = log_format(str(path)).log_file(str(path))
    log_file.start(msgspec.structs.replace(log, status="started", results=None, samples=None))
    log_file.flush(samples[:1])
    log_file.finish(log, samples[1:])
    ours = _summary_entries(path)
    theirs = _summary_entries(LIMITS)["summaries.json"]
    assert ours["_journal/summaries/1.json"] == theirs[:1]  # type: ignore[index]
    assert ours["_journal/summaries/2.json"] == theirs[1:]  # type: ignore[index]
    assert ours["summaries.json"] == theirs


def test_summaries_convert_from_their_json() -> None:
    tree = zip_json_entries(LIMITS)["summaries.json"][0]
    assert to_tree(convert(tree, EvalSampleSummary)) == tree
