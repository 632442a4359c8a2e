"""Reading every real Inspect log in the fixtures, in full and header-only."""

from __future__ import annotations

import json
import math
import shutil
import zipfile
from pathlib import Path

import msgspec
import pytest

from inspect_cli.errors import LogFormatError, LogVersionError, NotFoundError, SampleNotFoundError
from inspect_cli.log import (
    EvalLog,
    EvalSample,
    ModelEvent,
    ScoreEvent,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_samples,
)

from support.helpers import FIXTURES, entry_id, manifest_entries, raw_log

ENTRIES = manifest_entries()


@pytest.mark.parametrize("item", ENTRIES, ids=entry_id)
def test_every_fixture_log_reads_as_its_manifest_says(item: tuple[str, dict]) -> None:
    version, entry = item
    path = FIXTURES / version / entry["path"]
    log = read_eval_log(path)
    assert isinstance(log, EvalLog)
    assert log.status == entry["status"]
    assert log.eval.task_id == entry["task_id"]
    assert log.eval.run_id == entry["run_id"]
    assert log.version == 2  # version-1 logs are presented in the version-2 shape
    samples = [[s.id, s.epoch, s.error is not None] for s in log.samples or []]
    assert samples == entry["samples"]
    assert log.location == str(path)


@pytest.mark.parametrize("item", ENTRIES, ids=entry_id)
def test_header_only_reads_everything_but_samples(item: tuple[str, dict]) -> None:
    version, entry = item
    path = FIXTURES / version / entry["path"]
    header = read_eval_log(path, header_only=True)
    full = read_eval_log(path)
    assert header.samples is None
    assert header.status == full.status
    # Only a full read derives the dataset's sample ids a log lacks (from its samples), as Inspect does.
    derived = msgspec.structs.replace(full.eval.dataset, sample_ids=header.eval.dataset.sample_ids)
    assert header.eval == msgspec.structs.replace(full.eval, dataset=derived)
    assert header.results == full.results
    assert header.stats == full.stats
    assert header.reductions == full.reductions
    assert header.logging == full.logging


def test_header_only_json_reads_members_after_samples() -> None:
    # 0.3.18 puts `logging` after `samples`; 0.3.285 puts `reductions` there.
    old = FIXTURES / "v0.3.18/logs/2026-11-28T06-11-15+00-00_arith_LhwQkvAuW882VmPJ2W9TXT.json"
    new = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
    assert list(json.loads(old.read_text()))[-2:] == ["samples", "logging"]
    assert list(json.loads(new.read_text()))[-2:] == ["samples", "reductions"]
    assert read_eval_log(old, header_only=True).logging == []
    reductions = read_eval_log(new, header_only=True).reductions
    assert reductions is not None and [s.sample_id for s in reductions[0].samples] == ["q01", "q02", "q03", "q04"]


def _corrupt_samples_json(src: Path, dst: Path) -> None:
    """Make every sample structurally wrong while keeping the JSON valid."""
    data = json.loads(src.read_text())
    data["samples"] = [{"id": {"not": "an id"}} for _ in data["samples"]]
    dst.write_text(json.dumps(data))


def test_header_only_json_never_decodes_samples(tmp_path: Path) -> None:
    src = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
    bad = tmp_path / "bad.json"
    _corrupt_samples_json(src, bad)
    with pytest.raises(LogFormatError):
        read_eval_log(bad)
    assert read_eval_log(bad, header_only=True).status == "success"


