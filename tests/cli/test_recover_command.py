"""`inspect log recover`: one library call, what it did on stdout, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_cli.log import read_eval_log

from support.cli_runner import MODES, run_inspect
from support.crashed import crashed_log

NAME = "2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv"


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize("mode", MODES)
def test_recover_then_refuse_a_second_time(tmp_path: Path, mode: str) -> None:
    crashed_log(tmp_path / "logs" / f"{NAME}.eval", keep=2)
    log = f"logs/{NAME}.eval"
    result = run_inspect(mode, ["log", "recover", log], tmp_path)
    assert result.exit_code == 0, result.stderr
    target = f"logs/{NAME}-recovered.eval"
    assert result.stdout == (
        f"Recovered 2 samples to {target}\n  status: error\n\n"
        f"To run the 4 samples that did not finish:\n  inspect eval-retry {target}\n"
    )
    assert read_eval_log(tmp_path / target).status == "error"
    again = run_inspect(mode, ["log", "recover", log], tmp_path)
    assert again.exit_code == 1 and again.stdout == ""
    assert "recovered already" in _one_line_error(again.stderr)


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (["missing.eval"], 1, "no such file"),
        (["foreign.eval"], 1, "foreign.eval"),
        (["done.eval"], 1, "status 'error'"),
        ([], 2, "LOG_FILE"),
        (["--list", "crashed.eval"], 2, "not both"),
        (["crashed.eval", "--json"], 2, "--list"),
        (["crashed.eval", "--output", "x.eval", "--overwrite"], 2, "not both"),
        (["crashed.eval", "--output", "foreign.eval"], 1, "not replacing"),
    ],
)
def test_what_is_refused(tmp_path: Path, args: list[str], exit_code: int, says: str) -> None:
    crashed_log(tmp_path / "crashed.eval")
    crashed_log(tmp_path / "done.eval")
    run_inspect("inprocess", ["log", "recover", "done.eval", "--overwrite"], tmp_path)
    (tmp_path / "foreign.eval").write_bytes(b"not a zip at all")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run_inspect("inprocess", ["log", "recover", *args], tmp_path)
    assert result.exit_code == exit_code and result.stdout == ""
    assert says in _one_line_error(result.stderr)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing written, nothing lost


def test_options_reach_the_library(tmp_path: Path) -> None:
    crashed_log(tmp_path / f"{NAME}.json", keep=6)
    leftover = tmp_path / f".tmp-abcdefgh-{NAME}.json"
    leftover.write_text("{")
    result = run_inspect(
        "inprocess",
        [
            "log",
            "recover",
            f"{NAME}.json",
            "--overwrite",
            "--no-events",
            "--incomplete-action",
            "error",
            "--no-cleanup",
        ],
        tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Recovered 6 samples to {NAME}.json\n  status: success\n"  # nothing left to run
    log = read_eval_log(tmp_path / f"{NAME}.json")
    assert log.status == "success" and all(s.events == [] for s in log.samples or [])
    assert leftover.exists()


def test_list(tmp_path: Path) -> None:
    crashed_log(tmp_path / "logs" / f"{NAME}.eval", keep=2)
    crashed_log(tmp_path / "logs" / "2026-11-28T06-00-00-00-00_arith-multi_Z.eval", keep=6)
    run_inspect("inprocess", ["log", "recover", "logs/2026-11-28T06-00-00-00-00_arith-multi_Z.eval"], tmp_path)
    text = run_inspect("inprocess", ["log", "recover", "--list"], tmp_path)
    assert text.exit_code == 0 and text.stdout == f"logs/{NAME}.eval\n  2 of 6 samples in the log\n"
    listed = run_inspect("inprocess", ["log", "recover", "--list", "--json", "--log-dir", "logs"], tmp_path)
    assert listed.exit_code == 0, listed.stderr
    [record] = json.loads(listed.stdout)
    assert record == {
        "name": (tmp_path / "logs" / f"{NAME}.eval").resolve().as_uri(),
        "task": "arith-multi",
        "total_samples": 6,
        "flushed_samples": 2,
        "completed_samples": 0,
        "in_progress_samples": 0,
        "source": "log",
    }
    empty = run_inspect("inprocess", ["log", "recover", "--list", "--json", "--log-dir", "none"], tmp_path)
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []
    nothing = run_inspect("inprocess", ["log", "recover", "--list", "--log-dir", "none"], tmp_path)
    assert nothing.exit_code == 0 and nothing.stdout == "" and "no recoverable logs" in nothing.stderr
