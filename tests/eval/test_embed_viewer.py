"""`eval_set(embed_viewer=True)` / `inspect eval-set --embed-viewer`: the log
dir gets the viewer beside its logs, which a browser opens from disk; its
files are not logs, and a second run refreshes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inspect_cli._engine.eval_set import eval_set
from inspect_cli.log import list_eval_logs

from support.browser import browser, script_errors

__all__ = ["browser"]  # the fixture
TASKS = Path(__file__).parent / "tasks" / "set_tasks.py"
FAST = {"max_retries": 0, "display": "none", "limit": 2}


def _run_from(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from `tmp`, with the task file there (logs record it relative to the cwd)."""
    (tmp / "set_tasks.py").write_text(TASKS.read_text())
    monkeypatch.setenv("FAIL_ONCE_DIR", str(tmp))
    monkeypatch.chdir(tmp)
    return tmp


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return _run_from(tmp_path, monkeypatch)


def _viewer_files(log_dir: Path) -> set[str]:
    return {str(p.relative_to(log_dir)) for p in log_dir.rglob("*") if p.is_file() and p.suffix != ".eval"}


def test_the_log_dir_gets_the_viewer_and_a_rerun_refreshes_it(in_tmp: Path) -> None:
    log_dir = in_tmp / "logs"
    success, logs = eval_set("set_tasks.py@first", str(log_dir), model="mockllm/model", embed_viewer=True, **FAST)
    assert success
    files = _viewer_files(log_dir)
    assert {"index.html", "robots.txt", "listing.json", "assets/app.js", "assets/data/listing.js"} <= files
    assert "assets/data/logs/0/header.js" in files and not any(f.startswith("logs/") for f in files)
    page = (log_dir / "index.html").read_text()
    assert 'data-bundle="assets/data/"' in page and 'data-logs=""' in page
    # Not logs: listings skip them, and a second run of the set does not find the dir dirty.
    assert [Path(i.name).suffix for i in list_eval_logs(str(log_dir))] == [".eval"]
    stale = log_dir / "assets" / "data" / "logs" / "7" / "header.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    success, _ = eval_set(
        ["set_tasks.py@first", "set_tasks.py@second"], str(log_dir), model="mockllm/model", embed_viewer=True, **FAST
    )
    assert success
    listing = (log_dir / "assets" / "data" / "listing.js").read_text()
    assert listing.count('"data\\":\\"logs/') == 2 and not stale.exists()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log dir with the viewer, made before the browser starts (its loop would refuse the eval's)."""
    tmp = tmp_path_factory.mktemp("embedded")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _run_from(tmp, monkeypatch)
        eval_set("set_tasks.py@first", str(tmp / "logs"), model="mockllm/model", embed_viewer=True, **FAST)
    return tmp / "logs"


def test_the_embedded_viewer_opens_from_disk(embedded: Path, browser: Any) -> None:
    log_dir = embedded
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = script_errors(page)
    page.goto((log_dir / "index.html").as_uri())
    page.wait_for_selector("#log-list tbody tr[data-status='success']")
    assert page.text_content("#log-count") == "1 of 1 logs"
    page.click("#log-list tbody tr[data-log] a")
    page.wait_for_selector("#samples tbody tr[data-sample-id]")
    href = page.get_attribute("#download", "href")
    assert href is not None and (log_dir / href).is_file() and href.endswith(".eval")
    context.close()
    assert errors == []