def test_header_only_eval_never_reads_samples(tmp_path: Path) -> None:
    src = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
    bad = tmp_path / "bad.eval"
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("samples/q01_epoch_1.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 8, start + info.compress_size - 8):
        data[i] ^= 0x5A  # scramble the sample's compressed bytes
    bad.write_bytes(bytes(data))
    with pytest.raises(LogFormatError):
        read_eval_log(bad)
    assert read_eval_log(bad, header_only=True).status == "success"


@pytest.mark.parametrize(
    "path",
    [
        "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval",
        "v0.3.40/logs/more/2026-11-28T06-11-54+00-00_arith-multi_GE9HC5PekthMXyw6wTkUCa.json",
    ],
)
def test_streamed_samples_equal_the_full_read(path: str) -> None:
    full = read_eval_log(FIXTURES / path)
    stream = read_eval_log_samples(FIXTURES / path)
    first = next(stream)  # a generator: samples come one at a time
    assert isinstance(first, EvalSample)
    # The same samples; a stream goes id by id as the header lists them (see
    # test_sample_order.py); a header listing none (older logs) keeps a whole read's order.
    ids = read_eval_log(FIXTURES / path, header_only=True).eval.dataset.sample_ids
    expected = full.samples if ids is None else sorted(full.samples or [], key=lambda s: (ids.index(s.id), s.epoch))
    assert [first, *stream] == expected


@pytest.mark.parametrize(
    "path",
    [
        "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval",
        "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json",
        "v0.3.46/logs/more/2026-11-28T06-33-03+00-00_arith-multi_Zki8jXACTgJCwpFa4vWChy.eval",
    ],
)
def test_read_one_sample_by_id_and_epoch(path: str) -> None:
    full = read_eval_log(FIXTURES / path)
    for sample in full.samples or []:
        assert read_eval_log_sample(FIXTURES / path, sample.id, sample.epoch) == sample
    with pytest.raises(SampleNotFoundError):
        read_eval_log_sample(FIXTURES / path, "no-such-id", 1)


def test_typed_access_to_results_and_samples() -> None:
    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    assert log.results is not None
    assert log.results.scores[0].metrics["accuracy"].value == 0.75
    assert log.samples is not None
    assert log.samples[0].scores is not None and log.samples[0].scores["includes"].value == "C"
    assert log.stats.model_usage["mockllm/model"].total_tokens > 0
    events = log.samples[0].events
    assert any(isinstance(e, ModelEvent) and e.model == "mockllm/model" for e in events)
    assert [e.event for e in events if isinstance(e, ScoreEvent)] == ["score"]
    assert log.samples[0].messages[-1].role == "assistant"


def test_version_1_logs_are_presented_in_version_2_shape() -> None:
    log = read_eval_log(FIXTURES / "v0.3.17/logs/2026-11-28T07-19-49+00-00_arith_ijkfk4fq7Je79iqLiHxqMh.json")
    raw = json.loads(
        (FIXTURES / "v0.3.17/logs/2026-11-28T07-19-49+00-00_arith_ijkfk4fq7Je79iqLiHxqMh.json").read_text()
    )
    assert raw["version"] == 1 and "scorer" in raw["results"] and "score" in raw["samples"][0]
    assert log.version == 2
    assert log.results is not None
    [score] = log.results.scores
    assert (score.name, score.scorer) == ("includes", "includes")
    assert score.metrics["accuracy"].value == raw["results"]["metrics"]["accuracy"]["value"]
    for sample, raw_sample in zip(log.samples or [], raw["samples"]):
        assert sample.scores is not None
        assert sample.scores["includes"].value == raw_sample["score"]["value"]
    # A version-1 log without results names no scorer: Inspect's placeholder key.
    error = read_eval_log(FIXTURES / "v0.3.17/logs/2026-11-28T07-19-50+00-00_arith-flaky_fEJSTg8Bjz3aAWxC4taecg.json")
    assert error.results is None
    assert all(list(s.scores or {}) == ["88F74D2C"] for s in error.samples or [])


def test_started_eval_log_without_header_reads_as_started() -> None:
    path = FIXTURES / "v0.3.285/logs/more/deep/2026-11-28T06-10-11-00-00_arith-slow_EVEECTmHTFrur5Pj5YRWyz.eval"
    with zipfile.ZipFile(path) as z:
        assert "header.json" not in z.namelist()
    log = read_eval_log(path)
    assert log.status == "started"
    assert [s.id for s in log.samples or []] == ["q01", "q02"]
    assert read_eval_log(path, header_only=True).eval.task == "arith_slow"


@pytest.mark.parametrize(
    "path",
    [
        "v0.3.17/unreadable/2026-11-28T07-19-55+00-00_arith-extremes_TM9SsRjDhBDJ2RV5CXQtqt.json",
        "v0.3.18/unreadable/2026-11-28T06-11-21+00-00_arith-extremes_h9znjpz2KRWmJgqP3FXDBt.json",
        "v0.3.40/unreadable/2026-11-28T06-11-56+00-00_arith-extremes_Gg7NGwBcMbZV6jqnCf68nx.json",
        "v0.3.46/unreadable/2026-11-28T06-33-04+00-00_arith-extremes_PFphgTUVMjvYP76mYmEeTY.eval",
    ],
)
def test_unreadable_logs_read_with_none_where_nan_was_lost(path: str) -> None:
    """Before 0.3.50 Inspect wrote NaN and Infinity as null, which its own reader
    rejects; we read those nulls as None (the values are gone)."""
    log = read_eval_log(FIXTURES / path)
    raw = raw_log(FIXTURES / path)
    nulls = [
        (i, name)
        for i, s in enumerate(raw["samples"])
        for name, score in (s.get("scores") or {"": s.get("score")}).items()
        if score["value"] is None
    ]
    assert nulls, "the fixture should hold null score values"
    for i, name in nulls:
        scores = log.samples[i].scores  # type: ignore[index]
        assert scores is not None
        key = name or next(iter(scores))
        assert scores[key].value is None
    assert log.results is not None
    assert any(m.value is None for s in log.results.scores for m in s.metrics.values())


def test_nonfinite_values_read_as_floats() -> None:
    log = read_eval_log(
        FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"
    )
    assert log.results is not None
    metrics = {s.name: s.metrics["mean"].value for s in log.results.scores if "mean" in s.metrics}
    assert math.isnan(metrics["unbounded_score"])  # type: ignore[arg-type]
    assert metrics["positive_inf_score"] == math.inf
    values = [s.scores["unbounded_score"].value for s in log.samples or [] if s.scores]
    assert values[0] == math.inf and values[2] == -math.inf


# ---------------------------------------------------------------------------
# Bad input: one clear error, never a traceback from deep inside


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        read_eval_log(tmp_path / "nope.eval")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notjson.json", b"this is not json", "invalid JSON"),
        ("list.json", b"[1, 2, 3]", "not an eval log"),
        ("object.json", b'{"hello": "world"}', "not an eval log"),
        ("text.eval", b"plain text, not a zip", "not a readable .eval log"),
        ("empty.json", b"", "invalid JSON"),
        ("wrongtype.json", b'{"version": 2, "status": 3, "eval": {"created": "x", "task": "t"}}', "status"),
    ],
)
def test_foreign_or_corrupt_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LogFormatError, match=message):
        read_eval_log(path)


