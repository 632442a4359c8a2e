"""`inspect view` as users start it: as a Python process and as the binary."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from support.cli_runner import BINARY, MODES, clean_env, run_inspect

SERVING_MODES = [m for m in MODES if m != "inprocess"]


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop a server with Ctrl-C: the one-file binary's bootloader passes it on to
    the process that serves (a SIGKILL would leave that one running)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _start(mode: str, args: list[str], cwd: Path, **env: str) -> subprocess.Popen[str]:
    command = [BINARY] if mode == "binary" else [sys.executable, "-m", "inspect_cli"]
    return subprocess.Popen(
        [*command, "view", *args], cwd=cwd, env=clean_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )  # fmt: skip


@pytest.mark.parametrize("mode", SERVING_MODES)
def test_view_prints_its_url_serves_the_log_dir_and_stops_on_ctrl_c(
    mode: str, fixture_root: Path, tmp_path: Path
) -> None:
    log_dir = fixture_root / "v0.3.285" / "logs"
    process = _start(mode, ["--port", "0"], tmp_path, INSPECT_LOG_DIR=str(log_dir))  # as `inspect view`
    try:
        line = process.stdout.readline()
        assert line.startswith("Inspect view: http://127.0.0.1:"), line + process.stderr.read()
        url = line.split(": ", 1)[1].strip()
        with urllib.request.urlopen(url + "api/logs", timeout=10) as response:
            listing = json.loads(response.read())
        assert listing["log_dir"] == f"file://{log_dir}" and len(listing["files"]) == 19
        with urllib.request.urlopen(url, timeout=10) as response:  # the page, bundled in the binary too
            assert b"/static/app.js" in response.read()
        with urllib.request.urlopen(url + "static/app.js", timeout=10) as response:
            assert b"refresh-evals" in response.read()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 130
        assert "Traceback" not in stderr and str(log_dir) in stderr
    finally:
        _stop(process)


@pytest.mark.parametrize("mode", SERVING_MODES)
def test_view_without_recursion_lists_only_the_top_folder(mode: str, fixture_root: Path, tmp_path: Path) -> None:
    log_dir = fixture_root / "v0.3.285" / "logs"
    process = _start(mode, ["--port", "0", "--log-dir", str(log_dir), "--no-recursive"], tmp_path)
    try:
        url = process.stdout.readline().split(": ", 1)[1].strip()
        with urllib.request.urlopen(url + "api/logs", timeout=10) as response:
            names = [f["name"] for f in json.loads(response.read())["files"]]
        assert names and all("/" not in name.removeprefix(f"file://{log_dir}/") for name in names)
    finally:
        _stop(process)


@pytest.mark.parametrize("mode", MODES)
def test_view_on_a_busy_port_fails_with_one_line(mode: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_inspect(mode, ["view", "--port", str(port)], tmp_path)
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (choose another --port)"
    )
    assert result.stdout == ""


@pytest.mark.parametrize("mode", MODES)
def test_view_rejects_a_bad_port(mode: str, tmp_path: Path) -> None:
    result = run_inspect(mode, ["view", "--port", "70000"], tmp_path)
    assert result.exit_code == 2 and "--port" in result.stderr


@pytest.mark.parametrize("mode", SERVING_MODES)
def test_inspects_spelling_view_start_serves_too(mode: str, fixture_root: Path, tmp_path: Path) -> None:
    log_dir = fixture_root / "v0.3.285" / "logs"
    process = _start(mode, ["start", "--port", "0", "--log-dir", str(log_dir)], tmp_path)
    try:
        line = process.stdout.readline()
        assert line.startswith("Inspect view: http://127.0.0.1:"), line + process.stderr.read()
        with urllib.request.urlopen(line.split(": ", 1)[1].strip() + "api/logs", timeout=10) as response:
            assert len(json.loads(response.read())["files"]) == 19
    finally:
        _stop(process)


@pytest.mark.parametrize("mode", MODES)
def test_view_beyond_loopback_without_a_token_is_refused(mode: str, tmp_path: Path) -> None:
    result = run_inspect(mode, ["view", "--host", "0.0.0.0", "--port", "0"], tmp_path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "Error: listening on 0.0.0.0 would let anyone who can reach this machine read the logs: "
        "set INSPECT_VIEW_AUTHORIZATION_TOKEN, or pass --unsafe-allow-unauthenticated"
    )


@pytest.mark.parametrize("mode", MODES)
def test_view_of_a_log_dir_that_cannot_be_listed_fails_at_once(mode: str, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    result = run_inspect(mode, ["view", "--port", "0", "--log-dir", "file.txt"], tmp_path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == f"Error: {tmp_path / 'file.txt'}: not a directory"
