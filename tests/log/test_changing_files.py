"""Logs that change while they are read, and logs that fail half way through a dump.

A reader never crashes and never prints part of a document: it prints a
whole document, or fails with one `Error:` line and prints nothing.

Old behaviour these tests catch:
- local logs were memory-mapped: truncating a log while `inspect log dump`
  read it killed the process with SIGBUS (return code -7, or 135 from a
  shell);
- `inspect log dump` streamed its output: a log whose third sample was
  corrupt printed the header and two samples, then failed (a partial JSON
  document on stdout); `inspect log headers GOOD MISSING` left `[` on stdout.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import IO, Any

import msgspec
import pytest

from inspect_cli import storage
from inspect_cli.errors import LogError, StorageError
from inspect_cli.log import EvalLog, read_eval_log, write_eval_log
from inspect_cli.log._dump import dump_eval_log
from inspect_cli.log._zip import STORED, ZipReader, ZipWriter

from support.cli_runner import MODES, clean_env, run_inspect
from support.helpers import FIXTURES

FIXTURE_LOG = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"


def _log(samples: int, kb: int, seed: int) -> EvalLog:
    """The fixture log with `samples` samples, each carrying `kb` KB of random metadata."""
    base = read_eval_log(FIXTURE_LOG)
    assert base.samples
    rng = random.Random(seed)
    first = base.samples[0]
    return msgspec.structs.replace(
        base,
        samples=[
            msgspec.structs.replace(
                first, id=f"x{i:02d}", metadata={"blob": base64.b64encode(rng.randbytes(kb * 768)).decode()}
            )
            for i in range(samples)
        ],
    )


def _is_open_by(pid: int, path: Path) -> bool:
    folder = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(folder)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(os.path.join(folder, fd)) == str(path):
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches /proc to change the file while it is open")
def test_log_changed_while_dumped_never_crashes_or_prints_part(tmp_path: Path) -> None:
    """A ~40 MB `.json` log is truncated in place, or overwritten in place
    with a smaller log (as `cp` does), while `inspect log dump` reads it: in
    half of the rounds the moment the dump has the file open (watched in
    /proc), in the others at a random moment of its run. Never SIGBUS (the
    old mmap reader died so whenever the truncation hit its mapping), never
    part of a document."""
    pristine = tmp_path / "pristine.json"
    write_eval_log(_log(samples=20, kb=1500, seed=1), pristine)
    small = tmp_path / "small.json"
    write_eval_log(_log(samples=3, kb=10, seed=2), small)
    small_bytes = small.read_bytes()
    target = tmp_path / "log.json"

    def dump(path: Path) -> tuple[subprocess.Popen[bytes], IO[bytes], IO[bytes]]:
        out = open(tmp_path / "stdout", "w+b")  # noqa: SIM115  (closed by the caller)
        err = open(tmp_path / "stderr", "w+b")  # noqa: SIM115
        command = [sys.executable, "-m", "inspect_cli", "log", "dump", str(path)]
        return subprocess.Popen(command, cwd=tmp_path, env=clean_env(), stdout=out, stderr=err), out, err

    expected = {}
    started = time.monotonic()
    for name, path in (("original", pristine), ("small", small)):
        process, out, err = dump(path)
        with out, err:
            assert process.wait(timeout=120) == 0
            out.seek(0)
            expected[name] = out.read()
    duration = (time.monotonic() - started) / 2

    rng = random.Random(7)
    outcomes: list[tuple[str, str, str]] = []
    for round in range(12):
        if target.exists():
            target.unlink()
        shutil.copyfile(pristine, target)  # a fresh file each round
        how = rng.choice(["truncate", "overwrite"])
        when = "while open" if round % 2 == 0 else "random"
        process, out, err = dump(target)
        with out, err:
            if when == "while open":
                deadline = time.monotonic() + 30
                while not _is_open_by(process.pid, target) and process.poll() is None:
                    assert time.monotonic() < deadline
                    time.sleep(0.0002)
            else:
                time.sleep(rng.uniform(0, 1.2) * duration)
            seen_open = _is_open_by(process.pid, target)
            if how == "truncate":
                with open(target, "r+b") as f:
                    f.truncate(rng.randint(1, pristine.stat().st_size - 1))
            else:
                with open(target, "wb") as f:  # in place, as `cp small.json log.json` does
                    f.write(small_bytes)
            code = process.wait(timeout=120)
            out.seek(0)
            stdout = out.read()
            err.seek(0)
            stderr = err.read().decode()
        assert code not in (-signal.SIGBUS, 128 + signal.SIGBUS), (how, when, stderr)
        assert code in (0, 1), (how, when, code, stderr)
        if code == 0:
            document = json.loads(stdout)  # a whole document...
            assert isinstance(document, dict) and isinstance(document.get("samples"), list)
            for sample in document["samples"]:  # ...of whole samples
                assert {"id", "epoch", "output", "metadata"} <= set(sample)
            result = next((name for name, data in expected.items() if data == stdout), "mixed")
        else:
            assert stdout == b"", (how, when, stdout[:200])
            lines = stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error:"), stderr
            result = "error: " + ("changed" if "changed while it was read" in lines[0] else lines[0][:60])
        outcomes.append((how, f"{when}{' (open at change)' if seen_open else ''}", result))
    print("\n" + "\n".join(map(str, outcomes)))
    # The rounds that changed the file while the dump had it open were refused.
    assert any(o[1].endswith("(open at change)") and o[2].startswith("error") for o in outcomes), outcomes


class _ChangingFile:
    """A file that `change`s itself on disk after its first read (the way
    another process would, while the log is read)."""

    def __init__(self, f: IO[bytes], change: Any) -> None:
        self._f = f
        self._change = change
        self._changed = False

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        if not self._changed:
            self._changed = True
            self._change()
        return data

    def __enter__(self) -> _ChangingFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._f.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


@pytest.mark.parametrize("suffix", [".eval", ".json"])
@pytest.mark.parametrize("header_only", [False, True])
def test_read_of_a_log_changed_meanwhile_says_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, header_only: bool
) -> None:
    path = tmp_path / f"log{suffix}"
    log = _log(samples=3, kb=1, seed=3)
    write_eval_log(log, path)

    def append() -> None:
        with open(path, "ab") as f:
            f.write(b"\n")

    checked_file = storage.checked_file

    def changing(fd: int, name: str) -> Any:
        return _ChangingFile(checked_file(fd, name), append)

    monkeypatch.setattr(storage, "checked_file", changing)
    with pytest.raises((LogError, StorageError), match="changed while it was read"):
        read_eval_log(path, header_only=header_only)
    monkeypatch.undo()
    assert read_eval_log(path) == read_eval_log(path)  # readable again, once it holds still


# -- a dump that fails part way through prints nothing --------------------------------------


def _eval_with_corrupt_third_sample(source: Path, target: Path) -> None:
    """A copy of the `.eval` log `source` whose third sample entry fails its CRC check."""
    with open(source, "rb") as f:
        reader = ZipReader(f, str(source))
        entries = [(name, reader.read(name)) for name in reader.names()]
    samples = [name for name, _ in entries if name.startswith("samples/")]
    assert len(samples) >= 4
    with open(target, "wb") as f:
        writer = ZipWriter(f)
        for name, data in entries:
            if name == samples[2]:
                writer.add_raw(name, STORED, zlib.crc32(data) ^ 0xFFFF, len(data), data)
            else:
                writer.add(name, data)
        writer.close()


@pytest.mark.parametrize("mode", MODES)
def test_dump_of_a_log_with_a_corrupt_third_sample_prints_nothing(tmp_path: Path, mode: str) -> None:
    good = tmp_path / "good.eval"
    write_eval_log(_log(samples=5, kb=1, seed=4), good)
    bad = tmp_path / "bad.eval"
    _eval_with_corrupt_third_sample(good, bad)
    assert read_eval_log(bad, header_only=True).status == "success"  # the header still reads
    result = run_inspect(mode, ["log", "dump", str(bad)], tmp_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "CRC" in lines[0], result.stderr
    assert json.loads(run_inspect(mode, ["log", "dump", str(good)], tmp_path).stdout)["samples"]


@pytest.mark.parametrize("mode", MODES)
def test_headers_of_a_good_and_a_missing_log_print_nothing(tmp_path: Path, mode: str) -> None:
    good = tmp_path / "good.eval"
    write_eval_log(_log(samples=2, kb=1, seed=5), good)
    missing = tmp_path / "missing.eval"
    result = run_inspect(mode, ["log", "headers", str(good), str(missing)], tmp_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "missing.eval" in lines[0], result.stderr
    ok = run_inspect(mode, ["log", "headers", str(good), str(good)], tmp_path)
    assert ok.exit_code == 0 and len(json.loads(ok.stdout)) == 2


def test_dump_of_a_log_replaced_between_its_reads_is_one_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.json"
    first = _log(samples=3, kb=1, seed=6)
    write_eval_log(first, path)
    second = msgspec.structs.replace(
        _log(samples=1, kb=1, seed=7), eval=msgspec.structs.replace(first.eval, run_id="another-run")
    )
    from inspect_cli.log import _dump

    read_header = _dump.read_eval_log

    def read_then_replace(*args: Any, **kwargs: Any) -> EvalLog:
        header = read_header(*args, **kwargs)
        write_eval_log(second, path, overwrite=True)  # a writer renames a new version into place
        return header

    monkeypatch.setattr(_dump, "read_eval_log", read_then_replace)
    chunks: list[bytes] = []
    dump_eval_log(str(path), chunks.append)
    dumped = json.loads(b"".join(chunks))
    run_ids = {first.eval.run_id: len(first.samples or []), "another-run": 1}
    assert len(dumped["samples"]) == run_ids[dumped["eval"]["run_id"]]
