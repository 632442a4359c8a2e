"""Logs whose samples are stored in Inspect's chunked per-sample layout (and
version-3 logs, whose samples pool their messages): read whole, in Inspect's
order, written back without losing a sample or an entry we do not know."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.errors import LogFormatError, LogVersionError
from inspect_cli.log import read_eval_log, read_eval_log_sample, read_eval_log_samples, write_eval_log
from inspect_cli.log._resolve import resolve_sample
from inspect_cli.log._tree import to_tree
from inspect_cli.log._zip import ZipWriter

from support.chunked import chunked_copy
from support.cli_runner import run_inspect
from support.helpers import FIXTURES, zip_json_entries

SOURCES = sorted((FIXTURES / "v0.3.285" / "logs").rglob("*.eval"))
MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"


def _enriched(source: Path, target: Path) -> Path:
    """`source` with an attachment and a recorded request in its first sample
    (the fixtures' mock model has neither), so every sequence is exercised."""
    entries = zip_json_entries(source)
    name = next(n for n in entries if n.startswith("samples/"))
    sample = entries[name]
    sample["attachments"] = {"5f0c2d6e": "a long system prompt " * 20}
    sample["messages"].insert(0, {"role": "system", "content": "attachment://5f0c2d6e", "id": "sys1"})
    for event in sample["events"]:
        if event.get("event") == "model":
            event["call"] = {"request": {"model": "m", "messages": [{"role": "system", "content": "attachment://5f0c2d6e"}]},
                             "response": {"id": "r1"}}  # fmt: skip
            break
    with open(target, "wb") as f:
        writer = ZipWriter(f)
        for entry, value in entries.items():
            writer.add(entry, json.dumps(value).encode())
        writer.close()
    return target


def _comparable(sample: Any) -> dict[str, Any]:
    tree = resolve_sample(to_tree(sample), attachments=True)
    return {k: v for k, v in tree.items() if k not in ("attachments", "events_data")}


@pytest.mark.parametrize("source", SOURCES, ids=[p.name for p in SOURCES])
def test_chunked_samples_read_whole(source: Path, tmp_path: Path) -> None:
    enriched = _enriched(source, tmp_path / "enriched.eval")
    chunked = tmp_path / source.name
    chunked_copy(enriched, chunked, size=2)
    assert (
        any("/events/2.json" in n for n in zip_json_entries(chunked)) or len(read_eval_log(enriched).samples or []) < 2
    )
    original = read_eval_log(enriched, resolve_attachments=True)
    read = read_eval_log(chunked, resolve_attachments=True)
    assert read.status == original.status and read.eval.run_id == original.eval.run_id
    assert [_comparable(s) for s in read.samples or []] == [_comparable(s) for s in original.samples or []]
    streamed = [_comparable(s) for s in read_eval_log_samples(chunked, False, resolve_attachments=True)]
    expected = read_eval_log_samples(enriched, False, resolve_attachments=True)  # its own order (id by id)
    assert streamed == [_comparable(s) for s in expected]
    first = (original.samples or [])[0]
    one = read_eval_log_sample(chunked, first.id, first.epoch, resolve_attachments=True)
    assert _comparable(one) == _comparable(first)


def test_a_chunked_log_written_back_keeps_every_sample_and_unknown_entry(tmp_path: Path) -> None:
    chunked = tmp_path / "chunked.eval"
    extra = {"extras/notes.json": b'{"kept": true}', "_journal/viewer-state.json": b"[1, 2, 3]"}
    chunked_copy(_enriched(MULTI, tmp_path / "enriched.eval"), chunked, size=2, extra=extra)
    log = read_eval_log(chunked)
    copy = tmp_path / "copy.eval"
    write_eval_log(log, copy)
    entries = zip_json_entries(copy)
    assert json.loads(json.dumps(entries["extras/notes.json"])) == {"kept": True}
    assert entries["_journal/viewer-state.json"] == [1, 2, 3]
    assert sorted(n for n in entries if n.startswith("samples/")) == sorted(
        f"samples/{s.id}_epoch_{s.epoch}.json" for s in log.samples or []
    )  # written in the layout every Inspect reads
    again = read_eval_log(copy, resolve_attachments=True)
    assert [_comparable(s) for s in again.samples or []] == [
        _comparable(s) for s in read_eval_log(chunked, resolve_attachments=True).samples or []
    ]
    converted = run_inspect(
        "subprocess", ["log", "convert", str(copy), "--to", "json", "--output-dir", "out"], tmp_path
    )
    assert converted.exit_code == 0, converted.stderr


def test_samples_come_in_inspects_order(tmp_path: Path) -> None:
    """By epoch, then id: integer ids by value, before string ids (zip order is the writer's)."""
    entries = zip_json_entries(MULTI)
    base = next(v for k, v in entries.items() if k.startswith("samples/"))
    order = [(10, 1), ("b", 1), (2, 1), ("a", 2), (1, 2), ("a", 1)]
    path = tmp_path / "order.eval"
    with open(path, "wb") as f:
        writer = ZipWriter(f)
        for name, value in entries.items():
            if not name.startswith("samples/"):
                writer.add(name, json.dumps(value).encode())
        for id, epoch in order:
            writer.add(f"samples/{id}_epoch_{epoch}.json", json.dumps({**base, "id": id, "epoch": epoch}).encode())
        writer.close()
    expected = [(2, 1), (10, 1), ("a", 1), ("b", 1), (1, 2), ("a", 2)]  # strings after integers, in an epoch
    assert [(s.id, s.epoch) for s in read_eval_log(path).samples or []] == expected


def test_sample_data_that_makes_no_sample_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chunked = tmp_path / "chunked.eval"
    orphan = {"samples/zz_epoch_1/events/0.json": b"[]", "samples/zz_epoch_1/messages/0.json": b"[]"}
    chunked_copy(MULTI, chunked, extra=orphan)
    log = read_eval_log(chunked)
    assert len(log.samples or []) == len(read_eval_log(MULTI).samples or [])
    warning = capsys.readouterr().err
    assert "samples/zz_epoch_1/events/0.json" in warning and "left out" in warning
    only = tmp_path / "only.eval"
    entries = {k: v for k, v in zip_json_entries(MULTI).items() if not k.startswith("samples/")}
    with open(only, "wb") as f:
        writer = ZipWriter(f)
        for name, value in entries.items():
            writer.add(name, json.dumps(value).encode())
        for name, data in orphan.items():
            writer.add(name, data)
        writer.close()
    with pytest.raises(LogFormatError, match="sample data that makes no sample: samples/zz_epoch_1"):
        read_eval_log(only)
    assert read_eval_log(only, header_only=True).status == "success"  # the header alone is fine


def _version_3(source: Path, target: Path) -> Path:
    """`source` as a version-3 log: samples pool their model inputs in
    `message_pool`/`call_pool` instead of `events_data`."""
    entries = zip_json_entries(source)
    with open(target, "wb") as f:
        writer = ZipWriter(f)
        for name, value in entries.items():
            if name in ("header.json", "_journal/start.json"):
                value = {**value, "version": 3}
            elif name.startswith("samples/") and isinstance(value.get("events_data"), dict):
                pools = value.pop("events_data")
                value["message_pool"], value["call_pool"] = pools.get("messages", []), pools.get("calls", [])
            writer.add(name, json.dumps(value).encode())
        writer.close()
    return target


def test_version_3_eval_logs_are_read_as_version_2(tmp_path: Path) -> None:
    v3 = _version_3(MULTI, tmp_path / "v3.eval")
    assert b"message_pool" in b"".join(json.dumps(v).encode() for v in zip_json_entries(v3).values())
    log = read_eval_log(v3, resolve_attachments=True)
    original = read_eval_log(MULTI, resolve_attachments=True)
    assert log.version == 2
    assert [_comparable(s) for s in log.samples or []] == [_comparable(s) for s in original.samples or []]
    copy = tmp_path / "copy.json"
    write_eval_log(read_eval_log(v3), copy)  # a .json copy is version 2: Inspect's .json reader takes it
    assert json.loads(copy.read_text())["version"] == 2


def test_a_version_3_json_log_is_refused_as_inspect_refuses_it(tmp_path: Path) -> None:
    source = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
    data = json.loads(source.read_text())
    data["version"] = 3
    path = tmp_path / source.name
    path.write_text(json.dumps(data))
    with pytest.raises(LogVersionError, match="newer than this tool reads"):
        read_eval_log(path)


def test_inspect_ai_reads_our_copy_of_a_chunked_log_as_the_original(tmp_path: Path) -> None:
    """Inspect 0.3.285 cannot read the chunked layout itself; our rewrite of
    one it reads with the same results as the monolith original."""
    import subprocess

    from support import inspect_ai_summary
    from support.inspect_ai_env import inspect_ai_python

    enriched = _enriched(MULTI, tmp_path / "enriched.eval")
    chunked = tmp_path / "chunked.eval"
    chunked_copy(enriched, chunked)
    copy = tmp_path / "copy.eval"
    write_eval_log(read_eval_log(chunked), copy)
    run = subprocess.run(
        [str(inspect_ai_python()), inspect_ai_summary.__file__, str(enriched), str(copy)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    theirs = json.loads(run.stdout)
    assert theirs[str(copy)] == theirs[str(enriched)]
