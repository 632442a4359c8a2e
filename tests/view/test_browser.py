"""The viewer page in a real headless Chromium (Debian's, driven by Playwright):
the list, filters, a log, a sample, and logs and samples appearing live."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import read_eval_log, write_eval_log
from inspect_cli.view import ViewApi, ViewServer

from support.browser import browser, script_errors, shown_rows, wait_for_headers
from support.cli_runner import clean_env
from support.view_helpers import ViewDir

__all__ = ["browser"]  # the fixture

TIMEOUT_MS = 20_000
NATIVE_TASKS = Path(__file__).parents[1] / "eval" / "tasks" / "native_tasks.py"
SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
ERROR_EVAL = "2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"


@pytest.fixture
def viewer(view_dir: ViewDir, browser: Any) -> Iterator[tuple[Any, ViewServer]]:
    """A page on a viewer of `view_dir`; fails the test on any script error."""
    with ViewServer(view_dir.root, port=0) as server:
        # Playwright's wait_for_function evaluates strings, which the page's CSP forbids.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors = script_errors(page)
        page.goto(server.url)
        yield page, server
        context.close()
        assert errors == []


def test_the_list_shows_every_log_newest_first(viewer: Any, view_dir: ViewDir) -> None:
    page, server = viewer
    wait_for_headers(page, len(view_dir.logs))
    rows = shown_rows(page)
    assert sorted(row["log"] for row in rows) == view_dir.logs
    headers = dict(zip(view_dir.logs, ViewApi(view_dir.root).log_headers(view_dir.logs)))
    for row in rows:
        header = headers[row["log"]]
        if "read_error" in header:
            assert page.locator(f'tr[data-log="{row["log"]}"] .badge').text_content() == "unreadable"
        else:
            assert row["status"] == header["status"] and row["task"] == header["eval"]["task"]
    created = [headers[r["log"]]["eval"]["created"] for r in rows if "eval" in headers[r["log"]]]
    assert created == sorted(created, reverse=True)
    assert page.text_content("#log-count") == f"{len(rows)} of {len(rows)} logs"
    scored = [h for h in headers.values() if h.get("results") and h["results"].get("scores")]
    assert page.locator("#metric-chart circle.point").count() == len(scored)
    assert page.text_content("#log-dir") == "file://" + str(view_dir.root)


def test_filters_by_status_task_and_text_and_keeps_them_in_the_address(viewer: Any, view_dir: ViewDir) -> None:
    page, _ = viewer
    wait_for_headers(page, len(view_dir.logs))
    everything = shown_rows(page)
    page.select_option("#status-filter", "error")
    errors = shown_rows(page)
    assert errors and all(row["status"] == "error" for row in errors)
    assert len(errors) == sum(row["status"] == "error" for row in everything)
    page.select_option("#task-filter", "arith_flaky")
    both = shown_rows(page)
    assert both and all(r["status"] == "error" and r["task"] == "arith_flaky" for r in both)
    assert len(both) < len(errors)
    page.reload()
    wait_for_headers(page, len(both))
    assert shown_rows(page) == both and page.input_value("#status-filter") == "error"
    page.select_option("#status-filter", "")
    page.select_option("#task-filter", "")
    page.fill("#text-filter", "more/deep")
    deep = shown_rows(page)
    assert deep and len(deep) == sum(row["log"].startswith("more/deep/") for row in everything)


def test_the_list_sorts_by_a_column_and_keeps_it_in_the_address(viewer: Any, view_dir: ViewDir) -> None:
    page, _ = viewer
    wait_for_headers(page, len(view_dir.logs))
    headers = dict(zip(view_dir.logs, ViewApi(view_dir.root).log_headers(view_dir.logs)))

    def metric(log: str) -> float | None:
        results = headers[log].get("results")
        if not results or not results.get("scores"):
            return None
        return next(iter(results["scores"][0]["metrics"].values()))["value"]

    page.click('#log-list th[data-column="metric"]')
    values = [metric(row["log"]) for row in shown_rows(page)]
    scored = [v for v in values if v is not None]
    assert scored == sorted(scored, reverse=True) and values == scored + [None] * (len(values) - len(scored))
    page.click('#log-list th[data-column="metric"]')
    values = [metric(row["log"]) for row in shown_rows(page)]
    assert [v for v in values if v is not None] == sorted(scored)
    assert "sort=metric" in page.url
    page.click('#log-list th[data-column="task"]')
    tasks = [row["task"] for row in shown_rows(page)]
    known = [task for task in tasks if task != "?"]  # an unreadable log with no task in its name: last
    assert known == sorted(known) and tasks == known + ["?"] * (len(tasks) - len(known))
    page.reload()
    wait_for_headers(page, len(view_dir.logs))
    assert [row["task"] for row in shown_rows(page)] == tasks
    assert page.text_content('#log-list th[data-column="task"]').endswith("▲")


def test_a_log_page_shows_results_stats_and_samples_and_a_sample_its_transcript(viewer: Any, view_dir: ViewDir) -> None:
    page, _ = viewer
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    wait_for_headers(page, len(view_dir.logs))
    page.click(f'tr[data-log="{SUCCESS_EVAL}"] a')
    page.wait_for_selector("#samples tbody tr[data-sample-id]")
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    assert page.text_content("#log-view h1").startswith("arith")
    metrics = [(s.name, name, m.value) for s in log.results.scores for name, m in s.metrics.items()]
    cards = page.locator("#results .card")
    assert cards.count() == len(metrics)
    assert cards.nth(0).locator(".label").text_content().startswith("includes · accuracy")
    assert cards.nth(0).locator(".value").text_content() == "0.75"
    assert "mockllm/model" in page.text_content("#usage")
    ids = page.eval_on_selector_all("#samples tbody tr", "rows => rows.map(r => r.dataset.sampleId)")
    assert ids == [s.id for s in log.samples]
    assert page.locator("#score-chart rect.bar").count() == len({s.scores["includes"].value for s in log.samples})
    # Samples are fetched on demand, never the whole log.
    assert not [url for url in requests if "/api/logs/" in url and "header-only" not in url]
    page.click('#samples tr[data-sample-id="q02"] a')
    page.wait_for_selector("#transcript .message")
    assert page.text_content("#sample-title").startswith("Sample q02")
    sample = log.samples[1]
    assert page.locator("#transcript .message").count() == len(sample.messages)
    assert page.text_content("#transcript .message.role-user .text") == "What is 7*6?"
    assert page.locator("#sample-scores tbody tr").count() == len(sample.scores)
    events = page.eval_on_selector_all("#events tbody tr", "rows => rows.map(r => r.dataset.event)")
    assert events == [e.event for e in sample.events if e.event != "span_end"]
    assert "mockllm/model: The answer is 42." in page.text_content('#events tr[data-event="model"]')
    page.click("#next-sample")
    page.wait_for_selector("#sample-title:has-text('Sample q03')")
    page.click("#previous-sample")
    page.wait_for_selector("#sample-title:has-text('Sample q02')")
    page.click(".nav a:has-text('← log')")
    page.wait_for_selector("#samples tbody tr[data-sample-id]")


def test_a_log_downloads_as_json(viewer: Any, view_dir: ViewDir) -> None:
    page, _ = viewer
    page.goto(page.url.split("#")[0] + "#/log/" + SUCCESS_EVAL)
    page.wait_for_selector("#download")
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == SUCCESS_EVAL.replace(".eval", ".json")
    saved = json.loads(Path(download.path()).read_text())
    assert [s["id"] for s in saved["samples"]] == ["q01", "q02", "q03", "q04"]


def test_an_error_log_shows_its_error_and_traceback(viewer: Any, view_dir: ViewDir) -> None:
    page, _ = viewer
    wait_for_headers(page, len(view_dir.logs))
    page.click(f'tr[data-log="{ERROR_EVAL}"] a')
    page.wait_for_selector("#log-error")
    log = read_eval_log(view_dir.root / ERROR_EVAL, header_only=True)
    assert page.text_content("#log-error .message") == log.error.message
    assert "Traceback" in page.text_content("#log-error pre")


def test_a_log_written_while_the_page_is_open_appears(viewer: Any, view_dir: ViewDir) -> None:
    page, _ = viewer
    wait_for_headers(page, len(view_dir.logs))
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    log.eval.task, log.eval.run_id = "brand_new_task", "new-run"
    write_eval_log(log, view_dir.root / "later" / "new.eval")
    page.wait_for_selector('tr[data-log="later/new.eval"][data-status="success"]')
    assert page.text_content('tr[data-log="later/new.eval"] td') == "brand_new_task"
    os.remove(view_dir.root / "later" / "new.eval")
    page.wait_for_selector('tr[data-log="later/new.eval"]', state="detached")


def test_a_running_eval_and_its_samples_appear_live(viewer: Any, tmp_path: Path) -> None:
    page, server = viewer
    page.wait_for_selector("#log-list tbody tr[data-status]")
    command = [
        sys.executable, "-m", "inspect_cli", "eval", f"{NATIVE_TASKS}@numbers", "-T", "n=16",
        "--model", "mockllm/model", "-M", "delay=0.5", "--max-samples", "1", "--log-buffer", "1",
        "--log-dir", server.api.log_dir, "--display", "none",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        page.wait_for_selector('#log-list tr[data-status="started"]:has-text("numbers") a')
        page.click('#log-list tr[data-status="started"]:has-text("numbers") a')
        page.wait_for_function("document.querySelectorAll('#samples tbody tr[data-sample-id]').length >= 2")
        first = page.locator("#samples tbody tr[data-sample-id]").count()
        assert first < 16
        page.wait_for_function(
            "n => document.querySelectorAll('#samples tbody tr[data-sample-id]').length > n", arg=first
        )
        page.wait_for_selector("#log-view .badge.status-success", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('#samples tbody tr[data-sample-id]').length === 16")
        assert page.locator("#results .card").count() >= 1
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()


def test_with_a_token_the_page_asks_for_it_once(
    view_dir: ViewDir, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSPECT_VIEW_AUTHORIZATION_TOKEN", "tok-123")
    with ViewServer(view_dir.root, port=0) as server:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server.url)
        page.wait_for_selector("#token-form:not([hidden])")
        assert page.locator("#log-list tbody tr[data-log]").count() == 0
        page.fill("#token-input", "wrong")
        page.click("#token-form button")
        page.wait_for_selector("#token-form:not([hidden])")
        page.fill("#token-input", "tok-123")
        page.click("#token-form button")
        wait_for_headers(page, len(view_dir.logs))
        page.reload()  # remembered for this tab
        wait_for_headers(page, len(view_dir.logs))
        assert page.is_hidden("#token-form")
        context.close()


def test_a_log_of_thousands_of_samples_draws_the_first_rows_then_all_on_request(viewer: Any, view_dir: ViewDir) -> None:
    import msgspec

    page, _ = viewer
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    base = (log.samples or [])[0]
    log.samples = [msgspec.structs.replace(base, id=f"s{i:05d}") for i in range(3000)]
    log.eval.run_id = "big-run"
    write_eval_log(log, view_dir.root / "big.eval")
    page.goto(page.url.split("#")[0] + "#/log/big.eval")
    page.wait_for_selector("#more-samples")
    assert page.locator("#samples tbody tr[data-sample-id]").count() == 500
    assert page.text_content("#sample-count") == "(3000 of 3000)"
    page.click("#more-samples")
    page.wait_for_function("document.querySelectorAll('#samples tbody tr[data-sample-id]').length === 3000")
    page.fill("#sample-filter", "s0299")
    page.wait_for_function("document.querySelectorAll('#samples tbody tr[data-sample-id]').length === 10")


@pytest.mark.parametrize("version", ["v0.3.17", "v0.3.18", "v0.3.40", "v0.3.46", "v0.3.285"])
def test_every_fixture_log_and_its_first_sample_render(browser: Any, fixture_root: Path, version: str) -> None:
    """Logs of every Inspect version (schema 1 and 2, both formats, all statuses)."""
    with ViewServer(fixture_root / version, port=0) as server:
        page = browser.new_page(bypass_csp=True)
        page.set_default_timeout(TIMEOUT_MS)
        errors = script_errors(page)
        files = server.api.logs()["files"]
        assert files
        for file in files:
            rel = file["name"].removeprefix(server.api.log_dir + "/")
            page.goto(f"{server.url}#/log/{urllib.parse.quote(rel, safe='')}")
            page.wait_for_selector("#log-view h1")
            page.wait_for_function("document.querySelectorAll('#samples tbody tr[data-sample-id]').length > 0")
            page.locator("#samples tbody tr[data-sample-id] a").first.click()
            page.wait_for_selector("#transcript .message")
            assert page.is_hidden("#notice"), (rel, page.text_content("#notice"))
        page.close()
        assert errors == []


def test_log_content_cannot_run_script_or_fetch_from_elsewhere(browser: Any, view_dir: ViewDir) -> None:
    """A log is data from anywhere: markup in it stays text, its embedded images
    show, and an image address elsewhere is shown, not fetched (the page's CSP
    is in force here: no bypass)."""
    from inspect_cli.log import ChatMessageUser, ContentImage, ContentText

    pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    sample = (log.samples or [])[0]
    sample.messages = [
        ChatMessageUser(
            content=[
                ContentText(
                    text='<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
                ),
                ContentImage(image=pixel),
                ContentImage(image="http://203.0.113.9/tracker.png"),
            ]
        )
    ]
    log.samples = [sample]
    log.eval.run_id = "hostile-run"
    write_eval_log(log, view_dir.root / "hostile.eval")
    with ViewServer(view_dir.root, port=0) as server:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{server.url}#/log/hostile.eval/sample/q01/1")
        page.wait_for_selector("#transcript .message img.content-image")
        text = page.text_content("#transcript .message")
        assert '<script>document.title="pwned"</script>' in text and "203.0.113.9/tracker.png" in text
        assert page.title() == "Inspect logs"
        assert page.locator("#transcript img").count() == 1
        assert all(url.startswith(server.url) or url.startswith("data:") for url in requests), requests
        page.close()
