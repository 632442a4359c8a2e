"""`inspect view bundle` and `--bundle-dir` on `eval` and `eval-set`, as users run them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.cli_runner import MODES, run_inspect

NATIVE_TASKS = Path(__file__).parents[1] / "eval" / "tasks" / "native_tasks.py"


def _listing(out: Path) -> dict[str, dict[str, object]]:
    return json.loads((out / "logs" / "listing.json").read_text())


@pytest.mark.parametrize("mode", MODES)
def test_view_bundle_writes_refuses_and_overwrites(mode: str, fixture_root: Path, tmp_path: Path) -> None:
    shutil.copytree(fixture_root / "v0.3.285" / "logs", tmp_path / "logs")
    made = run_inspect(mode, ["view", "bundle", "--log-dir", "logs", "--output-dir", "www"], tmp_path)
    assert made.exit_code == 0, made.stderr
    assert made.stdout.strip() == "View bundle 'www' created"
    assert len(_listing(tmp_path / "www")) == 19 and (tmp_path / "www" / "index.html").exists()
    again = run_inspect(mode, ["view", "bundle", "--log-dir", "logs", "--output-dir", "www"], tmp_path)
    assert again.exit_code == 1 and "--overwrite" in again.stderr and "Traceback" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    (tmp_path / "www" / "old.txt").write_text("x")
    replaced = run_inspect(
        mode, ["view", "bundle", "--log-dir", "logs", "--output-dir", "www", "--overwrite"], tmp_path
    )
    assert replaced.exit_code == 0 and not (tmp_path / "www" / "old.txt").exists()


@pytest.mark.parametrize("mode", MODES)
def test_view_bundle_needs_an_output_dir_or_its_setting(mode: str, fixture_root: Path, tmp_path: Path) -> None:
    logs = str(fixture_root / "v0.3.285" / "logs")
    missing = run_inspect(mode, ["view", "bundle", "--log-dir", logs], tmp_path)
    assert missing.exit_code == 2 and "--output-dir" in missing.stderr
    inside = run_inspect(mode, ["view", "bundle", "--log-dir", logs, "--output-dir", f"{logs}/www"], tmp_path)
    assert inside.exit_code == 2 and "inside" in inside.stderr
    (tmp_path / ".env").write_text(f"INSPECT_VIEW_BUNDLE_OUTPUT_DIR=from-env\nINSPECT_LOG_DIR={logs}\n")
    made = run_inspect(mode, ["view", "bundle"], tmp_path)
    assert made.exit_code == 0, made.stderr
    assert len(_listing(tmp_path / "from-env")) == 19


@pytest.mark.parametrize("mode", MODES)
def test_eval_and_eval_set_bundle_their_log_dir(mode: str, tmp_path: Path) -> None:
    shutil.copy(NATIVE_TASKS, tmp_path / "tasks.py")
    run = ["tasks.py@arith", "--model", "mockllm/model", "--log-dir", "logs", "--display", "none"]
    done = run_inspect(mode, ["eval", *run, "--bundle-dir", "www"], tmp_path)
    assert done.exit_code == 0, done.stderr
    assert [entry["status"] for entry in _listing(tmp_path / "www").values()] == ["success"]
    refused = run_inspect(mode, ["eval", *run, "--bundle-dir", "www"], tmp_path)
    assert refused.exit_code == 1 and "--overwrite" in refused.stderr
    assert len(list((tmp_path / "logs").glob("*.eval"))) == 1  # refused before running
    run[run.index("logs")] = "set-logs"
    done = run_inspect(mode, ["eval-set", *run, "--bundle-dir", "www", "--bundle-overwrite"], tmp_path)
    assert done.exit_code == 0, done.stderr
    assert len(_listing(tmp_path / "www")) == 1  # the set's log dir now
