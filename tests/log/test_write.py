"""Writing logs: nothing lost, NaN kept, atomic, never replacing another run."""

from __future__ import annotations

import copy
import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.errors import LogExistsError
from inspect_cli.log import (
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalScore,
    EvalSpec,
    OtherContent,
    OtherEvent,
    extra_fields,
    read_eval_log,
    write_eval_log,
)
from inspect_cli.log._names import log_file_name

from support.helpers import (
    FIXTURES,
    differences,
    entry_id,
    is_empty_default,
    manifest_entries,
    raw_log,
    zip_json_entries,
)

V2_ENTRIES = [item for item in manifest_entries() if item[1]["log_version"] == 2]


def _lost_or_changed(original: Any, written: Any) -> list[str]:
    """Differences other than fields the writer added with default values."""
    return [
        d
        for d in differences(original, written)
        if not (d.split(": ", 1)[1].startswith("unexpected") and _added_value_is_default(written, d))
    ]


def _added_value_is_default(written: Any, difference: str) -> bool:
    path = difference.split(": ", 1)[0]
    value = written
    for part in path[2:].replace("[", ".[").split("."):
        if not part:
            continue
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return is_empty_default(value)


@pytest.mark.parametrize("fmt", ["json", "eval"])
@pytest.mark.parametrize("item", V2_ENTRIES, ids=entry_id)
def test_read_then_write_keeps_every_field_and_value(tmp_path: Path, item: tuple[str, dict], fmt: str) -> None:
    version, entry = item
    src = FIXTURES / version / entry["path"]
    out = tmp_path / f"out.{fmt}"
    write_eval_log(read_eval_log(src), out)
    original, written = raw_log(src), raw_log(out)
    assert _lost_or_changed(original, written) == []
    # and reading our file gives the same log
    assert read_eval_log(out) == read_eval_log(src)


V1_LOG = FIXTURES / "v0.3.17/logs/more/2026-11-28T07-19-53+00-00_arith-multi_UQfTzVczoZNySnmtVZ8sAD.json"


def test_unchanged_version_1_log_is_written_back_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    write_eval_log(read_eval_log(V1_LOG), out)
    assert out.read_bytes() == V1_LOG.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "eval"])
@pytest.mark.parametrize("changed", [False, True], ids=["unchanged", "changed"])
def test_version_1_log_is_written_in_version_2_shape(tmp_path: Path, fmt: str, changed: bool) -> None:
    """In an .eval archive (a version-2 format), or once anything changed: never a mix of shapes."""
    if fmt == "json" and not changed:
        return  # written as it was (above)
    src = V1_LOG
    out = tmp_path / f"out.{fmt}"
    log = read_eval_log(src)
    if changed:
        assert log.samples
        log.samples[0].metadata["note"] = "edited"
    write_eval_log(log, out)
    written = raw_log(out)
    original = raw_log(src)
    assert written["version"] == 2
    # metric `options` became `params` (as Inspect migrates them)
    expected = {
        name: {("params" if k == "options" else k): v for k, v in metric.items()}
        for name, metric in original["results"]["metrics"].items()
    }
    assert _lost_or_changed(expected, written["results"]["scores"][0]["metrics"]) == []
    assert [s["scores"]["match"]["value"] for s in written["samples"]] == [
        s["score"]["value"] for s in original["samples"]
    ]


UNKNOWN = {"x_new_field": {"nested": [1, 2.5, None, "s"]}, "x_flag": True}


def _inject_unknown_fields(log: dict[str, Any]) -> dict[str, Any]:
    log = copy.deepcopy(log)
    log.update(UNKNOWN)
    log["eval"].update(UNKNOWN)
    log["eval"]["dataset"].update(UNKNOWN)
    log["results"].update(UNKNOWN)
    log["results"]["scores"][0].update(UNKNOWN)
    log["results"]["scores"][0]["metrics"]["accuracy"].update(UNKNOWN)
    log["stats"].update(UNKNOWN)
    sample = log["samples"][0]
    sample.update(UNKNOWN)
    sample["messages"][0].update(UNKNOWN)
    sample["scores"]["includes"].update(UNKNOWN)
    sample["events"][0].update(UNKNOWN)
    sample["events"].append({"event": "x_future_event", "timestamp": "2026-11-28T06:09:21+00:00", **UNKNOWN})
    sample["messages"].append(
        {
            "role": "user",
            "content": [{"type": "x_future_content", "payload": 1}, {"type": "text", "text": "hi", **UNKNOWN}],
        }
    )
    return log


@pytest.mark.parametrize("fmt", ["json", "eval"])
def test_unknown_fields_survive_read_and_write(tmp_path: Path, fmt: str) -> None:
    src = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
    injected = _inject_unknown_fields(raw_log(src))
    path = tmp_path / "injected.json"
    path.write_text(json.dumps(injected))
    log = read_eval_log(path)
    assert extra_fields(log) == UNKNOWN
    assert extra_fields(log.eval) == UNKNOWN
    assert extra_fields(log.samples[0].events[0]) == UNKNOWN  # type: ignore[index]
    future = log.samples[0].events[-1]  # type: ignore[index]
    assert isinstance(future, OtherEvent) and future.event == "x_future_event"
    content = log.samples[0].messages[-1].content  # type: ignore[index]
    assert isinstance(content, list) and isinstance(content[0], OtherContent)
    out = tmp_path / f"out.{fmt}"
    write_eval_log(log, out)
    written = raw_log(out)
    assert _lost_or_changed(injected, written) == []
    # a second round trip keeps them too
    again = tmp_path / f"again.{fmt}"
    write_eval_log(read_eval_log(out), again)
    assert _lost_or_changed(injected, raw_log(again)) == []


