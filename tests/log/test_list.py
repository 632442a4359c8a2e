"""Listing logs through the Python API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inspect_cli import settings
from inspect_cli.log._list import is_log_file, list_eval_logs, retryable_eval_logs
from inspect_cli.log._names import parse_log_name

from support.helpers import load_json


def _names(logs: list, root: Path) -> list[str]:
    return [os.path.relpath(log.name.removeprefix("file://"), root) for log in logs]


def test_records_are_uris_newest_first(fixture_root: Path) -> None:
    root = fixture_root / "v0.3.285"
    logs = list_eval_logs(root / "logs")
    golden = load_json((root / "golden/02-log-list-json.txt").read_text())
    assert _names(logs, root) == [g["name"] for g in golden]
    assert all(log.name.startswith("file://") for log in logs)
    assert [(log.task, log.task_id, log.size, log.mtime) for log in logs] == [
        (g["task"], g["task_id"], g["size"], g["mtime"]) for g in golden
    ]


def test_not_recursive(fixture_root: Path) -> None:
    root = fixture_root / "v0.3.285"
    logs = list_eval_logs(root / "logs", recursive=False)
    golden = load_json((root / "golden/08-log-list-json-no-recursive.txt").read_text())
    assert _names(logs, root) == [g["name"] for g in golden]


def test_retryable_matches_inspects_python_api(fixture_root: Path) -> None:
    root = fixture_root / "v0.3.285"
    logs = retryable_eval_logs(list_eval_logs(root / "logs"))
    assert _names(logs, root) == load_json((root / "golden/39-py-retryable_eval_logs.txt").read_text())


def test_names_that_do_not_follow_inspects_pattern_read_the_header(fixture_root: Path, tmp_path: Path) -> None:
    src = fixture_root / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
    (tmp_path / "my-run.eval").write_bytes(src.read_bytes())
    (tmp_path / ".hidden.eval").write_bytes(src.read_bytes())
    (tmp_path / "notes.txt").write_text("not a log")
    [log] = list_eval_logs(tmp_path)
    assert (log.task, log.task_id) == ("arith", "iFuLDY63AF3YxkTTDvdb5N")


# Which files Inspect 0.3.285's `log list` takes for logs (observed): any
# `.eval`; a `.json` only when its name starts with a creation time; suffixes
# are case-sensitive.
LISTED = [
    "z.eval",
    "2026-11-28T06-09-18-00-00_arith_abc.json",
    "2026-11-28T06-09-18.json",
    "2026-11-28T06:09:18_x.json",
    "2026-11-28T06-09-18x.json",
    "1999-01-01T00-00-00_x.json",
]
NOT_LISTED = [
    "x.EVAL",
    "y.Eval",
    "2026-11-28T06-09-18_x.Json",
    "results.json",
    "foo_bar_baz.json",
    "2026_x.json",
    "2026-11-28_x.json",
    "2026-11-28T06-09_x.json",
    "2026-11-28T06.09.18_x.json",
    "2026-11-28t06-09-18_x.json",
    "20261-11-28T06-09-18_x.json",
    "X2026-11-28T06-09-18_x.json",
    ".2026-11-28T06-09-18_x.json",
    "notes.txt",
]


def test_which_files_are_logs_follows_inspect(fixture_root: Path, tmp_path: Path) -> None:
    src = fixture_root / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
    for name in LISTED + NOT_LISTED:
        (tmp_path / name).write_bytes(src.read_bytes())
    assert sorted(_names(list_eval_logs(tmp_path), tmp_path)) == sorted(LISTED)
    assert [is_log_file(f"s3://bucket/dir/{name}") for name in LISTED + NOT_LISTED] == [True] * len(LISTED) + [
        False
    ] * len(NOT_LISTED)
    assert not is_log_file("z.eval", formats=["json"]) and is_log_file("z.eval", formats=["eval"])


def test_parse_log_name() -> None:
    assert parse_log_name("2026-11-28T06-09-18-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval") == (
        "arith-flaky",
        "ZXLYRNkuFEHEdTq52KgjkE",
    )
    assert parse_log_name("s3://b/logs/2026-11-28T06-11-15+00-00_arith_LhwQkvAuW882VmPJ2W9TXT.json") == (
        "arith",
        "LhwQkvAuW882VmPJ2W9TXT",
    )
    assert parse_log_name("my-run.eval") is None
    assert parse_log_name("my_run_x.eval") is None  # no creation time: the header tells
    # As Inspect 0.3.285 reads names (observed with it): no id part gives "".
    stamp = "2026-01-01T00-00-00-00-00"
    for parts, expected in [("a", ("a", "")), ("a_b", ("a", "b")), ("a_b_c", ("a", "c")), ("a_b_c_d_e", ("a", "c"))]:
        assert parse_log_name(f"{stamp}_{parts}.json") == expected


def test_log_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / ".env").write_text("INSPECT_LOG_DIR=./from-dotenv\nOTHER_SETTING=from-dotenv\n")
    monkeypatch.chdir(project / "sub" / "deeper")
    settings.reset_dotenv()
    # .env found upward; relative to the .env file's folder, not the cwd
    assert settings.log_dir() == str(project / "from-dotenv")
    assert os.environ["OTHER_SETTING"] == "from-dotenv"  # the whole file is loaded
    # the environment wins over .env, read when used (set at run time)
    monkeypatch.setenv("INSPECT_LOG_DIR", "from-env")
    assert settings.log_dir() == "from-env"
    # an explicit log dir wins over both
    assert settings.log_dir("explicit") == "explicit"
    monkeypatch.delenv("INSPECT_LOG_DIR")
    monkeypatch.chdir(tmp_path)
    settings.reset_dotenv()
    assert settings.log_dir() == "logs"


def test_dotenv_never_overrides_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("INSPECT_LOG_DIR=dotenv-logs\nAWS_REGION=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_REGION", "from-shell")
    settings.reset_dotenv()
    settings.load_dotenv()
    assert os.environ["AWS_REGION"] == "from-shell"


def test_listing_an_empty_or_missing_dir(tmp_path: Path) -> None:
    assert list_eval_logs(tmp_path / "nothing-here") == []
    assert list_eval_logs(tmp_path) == []
