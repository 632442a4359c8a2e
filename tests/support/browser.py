"""Headless Chromium for the viewer's tests (Debian's, driven by Playwright),
and what they read off the page."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def chromium_path() -> str:
    path = os.environ.get("INSPECT_CLI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("no Chromium found: install Debian's package (apt-get install chromium; scripts/setup does)")
    return path


def script_errors(page: Any) -> list[str]:
    """The page's uncaught errors and console errors, as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        yield browser
        browser.close()


def wait_for_headers(page: Any, count: int) -> None:
    """Until `count` rows show, every one with its header read."""
    page.wait_for_function(
        "n => document.querySelectorAll('#log-list tbody tr[data-log]').length === n"
        " && !document.querySelector('#log-list tbody tr[data-log][data-status=\"\"]')",
        arg=count,
    )


def shown_rows(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#log-list tbody tr[data-log]",
        "rows => rows.map(r => ({log: r.dataset.log, status: r.dataset.status || '', task: r.cells[0].textContent}))",
    )
