"""Hostile and odd files, one regression test per shape found by hand: each
reads as a LogFormatError naming the file (or reads right), a listing skips
it and lists the rest, nothing hangs and memory stays bounded."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from inspect_cli.errors import LogFormatError, StorageError
from inspect_cli.log import read_eval_log, read_eval_log_samples, write_eval_log
from inspect_cli.log._zip import ZipWriter

from support.cli_runner import clean_env, run_inspect
from support.helpers import FIXTURES, zip_json_entries

GOOD_JSON = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
GOOD_EVAL = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
STAMP = "2026-01-01T00-00-00-00-00"


def _json_log(folder: Path, name: str, change: dict[str, object], raw: dict[str, bytes] | None = None) -> Path:
    """The good .json log with some top-level members replaced (by values, or
    by raw JSON text for what Python's json cannot write)."""
    data = json.loads(GOOD_JSON.read_text())
    data.update(change)
    text = json.dumps(data, indent=2).encode()
    for key, value in (raw or {}).items():
        text = text.replace(
            json.dumps(key).encode() + b": " + json.dumps(data[key]).encode(),
            json.dumps(key).encode() + b": " + value,
            1,
        )
    path = folder / f"{STAMP}_{name}_x.json"
    path.write_bytes(text)
    return path


def _eval_log(folder: Path, name: str, entries: dict[str, bytes]) -> Path:
    """The good .eval log with some entries' content replaced."""
    content = {k: json.dumps(v).encode() for k, v in zip_json_entries(GOOD_EVAL).items()}
    content.update(entries)
    path = folder / f"{STAMP}_{name}_x.eval"
    with open(path, "wb") as f:
        writer = ZipWriter(f)
        for entry, data in content.items():
            writer.add(entry, data)
        writer.close()
    return path


DEEP = b"[" * 5000 + b"]" * 5000


def _hostile(folder: Path) -> dict[str, Path]:
    return {
        "deep json": _json_log(folder, "deep", {"eval": "X"}, raw={"eval": DEEP}),
        "deep eval": _eval_log(folder, "deepeval", {"header.json": b'{"version": 2, "status": "success", "eval": ' + DEEP + b"}"}),
        "invalid utf-8": _json_log(folder, "utf", {"status": "X"}, raw={"status": b'"succ\xff\xfeess"'}),
        "type name a list": _json_log(folder, "typelist", {"status": ["success"]}),
        "type name a dict": _eval_log(folder, "typedict", {"header.json": json.dumps({"version": 2, "status": {"a": 1}, "eval": {}}).encode()}),
        "version a string": _json_log(folder, "version", {"version": "2"}),
        "version huge": _json_log(folder, "versionhuge", {"version": 2**70}),
    }  # fmt: skip


def test_hostile_logs_are_format_errors_naming_the_file(tmp_path: Path) -> None:
    for what, path in _hostile(tmp_path).items():
        reads = [lambda p: read_eval_log(p), lambda p: read_eval_log(p, header_only=True)]
        if path.suffix == ".json":  # (an .eval's samples are entries of their own: they stream past a bad header)
            reads.append(lambda p: list(read_eval_log_samples(p)))
        for read in reads:
            with pytest.raises(LogFormatError) as caught:
                read(path)
            assert path.name in str(caught.value), (what, str(caught.value))


def test_integers_beyond_64_bits_round_trip(tmp_path: Path) -> None:
    """Legal JSON (Inspect's Python reads them): kept exactly, in both formats."""
    spec = json.loads(GOOD_JSON.read_text())["eval"]  # the top-level metadata is derived from the eval's
    path = _json_log(tmp_path, "bigint", {"eval": {**spec, "metadata": {"big": 2**70, "small": -(2**65)}}})
    log = read_eval_log(path)
    assert log.metadata == {"big": 2**70, "small": -(2**65)}
    for suffix in (".eval", ".json"):
        copy = tmp_path / f"copy{suffix}"
        write_eval_log(log, copy)
        assert read_eval_log(copy).metadata == {"big": 2**70, "small": -(2**65)}
    assert b"1180591620717411303424" in (tmp_path / "copy.json").read_bytes()


@pytest.mark.parametrize("args", [["--status", "success"], ["--retryable"], ["--long"]])
def test_a_listing_reports_hostile_logs_and_lists_the_rest(tmp_path: Path, args: list[str]) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(GOOD_JSON, logs)
    hostile = _hostile(logs)
    result = run_inspect("subprocess", ["list", "logs", "--json", "--log-dir", str(logs), *args], tmp_path)
    assert result.exit_code == 3, result.stderr
    names = [Path(r["name"]).name for r in json.loads(result.stdout)]
    if args != ["--retryable"]:
        assert names == [GOOD_JSON.name]
    for path in hostile.values():
        assert f"skipped {path.relative_to(tmp_path)}" in result.stderr or path.name in result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr


def test_the_viewer_reports_the_one_bad_log(tmp_path: Path) -> None:
    from inspect_cli.view import ViewApi

    shutil.copy(GOOD_JSON, tmp_path)
    hostile = _hostile(tmp_path)
    headers = ViewApi(tmp_path).log_headers([GOOD_JSON.name, *(p.name for p in hostile.values())])
    assert headers[0]["status"] == "success"
    assert all(set(h) == {"read_error"} for h in headers[1:]), headers[1:]


def test_symlink_loops_and_links_to_the_root_are_not_walked(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "sub").mkdir(parents=True)
    shutil.copy(GOOD_JSON, logs / "sub")
    os.symlink(".", logs / "current")  # a loop
    os.symlink("/", logs / "root")  # the whole machine
    os.symlink(logs / "sub", logs / "again")
    result = run_inspect("subprocess", ["list", "logs", "--json", "--log-dir", str(logs)], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert [Path(r["name"]).name for r in json.loads(result.stdout)] == [GOOD_JSON.name]


def _zip_bomb(path: Path, inflated: int) -> None:
    """A small .eval whose reductions.json inflates to `inflated` bytes."""
    with open(path, "wb") as f:
        writer = ZipWriter(f)
        for entry, value in zip_json_entries(GOOD_EVAL).items():
            if entry != "reductions.json":
                writer.add(entry, json.dumps(value).encode())
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        chunk = b"[" + b"0," * (1 << 20)
        packed, crc, size = bytearray(), 0, 0
        while size < inflated:
            packed += compressor.compress(chunk)
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        packed += compressor.flush()
        writer.add_raw("reductions.json", 8, crc, size, bytes(packed))
        writer.close()


def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    bomb = tmp_path / f"{STAMP}_bomb_x.eval"
    _zip_bomb(bomb, 200 * 1024 * 1024)
    assert bomb.stat().st_size < 500_000
    with pytest.raises(LogFormatError, match="inflates to more than .* refused"):
        read_eval_log(bomb, header_only=True)
    run = subprocess.run(
        [sys.executable, "-c", _PEAK, sys.executable, "-m", "inspect_cli", "log", "dump", "--header-only", str(bomb)],
        env=clean_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    child = json.loads(run.stdout)
    assert child["code"] == 1 and child["stdout"] == ""
    assert "reductions.json" in child["stderr"] and "refused" in child["stderr"]
    assert child["peak_kb"] / 1024 < 400  # MB; the bomb would take gigabytes once parsed


# Runs a command as its only child and reports its exit code, output and peak memory.
_PEAK = """
import json, resource, subprocess, sys
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": run.returncode, "stdout": run.stdout, "stderr": run.stderr, "peak_kb": peak}))
"""


def test_fake_end_records_are_searched_a_bounded_number_of_times(tmp_path: Path) -> None:
    """Thousands of fake end-of-directory records (each pointing at a large
    fake directory) used to be tried one by one: minutes for a few MB."""
    fake = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, 4_000_000, 1, 0)
    path = tmp_path / f"{STAMP}_fake_x.eval"
    path.write_bytes(GOOD_EVAL.read_bytes()[:1000] + (b"xx" + fake) * 250_000)
    started = time.monotonic()
    with pytest.raises(LogFormatError, match="no end of central directory"):
        read_eval_log(path, header_only=True)
    assert time.monotonic() - started < 30  # a hang guard, not a speed target (bench: scripts/bench-read)


@pytest.mark.parametrize("suffix", [".eval", ".json"])
def test_a_fifo_named_like_a_log_is_refused_not_waited_on(tmp_path: Path, suffix: str) -> None:
    fifo = tmp_path / f"{STAMP}_pipe_x{suffix}"
    os.mkfifo(fifo)
    with pytest.raises(StorageError, match="not a regular file"):
        read_eval_log(fifo)
    result = run_inspect("subprocess", ["log", "dump", str(fifo)], tmp_path)
    assert result.exit_code == 1 and "not a regular file" in result.stderr
    listing = run_inspect("subprocess", ["list", "logs", "--long", "--json", "--log-dir", str(tmp_path)], tmp_path)
    assert listing.exit_code == 0 and json.loads(listing.stdout) == []  # not a file: not a log
