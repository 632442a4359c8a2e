"""inspect_cli.log as a drop-in for inspect_ai.log 0.3.285: its names, and the
behaviour of the functions beyond reading and writing whole logs."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import msgspec
import pytest

import inspect_cli.log as api
from inspect_cli.errors import LogExistsError, SampleNotFoundError
from inspect_cli.log import (
    WriteConflictError,
    list_eval_logs,
    read_eval_log,
    read_eval_log_headers,
    read_eval_log_samples_by_id,
    write_eval_log,
)

from support.helpers import FIXTURES

NAMES = (Path(__file__).parents[1] / "fixtures" / "inspect_ai_0.3.285_log_names.txt").read_text().split()
# Inspect's names not offered yet: each must really be missing, so this list
# can only shrink as they come.
NOT_YET: set[str] = set()
MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
JSON = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"


def test_inspects_log_names_are_offered() -> None:
    assert len(NAMES) == 78 and set(NAMES) >= NOT_YET
    missing = sorted(n for n in NAMES if not hasattr(api, n))
    assert missing == sorted(NOT_YET), "offered now (remove from NOT_YET) or missing: " + str(set(missing) ^ NOT_YET)
    assert set(api.__all__) >= set(NAMES) - NOT_YET


def test_a_logs_location_can_be_set_and_written_to(tmp_path: Path) -> None:
    log = read_eval_log(JSON)
    log.location = str(tmp_path / "moved.json")
    write_eval_log(log)
    assert read_eval_log(tmp_path / "moved.json").eval.run_id == log.eval.run_id
    assert log.etag is None  # local files have none


@pytest.mark.parametrize(
    "source",
    [MULTI, FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"],
)
def test_samples_by_id_in_the_order_asked(source: Path) -> None:
    log = read_eval_log(source)
    keys = [(s.id, s.epoch) for s in log.samples or []]
    asked = [keys[-1], keys[0], keys[-1]]
    got = read_eval_log_samples_by_id(source, asked)
    assert [(s.id, s.epoch) for s in got] == asked
    with pytest.raises(IndexError) as missing:
        read_eval_log_samples_by_id(source, [keys[0], ("nope", 1)])
    assert isinstance(missing.value, SampleNotFoundError)


def test_headers_of_several_logs(tmp_path: Path) -> None:
    headers = read_eval_log_headers([MULTI, str(JSON)])
    assert [h.eval.task for h in headers] == ["arith_multi", "arith"] and all(h.samples is None for h in headers)
    assert headers[0].reductions is not None  # as read_eval_log(header_only=True) gives them
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="bad.json"):
        read_eval_log_headers([MULTI, bad])


def test_async_spellings_answer_as_their_twins(tmp_path: Path) -> None:
    async def main() -> None:
        log = await api.read_eval_log_async(MULTI)
        assert [(s.id, s.epoch) for s in log.samples or []] == [
            (s.id, s.epoch) for s in read_eval_log(MULTI).samples or []
        ]
        [header] = await api.read_eval_log_headers_async([MULTI])
        assert header.samples is None
        sample = await api.read_eval_log_sample_async(MULTI, 2, 2)
        assert (sample.id, sample.epoch) == (2, 2)
        assert len(await api.read_eval_log_sample_summaries_async(MULTI)) == 6
        assert len(await api.read_eval_log_samples_by_id_async(MULTI, [(1, 1)])) == 1
        result = await api.write_eval_log_async(log, tmp_path / "copy.eval")
        assert result.etag is None
        assert [i.name for i in await api.list_eval_logs_async(str(tmp_path))] == [
            "file://" + str(tmp_path / "copy.eval")
        ]

    asyncio.run(main())
    assert api.read_eval_log_async.__name__ == "read_eval_log_async"


@pytest.mark.parametrize("source", [MULTI, JSON])
def test_a_header_only_write_keeps_the_samples(source: Path, tmp_path: Path) -> None:
    path = tmp_path / source.name
    shutil.copy(source, path)
    header = read_eval_log(path, header_only=True)
    header.eval.tags = ["edited"]
    write_eval_log(header, path, "auto", None, True)  # Inspect's positional order
    after = read_eval_log(path)
    assert after.eval.tags == ["edited"]
    assert [(s.id, s.epoch) for s in after.samples or []] == [
        (s.id, s.epoch) for s in read_eval_log(source).samples or []
    ]


def test_listing_with_a_filter(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "v0.3.285/logs", tmp_path / "logs")
    errors = list_eval_logs(str(tmp_path / "logs"), filter=lambda log: log.status == "error")
    assert errors and all(read_eval_log(i.name, header_only=True).status == "error" for i in errors)
    everything = list_eval_logs(str(tmp_path / "logs"))
    assert len(errors) < len(everything)


def test_conditional_writes_on_s3(s3: str) -> None:
    url = f"{s3}/logs/{MULTI.name}"
    write_eval_log(read_eval_log(MULTI), url)
    log = read_eval_log(url)
    assert log.etag
    first = write_eval_log(log, url, if_match_etag=log.etag)
    assert first.etag and log.etag == first.etag  # the log object carries the new tag
    other = read_eval_log(url)
    other.eval.tags = ["someone else"]
    write_eval_log(other, url)  # another writer changes it
    with pytest.raises(WriteConflictError, match="changed since it was read"):
        write_eval_log(log, url, if_match_etag=first.etag)
    assert read_eval_log(url).tags == ["someone else"]
    with pytest.raises(LogExistsError):
        write_eval_log(msgspec.structs.replace(log, eval=msgspec.structs.replace(log.eval, run_id="x")), url)


def test_the_log_dir_manifest_lists_what_inspects_does(tmp_path: Path) -> None:
    """logs.json: each log's header by its path relative to the log dir, newest
    first (keys and order as Inspect 0.3.285 writes them for the same dir)."""
    from inspect_cli.log import write_log_dir_manifest

    from support.helpers import manifest_entries

    logs = tmp_path / "logs"
    shutil.copytree(FIXTURES / "v0.3.285/logs", logs)
    for version, entry in manifest_entries():
        if version == "v0.3.285" and (logs / entry["path"].removeprefix("logs/")).exists():
            os.utime(logs / entry["path"].removeprefix("logs/"), (entry["mtime"], entry["mtime"]))
    (logs / "broken.eval").write_bytes(b"PK not a zip")
    write_log_dir_manifest(str(logs))
    manifest = json.loads((logs / "logs.json").read_text())
    expected = [i.name.removeprefix(f"file://{logs}/") for i in list_eval_logs(str(logs)) if "broken" not in i.name]
    assert list(manifest) == expected and "broken.eval" not in manifest
    for name, header in manifest.items():
        assert header["eval"]["task_id"] == read_eval_log(logs / name, header_only=True).eval.task_id
        assert "samples" not in header
    write_log_dir_manifest(str(logs), filename="other.json", output_dir=str(tmp_path / "out"))
    assert json.loads((tmp_path / "out" / "other.json").read_text()) == manifest