def test_truncated_eval(tmp_path: Path) -> None:
    src = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
    path = tmp_path / "truncated.eval"
    path.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(LogFormatError, match="truncated"):
        read_eval_log(path)


def test_newer_log_version_is_refused(tmp_path: Path) -> None:
    src = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
    data = json.loads(src.read_text())
    data["version"] = 3
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LogVersionError, match="version 3"):
        read_eval_log(path, header_only=True)


def test_rewritten_zip_entry_last_copy_wins(tmp_path: Path) -> None:
    src = FIXTURES / "v0.3.46/logs/2026-11-28T06-32-59+00-00_arith_UwCuKXZtiNBAgCzXQGMmFN.eval"
    path = tmp_path / "appended.eval"
    shutil.copy(src, path)
    with zipfile.ZipFile(path) as z:
        header = json.loads(z.read("header.json"))
    header["eval"]["tags"] = ["rewritten"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("header.json", json.dumps(header))
    assert read_eval_log(path, header_only=True).tags == ["rewritten"]


def test_errors_are_what_inspects_callers_catch(tmp_path: Path) -> None:
    """An unreadable or too-new log is also a ValueError, a missing sample also
    an IndexError, as Inspect raises them; our classes stay, as subclasses."""
    from inspect_cli.errors import LogFormatError, LogVersionError, SampleNotFoundError
    from inspect_cli.log import read_eval_log_sample

    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 2, "status": ')
    with pytest.raises(ValueError) as caught:
        read_eval_log(bad)
    assert isinstance(caught.value, LogFormatError)
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"version": 9, "eval": {}}))
    with pytest.raises(ValueError) as too_new:
        read_eval_log(future)
    assert isinstance(too_new.value, LogVersionError)
    with pytest.raises(IndexError) as missing:
        read_eval_log_sample(
            FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval", "nope"
        )
    assert isinstance(missing.value, SampleNotFoundError)
