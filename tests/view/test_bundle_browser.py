"""A static bundle in headless Chromium, opened from disk (file://) and from a
plain static HTTP server: every page renders with no script error, and
pages load only the data they show."""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import bundle_log_dir, read_eval_log

from support.browser import browser, script_errors, shown_rows, wait_for_headers

__all__ = ["browser"]  # the fixture
TIMEOUT_MS = 20_000
LOGS = 21  # the fixture logs, broken.eval and a symlink to it (see make_view_dir)
SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, fixture_root: Path) -> Path:
    from support.view_helpers import make_view_dir

    view_dir = make_view_dir(fixture_root, tmp_path_factory.mktemp("bundle"))
    out = view_dir.root.parent / "www"
    bundle_log_dir(str(view_dir.root), str(out))
    return out


@pytest.fixture(scope="module")
def static_server(bundle: Path) -> Iterator[str]:
    """The bundle served as plain files (no range requests, no API) on 127.0.0.1."""
    handler = functools.partial(_Quiet, directory=str(bundle))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["file", "http"])
def page(request: pytest.FixtureRequest, bundle: Path, browser: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page on the bundle's index.html; fails the test on any script error.
    (Playwright's wait_for_function evaluates strings, which the bundle's
    policy forbids: these pages bypass it; the last test keeps it.)"""
    url = (
        bundle.joinpath("index.html").as_uri() if request.param == "file" else request.getfixturevalue("static_server")
    )
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=request.node.name.find("policy") < 0
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = script_errors(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    yield page, requests, errors
    context.close()
    assert errors == []


def _data(requests: list[str]) -> list[str]:
    return [url.split("/data/", 1)[1] for url in requests if "/data/" in url]


def test_the_list_page_loads_the_listing_only(page: Any, bundle: Path) -> None:
    page, requests, _ = page
    logs = sorted(str(p.relative_to(bundle / "logs")) for p in (bundle / "logs").rglob("*") if p.suffix == ".eval")
    wait_for_headers(page, LOGS)
    rows = shown_rows(page)
    assert {row["log"] for row in rows} >= set(logs)
    assert page.locator('tr[data-log="broken.eval"] .badge').text_content() == "unreadable"
    assert page.locator("#metric-chart circle.point").count() == 11
    assert page.text_content("#log-count") == f"{LOGS} of {LOGS} logs" and page.text_content("#log-dir") == "logs"
    assert page.is_hidden("#live")
    assert _data(requests) == ["listing.js"]
    page.select_option("#status-filter", "error")
    assert all(row["status"] == "error" for row in shown_rows(page))


def test_a_log_page_and_a_sample_page_render(page: Any, bundle: Path) -> None:
    page, requests, _ = page
    wait_for_headers(page, LOGS)
    page.click(f'tr[data-log="{SUCCESS_EVAL}"] a')
    page.wait_for_selector("#samples tbody tr[data-sample-id]")
    log = read_eval_log(bundle / "logs" / SUCCESS_EVAL)
    assert page.text_content("#log-view h1").startswith("arith")
    assert page.locator("#results .card").count() == sum(len(s.metrics) for s in log.results.scores)
    assert page.locator("#score-chart rect.bar").count() == 2
    ids = page.eval_on_selector_all("#samples tbody tr", "rows => rows.map(r => r.dataset.sampleId)")
    assert ids == [s.id for s in log.samples]
    href = page.get_attribute("#download", "href")
    assert href == f"logs/{SUCCESS_EVAL}" and (bundle / href).exists()
    page.click('#samples tr[data-sample-id="q02"] a')
    page.wait_for_selector("#transcript .message")
    assert page.text_content("#sample-title").startswith("Sample q02")
    assert page.text_content("#transcript .message.role-user .text") == "What is 7*6?"
    page.click("#next-sample")
    page.wait_for_selector("#sample-title:has-text('Sample q03')")
    loaded = _data(requests)
    assert len([p for p in loaded if "/samples/" in p]) == 2  # only the samples opened
    assert len([p for p in loaded if p.endswith("header.js")]) == 1


def test_every_log_and_sample_page_renders(page: Any, bundle: Path) -> None:
    """Each log's page (an unreadable one shows its error) and, opened by
    address, each sample's."""
    page, _, _ = page
    wait_for_headers(page, LOGS)
    base = page.url.split("#")[0]
    for row in shown_rows(page):
        log = urllib.parse.quote(row["log"], safe="")
        page.goto(f"{base}#/log/{log}")
        if row["log"] in ("broken.eval", "link-in.eval"):  # not a readable log
            page.wait_for_selector("#notice:not([hidden])")
            assert "not a readable" in page.text_content("#notice")
            continue
        page.wait_for_selector("#sample-count:has-text('of')")
        ids = page.eval_on_selector_all(
            "#samples tbody tr[data-sample-id]", "rows => rows.map(r => [r.dataset.sampleId, r.dataset.epoch])"
        )
        for sample_id, epoch in ids[:3]:
            page.goto(f"{base}#/log/{log}/sample/{urllib.parse.quote(sample_id, safe='')}/{epoch}")
            page.wait_for_selector(f"#sample-title:has-text('Sample {sample_id}')")
            assert page.is_hidden("#notice")


def test_under_the_bundle_policy_pages_render_and_inline_script_is_stopped(page: Any) -> None:
    page, _, errors = page
    page.wait_for_selector(f'#log-list tr[data-log="{SUCCESS_EVAL}"][data-status="success"]')
    page.click(f'tr[data-log="{SUCCESS_EVAL}"] a')
    page.click('#samples tr[data-sample-id="q02"] a')
    page.wait_for_selector("#transcript .message")
    ran = page.evaluate(
        """() => new Promise((resolve) => {
          document.addEventListener("securitypolicyviolation", () => resolve("blocked"));
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
          setTimeout(() => resolve(window.inlineRan ? "ran" : "no report"), 1000);
        })"""
    )
    assert ran == "blocked"
    errors[:] = [e for e in errors if "Content Security Policy" not in e]  # the refusal, reported


def test_an_unknown_log_is_a_notice_not_a_script_error(page: Any) -> None:
    page, _, _ = page
    wait_for_headers(page, LOGS)
    page.goto(page.url.split("#")[0] + "#/log/nothing-here.eval")
    page.wait_for_selector("#notice:not([hidden])")
    assert "not a log in this bundle" in page.text_content("#notice")


def test_a_hostile_log_is_shown_as_text_from_disk(fixture_root: Path, tmp_path: Path, browser: Any) -> None:
    """Markup, script and string-breaking text in a log stay text in a bundle
    opened from disk under its own policy: nothing runs, nothing is fetched."""
    from inspect_cli.log import ChatMessageUser, ContentImage, ContentText, write_eval_log

    logs = tmp_path / "logs"
    logs.mkdir()
    log = read_eval_log(fixture_root / "v0.3.285" / "logs" / SUCCESS_EVAL)
    sample = (log.samples or [])[0]
    hostile = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    breaking = '"); document.title = "pwned"; ("\u2028</script>'
    sample.messages = [
        ChatMessageUser(
            content=[
                ContentText(text=hostile),
                ContentText(text=breaking),
                ContentImage(image="http://203.0.113.9/t.png"),
            ]
        )
    ]
    log.samples = [sample]
    log.eval.task = '<b onmouseover="document.title=1">task</b>'
    write_eval_log(log, logs / "hostile.eval")
    out = tmp_path / "www"
    bundle_log_dir(str(logs), str(out))
    context = browser.new_context()  # the bundle's policy applies
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = script_errors(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.joinpath("index.html").as_uri() + "#/log/hostile.eval/sample/q01/1")
    page.wait_for_selector("#transcript .message")
    text = page.text_content("#transcript .message") or ""
    assert hostile in text and breaking.replace("\u2028", "") in text.replace("\u2028", "")
    assert page.title() == "Inspect logs"
    assert page.locator("#transcript img").count() == 0
    page.goto(out.joinpath("index.html").as_uri())
    page.wait_for_selector('#log-list tr[data-log="hostile.eval"]')
    assert "<b onmouseover" in (page.text_content('#log-list tr[data-log="hostile.eval"]') or "")
    assert page.title() == "Inspect logs"
    assert all(url.startswith("file://") for url in requests), requests
    assert errors == []
    context.close()