NONFINITE_LOGS = [
    "v0.3.285/logs/more/2026-11-28T06-09-44-00-00_arith-extremes_JARfEPBRDEEQAuS3oTd66m.eval",
    "v0.3.285/logs/more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json",
]


def _nonfinite_values(value: Any, path: str = "$") -> dict[str, str]:
    if isinstance(value, float) and not math.isfinite(value):
        return {path: repr(value)}
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_nonfinite_values(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_nonfinite_values(v, f"{path}[{i}]"))
    return out


@pytest.mark.parametrize("fmt", ["json", "eval"])
@pytest.mark.parametrize("src", NONFINITE_LOGS)
def test_nan_and_infinity_round_trip_exactly(tmp_path: Path, src: str, fmt: str) -> None:
    original = raw_log(FIXTURES / src)
    expected = _nonfinite_values(original)
    assert {"nan", "inf", "-inf"} <= set(expected.values())
    out = tmp_path / f"out.{fmt}"
    write_eval_log(read_eval_log(FIXTURES / src), out)
    written = raw_log(out)
    assert _nonfinite_values(written) == expected
    text = out.read_text() if fmt == "json" else json.dumps(zip_json_entries(out))
    assert "NaN" in text and "Infinity" in text and "-Infinity" in text
    assert '"NaN"' not in text  # literals, not strings


def test_nan_computed_in_memory_is_written_as_a_literal(tmp_path: Path) -> None:
    log = EvalLog(
        status="success",
        eval=EvalSpec(created="2026-11-28T06:00:00+00:00", task="t", task_id="id1", run_id="r1"),
        results=EvalResults(
            scores=[EvalScore(name="s", scorer="s", metrics={"mean": EvalMetric(name="mean", value=float("nan"))})]
        ),
    )
    for fmt in ("json", "eval"):
        out = tmp_path / f"mem.{fmt}"
        write_eval_log(log, out)
        written = raw_log(out)
        assert math.isnan(written["results"]["scores"][0]["metrics"]["mean"]["value"])
        back = read_eval_log(out)
        assert back.results is not None and math.isnan(back.results.scores[0].metrics["mean"].value)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["json", "eval"])
def test_unreadable_logs_are_written_back_with_their_nulls(tmp_path: Path, fmt: str) -> None:
    src = FIXTURES / "v0.3.40/unreadable/2026-11-28T06-11-56+00-00_arith-extremes_Gg7NGwBcMbZV6jqnCf68nx.json"
    out = tmp_path / f"out.{fmt}"
    write_eval_log(read_eval_log(src), out)
    assert _lost_or_changed(raw_log(src), raw_log(out)) == []


def test_eval_files_use_deflate_by_default_and_zstd_on_request(tmp_path: Path) -> None:
    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    deflate, zstd = tmp_path / "deflate.eval", tmp_path / "zstd.eval"
    write_eval_log(log, deflate)
    write_eval_log(log, zstd, compression="zstd")
    with zipfile.ZipFile(deflate) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
        assert z.testzip() is None  # readable by the standard library (and unzip)
        names = z.namelist()
    with zipfile.ZipFile(zstd) as z:
        assert {i.compress_type for i in z.infolist()} == {93}
    assert names[0] == "_journal/start.json" and names[-1] == "header.json"
    assert {"summaries.json", "reductions.json", "samples/q01_epoch_1.json"} <= set(names)
    assert read_eval_log(zstd) == read_eval_log(deflate) == log


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    out = tmp_path / "sub" / "log.eval"
    write_eval_log(log, out)
    write_eval_log(log, out)  # the same run may be rewritten
    assert os.listdir(out.parent) == ["log.eval"]


@pytest.mark.parametrize("suffix", [".json", ".eval"])
def test_header_only_write_to_a_new_file_leaves_the_samples_out(tmp_path: Path, suffix: str) -> None:
    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    assert log.samples
    out = tmp_path / f"fresh{suffix}"
    write_eval_log(log, out, header_only=True)
    back = read_eval_log(out)
    assert not back.samples  # Inspect reads an .eval without samples as [], a .json one as None
    assert back.eval.run_id == log.eval.run_id and back.results == log.results
    assert log.samples  # the log passed in keeps its samples


def test_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    out = tmp_path / "log.eval"
    write_eval_log(log, out)
    before = out.read_bytes()
    from inspect_cli.log import _format_eval

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(_format_eval, "sample_summary", boom)
    with pytest.raises(RuntimeError):
        write_eval_log(log, out)
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == ["log.eval"]


def test_never_replaces_a_log_of_another_run(tmp_path: Path) -> None:
    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    other = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json")
    out = tmp_path / "log.eval"
    write_eval_log(log, out)
    with pytest.raises(LogExistsError, match="another run"):
        write_eval_log(other, out)
    assert read_eval_log(out).eval.run_id == log.eval.run_id
    (tmp_path / "notes.json").write_text("my notes")
    with pytest.raises(LogExistsError):
        write_eval_log(other, tmp_path / "notes.json")
    assert (tmp_path / "notes.json").read_text() == "my notes"
    write_eval_log(other, out, overwrite=True)
    assert read_eval_log(out).eval.run_id == other.eval.run_id


def test_file_names_follow_inspects_pattern() -> None:
    for version, entry in manifest_entries():
        if version != "v0.3.285":
            continue
        log = read_eval_log(FIXTURES / version / entry["path"], header_only=True)
        name = log_file_name(log.eval.created, log.eval.task, log.eval.task_id, entry["format"])
        assert name == Path(entry["path"]).name
