"""Logs written while their eval runs (`log_format(...).log_file`): every step
leaves a complete log on disk, a new log never replaces a file, and written
files follow the umask."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from inspect_cli.log import EvalLog, read_eval_log, read_eval_log_sample_summaries
from inspect_cli.log._file import log_format

from support.helpers import FIXTURES

SOURCE = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"


@pytest.fixture(scope="module")
def finished() -> EvalLog:
    return read_eval_log(SOURCE)


def _started(log: EvalLog) -> EvalLog:
    return msgspec.structs.replace(log, status="started", results=None, samples=None, reductions=None)


def _check_complete_zip(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        names = z.namelist()
    if shutil.which("unzip"):
        run = subprocess.run(["unzip", "-tqq", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr
    return names


def test_an_eval_log_is_a_complete_zip_after_every_step(tmp_path: Path, finished: EvalLog) -> None:
    samples = list(finished.samples or [])
    path = tmp_path / "run.eval"
    writer = log_format(str(path)).log_file(str(path))
    writer.start(_started(finished))
    assert _check_complete_zip(path) == ["_journal/start.json"]
    assert read_eval_log(path).status == "started"
    for count in range(1, len(samples)):
        writer.flush(samples[count - 1 : count])
        names = _check_complete_zip(path)
        assert len(names) == len(set(names))  # one directory, no stale copies
        log = read_eval_log(path)
        assert log.status == "started" and [s.id for s in log.samples or []] == [s.id for s in samples[:count]]
        assert [s.id for s in read_eval_log_sample_summaries(path)] == [s.id for s in samples[:count]]
    writer.finish(finished, samples[-1:])
    names = _check_complete_zip(path)
    assert names[-1] == "header.json" and "summaries.json" in names and "reductions.json" in names
    log = read_eval_log(path)
    assert log.status == "success" and len(log.samples or []) == len(samples)
    assert [p.name for p in tmp_path.iterdir()] == ["run.eval"]  # no temporary file left


@pytest.mark.parametrize("suffix", [".eval", ".json"])
def test_a_new_log_never_replaces_a_file(tmp_path: Path, finished: EvalLog, suffix: str) -> None:
    path = tmp_path / f"taken{suffix}"
    path.write_text("somebody else's file")
    writer = log_format(str(path)).log_file(str(path))
    with pytest.raises(FileExistsError):
        writer.start(_started(finished))
    assert path.read_text() == "somebody else's file"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_json_log_holds_the_samples_so_far_after_every_step(tmp_path: Path, finished: EvalLog) -> None:
    samples = list(finished.samples or [])
    path = tmp_path / "2026-01-01T00-00-00-00-00_run_x.json"
    writer = log_format(str(path)).log_file(str(path))
    writer.start(_started(finished))
    assert read_eval_log(path).samples is None
    writer.flush(samples[:2])
    log = read_eval_log(path)
    assert log.status == "started" and [s.id for s in log.samples or []] == [s.id for s in samples[:2]]
    writer.finish(finished, samples[2:])
    log = read_eval_log(path)
    assert log.status == "success" and [s.id for s in log.samples or []] == [s.id for s in samples]


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    from inspect_cli import storage

    storage._umask = None  # read again
    try:
        yield request.param
    finally:
        os.umask(old)
        storage._umask = None


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002], indirect=True)
@pytest.mark.parametrize("suffix", [".eval", ".json"])
def test_written_files_follow_the_umask(tmp_path: Path, finished: EvalLog, umask: int, suffix: str) -> None:
    from inspect_cli.log import write_eval_log

    expected = 0o666 & ~umask
    copy = tmp_path / f"copy{suffix}"
    write_eval_log(finished, copy)
    assert copy.stat().st_mode & 0o777 == expected
    running = tmp_path / f"running{suffix}"
    writer = log_format(str(running)).log_file(str(running))
    writer.start(_started(finished))
    writer.flush(list(finished.samples or [])[:1])
    assert running.stat().st_mode & 0o777 == expected
