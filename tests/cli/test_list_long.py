"""`inspect list logs --long`: on a terminal a table that keeps status,
samples and the headline readable at 80 columns (the name gives way first,
shown relative to the log dir); piped, tab-separated lines with the error as
the last column; errored logs count the samples they finished."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from inspect_cli.cli.listing import fit_columns, long_table, short_name

from support.cli_runner import MODES, clean_env, run_inspect
from support.helpers import load_json

ERRORED_EVAL = "2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"  # 2 of 4 samples finished
ERRORED_JSON = "more/2026-11-28T06-09-50-00-00_arith-badscore_9ytJ2Qq6WCin5gsy6ahGe8.json"
STARTED_EVAL = "more/deep/2026-11-28T06-10-23-00-00_arith-interrupt_jrmKnqGSChfCic8nKbHSAH.eval"  # 2 flushed
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?3[0-9](?:;[0-9;]*)?m")  # a foreground colour (not italic: 3m)


@pytest.fixture
def cwd(fixture_root: Path) -> Path:
    return fixture_root / "v0.3.285"


def _on_terminal(args: list[str], cwd: Path, columns: int, **env: str) -> str:
    """Run `inspect ARGS` with stdout on a pseudo-terminal `columns` wide; its output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "inspect_cli", *args],
        cwd=cwd,
        env=clean_env(COLUMNS=str(columns), LINES="50", TERM="xterm", **env),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(60) == 0
    os.close(controller)
    return output.decode("utf-8").replace("\r\n", "\n")


def test_on_an_80_column_terminal_status_samples_and_headline_stay_whole(cwd: Path) -> None:
    text = _on_terminal(["list", "logs", "--long"], cwd, 80)
    lines = ANSI.sub("", text).splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert lines[0].strip() == "in logs"
    assert lines[1].split() == ["name", "status", "model", "samples", "result"]
    rows = [line for line in lines[2:] if line[:1] != " "]
    assert len(rows) == 19  # one row per log; wrapped error lines start with spaces
    # the creation time (the sort order) is cut from names before the task is
    assert all(row.startswith("…arith") for row in rows)
    multi = next(row for row in rows if row.startswith("…arith-multi"))
    assert multi.split()[1:] == ["success", "mockllm/model", "6/6", "includes/accuracy=0.6667"]
    errored = next(row for row in rows if row.startswith("…arith-flaky_ZXLYR") and " error " in row)
    assert errored.split()[1:5] == ["error", "mockllm/model", "2/4", "RuntimeError('deliberate"]
    assert COLOUR.search(text)  # a terminal gets colour...


def test_no_color_on_a_terminal_draws_the_table_without_escapes(cwd: Path) -> None:
    text = _on_terminal(["list", "logs", "--long"], cwd, 80, NO_COLOR="1")
    assert not COLOUR.search(text)  # ...unless NO_COLOR says not
    assert "includes/accuracy=0.6667" in text


def _entries(cwd: Path, log_dir: str) -> list[tuple[str, dict[str, Any]]]:
    listing = run_inspect("inprocess", ["list", "logs", "--long", "--json", "--absolute", "--log-dir", log_dir], cwd)
    return [(Path(r["name"]).as_uri(), r) for r in load_json(listing.stdout)]


def _render(table: Any, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(table)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_a_wide_terminal_shows_whole_names_relative_to_the_log_dir_and_the_created_time(cwd: Path) -> None:
    lines = _render(long_table(_entries(cwd, "logs"), str(cwd / "logs"), False, 200), 200)
    assert lines[1].split() == ["name", "status", "model", "created", "samples", "result"]
    assert any(line.startswith(f"{STARTED_EVAL}  ") for line in lines)
    assert any(line.startswith(f"{ERRORED_EVAL}  ") and "2026-11-28 06:09" in line for line in lines)
    errored = next(line for line in lines if line.startswith(ERRORED_JSON))
    assert errored.endswith("?/4      ValueError('deliberate scorer failure on sample 3')")


def test_absolute_names_stay_absolute(cwd: Path) -> None:
    lines = _render(long_table(_entries(cwd, "logs/more"), str(cwd / "logs/more"), True, 300), 300)
    assert lines[0].split()[0] == "name"  # no "in DIR" title: names say where they are
    assert lines[1].startswith(str(cwd / "logs/more/deep") + "/")


@pytest.mark.parametrize("width", [50, 60, 80, 100, 120, 160, 240])
def test_the_table_fits_the_terminal(cwd: Path, width: int) -> None:
    lines = _render(long_table(_entries(cwd, "logs"), str(cwd / "logs"), False, width), width + 40)
    assert max(len(line) for line in lines) <= width


def test_columns_narrow_name_first_and_status_samples_result_last() -> None:
    natural = {"name": 69, "status": 9, "model": 13, "created": 16, "samples": 7, "result": 55}
    assert fit_columns(natural, 300) == natural
    wide = fit_columns(natural, 150)
    assert wide["result"] == 40 and wide["created"] == 16 and 28 < wide["name"] < 69
    at_80 = fit_columns(natural, 80)
    assert at_80 == {"name": 19, "status": 9, "model": 13, "created": 0, "samples": 7, "result": 24}
    at_50 = fit_columns(natural, 50)
    assert at_50["model"] == 0 and (at_50["status"], at_50["samples"]) == (9, 7)


def test_short_names_lose_their_creation_time_then_their_folder_then_their_end() -> None:
    name = "more/deep/2026-11-28T06-10-23-00-00_arith-slow_RAXKnpDvdMj2xXBysx5bRZ.eval"
    assert short_name(name, 100) == name
    assert short_name(name, 50) == "more/deep/…arith-slow_RAXKnpDvdMj2xXBysx5bRZ.eval"
    assert short_name(name, 20) == "…arith-slow_RAXKnpD…"
    assert short_name("a-log-named-by-hand.eval", 10) == "a-log-nam…"


@pytest.mark.parametrize("mode", MODES)
def test_piped_lines_end_with_the_error_and_count_what_errored_logs_finished(cwd: Path, mode: str) -> None:
    result = run_inspect(mode, ["list", "logs", "--long"], cwd)
    assert result.exit_code == 0, result.stderr
    rows = {cells[0]: cells for cells in (line.split("\t") for line in result.stdout.splitlines())}
    assert all(len(cells) == 7 for cells in rows.values())
    assert rows[f"logs/{ERRORED_EVAL}"][1:] == [
        "error",
        "mockllm/model",
        "2026-11-28T06:09:23+00:00",
        "2/4",
        "",
        "RuntimeError('deliberate solver failure on sample q03')",
    ]
    assert rows[f"logs/{STARTED_EVAL}"][4] == "2/4"
    assert rows[f"logs/{ERRORED_JSON}"][4] == "?/4"  # a .json log keeps no summaries: unknown without its samples
    records = {r["name"]: r for r in load_json(run_inspect(mode, ["list", "logs", "--long", "--json"], cwd).stdout)}
    assert (
        records[f"logs/{ERRORED_EVAL}"]["completed_samples"],
        records[f"logs/{ERRORED_JSON}"]["completed_samples"],
    ) == (
        2,
        None,
    )
