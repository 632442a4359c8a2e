"""Bad input: one line on stderr, no traceback, the documented exit code."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES, load_json

GOOD = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"


def _bad_files(folder: Path) -> dict[str, Path]:
    files = {
        "missing": folder / "missing.eval",
        "not a log": folder / "notes.json",
        "truncated zip": folder / "truncated.eval",
        "invalid json": folder / "broken.json",
        "newer version": folder / "future.json",
        "directory": folder / "adir.eval",
    }
    files["not a log"].write_text('{"hello": "world"}')
    files["truncated zip"].write_bytes(GOOD.read_bytes()[:3000])
    files["invalid json"].write_text('{"version": 2, "status": ')
    data = json.loads(
        (FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json").read_text()
    )
    data["version"] = 9
    files["newer version"].write_text(json.dumps(data))
    files["directory"].mkdir()
    return files


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("command", [["log", "dump"], ["info", "log-file"], ["log", "dump", "--header-only"]])
def test_unreadable_logs_give_one_line_and_exit_1(tmp_path: Path, mode: str, command: list[str]) -> None:
    for problem, path in _bad_files(tmp_path).items():
        result = run_inspect(mode, [*command, str(path)], tmp_path)
        assert result.exit_code == 1, (problem, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (problem, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.eval"
    shutil.copy(GOOD, path)
    path.chmod(0)
    result = run_inspect("subprocess", ["log", "dump", str(path)], tmp_path)
    assert result.exit_code == 1 and "permission denied" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (["log", "list", "--bogus"], ["list", "logs", "--status", "finished"], ["log", "convert", "x"]):
        result = run_inspect("subprocess", args, tmp_path)
        assert result.exit_code == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", MODES)
def test_a_broken_log_makes_a_filtered_listing_partial(tmp_path: Path, mode: str) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(FIXTURES / "v0.3.285/logs", logs)
    broken = logs / "2026-11-28T07-00-00-00-00_arith_BROKENbrokenBROKENbroke.eval"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    (logs / "2026-11-28T07-00-01-00-00_arith_NotJsonNotJsonNotJsonNo.json").write_text("{")
    plain = run_inspect(mode, ["list", "logs", "--json"], tmp_path)
    assert plain.exit_code == 0  # names only: nothing is read
    assert len(load_json(plain.stdout)) == 21
    for args in (["--status", "error"], ["--retryable"], ["--long"]):
        result = run_inspect(mode, ["list", "logs", "--json", *args], tmp_path)
        assert result.exit_code == 3, result.stderr
        records = load_json(result.stdout)  # still one JSON document
        assert all("BROKEN" not in r["name"] and "NotJson" not in r["name"] for r in records)
        assert "BROKENbroken" in result.stderr and "NotJsonNotJson" in result.stderr
        assert "Traceback" not in result.stderr
    errors = load_json(run_inspect(mode, ["list", "logs", "--json", "--status", "error"], tmp_path).stdout)
    assert len(errors) == 5


def test_storage_errors_map_to_one_line_domain_errors() -> None:
    from inspect_cli import storage
    from inspect_cli.errors import NotFoundError, StorageError

    with pytest.raises(StorageError, match="^x.eval: permission denied$"), storage.errors("x.eval"):
        raise PermissionError(13, "Permission denied")
    with pytest.raises(NotFoundError, match="no such file"), storage.errors("x.eval"):
        raise FileNotFoundError(2, "No such file")
    with pytest.raises(StorageError, match="disk on fire"), storage.errors("x.eval"):
        raise OSError(5, "disk on fire")
