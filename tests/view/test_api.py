"""The viewer's data layer (ViewApi), apart from HTTP."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from inspect_cli.errors import ForbiddenError, LogFormatError, NotFoundError, SampleNotFoundError
from inspect_cli.log import read_eval_log, read_eval_log_samples, write_eval_log
from inspect_cli.log._dump import dump_eval_log
from inspect_cli.log._file import read_eval_log_sample_summaries
from inspect_cli.view import ViewApi

from support.helpers import load_json, zip_json_entries
from support.view_helpers import SECRET, ViewDir

SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
SUCCESS_JSON = "more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"
RUNNING_EVAL = "more/deep/2026-11-28T06-10-23-00-00_arith-interrupt_jrmKnqGSChfCic8nKbHSAH.eval"


def test_listing_holds_every_servable_log_and_nothing_else(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    listing = api.logs()
    assert listing["log_dir"] == "file://" + str(view_dir.root)
    names = sorted(f["name"].removeprefix(listing["log_dir"] + "/") for f in listing["files"])
    assert names == view_dir.logs
    mtimes = [f["mtime"] for f in listing["files"]]
    assert mtimes == sorted(mtimes, reverse=True)


@pytest.mark.parametrize(
    "name",
    [
        "../outside.eval",
        "more/../../elsewhere/outside.eval",
        "/etc/passwd",
        "file:///etc/passwd",
        "s3://bucket/x.eval",
        "link-out.eval",  # a symlink to a log outside
        "dir-out/outside.eval",  # through a symlinked folder
        "dir-out/passwd.json",
        ".hidden/secret.json",
        ".env",
        "notes.txt",
        "results.json",
        "more",
        "",
        "a\x00.eval",
        "more//x.eval",
        "./broken.eval",
        "more\\..\\..\\outside.eval",
    ],
)
def test_names_outside_the_log_dir_or_not_logs_are_refused(view_dir: ViewDir, name: str) -> None:
    with pytest.raises(ForbiddenError):
        ViewApi(view_dir.root).resolve(name)


def test_absolute_names_outside_are_refused(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    for name in (
        str(view_dir.outside),
        "file://" + str(view_dir.outside),
        str(view_dir.root) + "/../elsewhere/outside.eval",
    ):
        with pytest.raises(ForbiddenError):
            api.resolve(name)


def test_names_inside_resolve_whichever_way_they_are_given(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    expected = "file://" + str(view_dir.root / SUCCESS_JSON)
    assert api.resolve(SUCCESS_JSON) == expected
    assert api.resolve(str(view_dir.root / SUCCESS_JSON)) == expected
    assert api.resolve(expected) == expected
    assert api.resolve("link-in.eval") == "file://" + str(view_dir.root / "link-in.eval")


def test_headers_come_in_request_order_with_errors_in_place(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    headers = api.log_headers([SUCCESS_JSON, "broken.eval", "../outside.eval", "missing.eval", SUCCESS_EVAL])
    assert [h.get("status") for h in headers] == ["success", None, None, None, "success"]
    assert headers[0]["eval"]["task"] == "arith_extremes" and "samples" not in headers[0]
    assert "broken.eval" in headers[1]["read_error"]
    assert "not a log in the log dir" in headers[2]["read_error"]
    assert "no such file" in headers[3]["read_error"]
    assert headers[4]["results"]["scores"][0]["metrics"]["accuracy"]["value"] == 0.75


def test_headers_are_read_again_when_the_log_changes(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    assert api.log_headers([SUCCESS_JSON])[0]["status"] == "success"
    log = read_eval_log(view_dir.root / SUCCESS_JSON)
    log.status = "error"
    write_eval_log(log, view_dir.root / SUCCESS_JSON)
    assert api.log_headers([SUCCESS_JSON])[0]["status"] == "error"


@pytest.mark.parametrize("name", [SUCCESS_EVAL, SUCCESS_JSON])
def test_a_log_is_its_dump_and_header_only_above_the_threshold(view_dir: ViewDir, name: str) -> None:
    api = ViewApi(view_dir.root)
    whole, header, small = io.BytesIO(), io.BytesIO(), io.BytesIO()
    api.log(name, whole.write)
    api.log(name, header.write, header_only_mb=0)
    api.log(name, small.write, header_only_mb=100)
    expected = io.BytesIO()
    dump_eval_log(view_dir.root / name, expected.write)
    assert whole.getvalue() == expected.getvalue() == small.getvalue()
    assert "samples" not in load_json(header.getvalue())
    assert load_json(header.getvalue())["eval"] == load_json(whole.getvalue())["eval"]


def test_byte_ranges_are_inclusive_and_clamped(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    data = (view_dir.root / SUCCESS_EVAL).read_bytes()
    assert api.log_size(SUCCESS_EVAL) == len(data)
    assert api.log_bytes(SUCCESS_EVAL, 0, 3) == data[:4] == b"PK\x03\x04"
    assert api.log_bytes(SUCCESS_EVAL, len(data) - 22, len(data) + 100) == data[-22:]
    with pytest.raises(ValueError):
        api.log_bytes(SUCCESS_EVAL, 10, 2)
    with pytest.raises(ValueError):
        api.log_bytes(SUCCESS_EVAL, -1, 2)


def test_summaries_of_a_finished_eval_log_are_the_stored_ones(view_dir: ViewDir) -> None:
    stored = zip_json_entries(view_dir.root / SUCCESS_EVAL)["summaries.json"]
    assert ViewApi(view_dir.root).sample_summaries(SUCCESS_EVAL) == stored


def test_summaries_of_a_running_eval_log_come_from_its_journal(view_dir: ViewDir) -> None:
    entries = zip_json_entries(view_dir.root / RUNNING_EVAL)
    journal = [entries[f"_journal/summaries/{n}.json"] for n in (1, 2)]
    summaries = ViewApi(view_dir.root).sample_summaries(RUNNING_EVAL)
    assert summaries == journal[0] + journal[1]
    assert [(s["id"], s["epoch"]) for s in summaries] == [
        (s.id, s.epoch) for s in read_eval_log_samples(view_dir.root / RUNNING_EVAL, all_samples_required=False)
    ]


def test_summaries_of_json_logs_are_derived_from_the_samples(view_dir: ViewDir) -> None:
    summaries = ViewApi(view_dir.root).sample_summaries(SUCCESS_JSON)
    samples = list(read_eval_log_samples(view_dir.root / SUCCESS_JSON))
    assert [(s["id"], s["epoch"], s["target"]) for s in summaries] == [(s.id, s.epoch, s.target) for s in samples]
    assert summaries[0]["scores"]["includes"]["value"] == samples[0].scores["includes"].value
    assert summaries[0]["message_count"] == len(samples[0].messages)


def test_an_eval_log_without_summaries_lists_none(tmp_path: Path, view_dir: ViewDir) -> None:
    """As Inspect reads it: an .eval log's summaries are the stored ones, never
    derived from its samples."""
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    from inspect_cli.log import _format_eval, _tree
    from inspect_cli.log._zip import ZipWriter

    with open(tmp_path / "bare.eval", "wb") as f:  # an archive with samples but no summaries
        writer = ZipWriter(f)
        header = _tree.to_tree(log, exclude=("samples",))
        for sample in log.samples or []:
            writer.add(_format_eval.sample_entry(sample.id, sample.epoch), json.dumps(_tree.to_tree(sample)).encode())
        writer.add(_format_eval.HEADER, json.dumps(header).encode())
        writer.close()
    assert log.samples and read_eval_log_sample_summaries(tmp_path / "bare.eval") == []


def test_a_sample_by_id_text_also_finds_integer_ids(view_dir: ViewDir) -> None:
    log = read_eval_log(view_dir.root / SUCCESS_JSON)
    for number, sample in enumerate(log.samples or [], start=1):
        sample.id = number
    log.eval.run_id = "other-run"
    write_eval_log(log, view_dir.root / "2026-11-28T07-00-00-00-00_numbered.json")
    api = ViewApi(view_dir.root)
    sample = api.sample("2026-11-28T07-00-00-00-00_numbered.json", "2", 1)
    assert sample["id"] == 2 and sample["messages"]
    assert api.sample(SUCCESS_EVAL, "q01", 1)["id"] == "q01"
    with pytest.raises(SampleNotFoundError):
        api.sample(SUCCESS_EVAL, "q99", 1)


def test_unreadable_and_missing_logs_raise_domain_errors(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    with pytest.raises(LogFormatError):
        api.sample_summaries("broken.eval")
    with pytest.raises(NotFoundError):
        api.log_size("missing.eval")
    with pytest.raises(ForbiddenError):
        api.log_bytes("notes.txt", 0, 100)


def test_events_signal_new_changed_and_removed_logs(view_dir: ViewDir) -> None:
    api = ViewApi(view_dir.root)
    assert api.events(0) == ["refresh-evals"]
    time.sleep(0.6)  # past the listing's shared lifetime
    now = time.time() * 1000
    assert api.events(now) == []
    (view_dir.root / "new").mkdir()
    shutil.copy(view_dir.root / SUCCESS_EVAL, view_dir.root / "new" / "copy.eval")
    time.sleep(0.6)
    assert api.events(now) == ["refresh-evals"]
    now = time.time() * 1000
    time.sleep(0.6)
    assert api.events(now) == []
    os.remove(view_dir.root / SUCCESS_JSON)  # nothing newer, but one fewer
    time.sleep(0.6)
    assert api.events(now) == ["refresh-evals"]


def test_secrets_beside_the_logs_are_never_listed(view_dir: ViewDir) -> None:
    assert SECRET not in json.dumps(ViewApi(view_dir.root).logs())
