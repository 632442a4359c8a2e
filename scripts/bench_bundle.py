"""Benchmark: a static bundle of 1,000 logs (as in bench_cli) opened in
headless Chromium, from file:// and from a plain static HTTP server.

Measures, medians of several runs:
  - building the bundle (`bundle_log_dir`),
  - the list page: from navigation until its first screen of rows (and the
    chart) shows, and until, scrolled to the end, its last row does,
  - a log's page: from the click until its samples show,
  - what the list page downloads (bytes of data files, and how many).
With `--baseline FILE` (an older app.js, e.g. from `git show REF:inspect_cli/view/static/app.js`),
the same bundle is also measured with that page script, runs alternating, to compare both in one run.
Prints a Markdown table; also bench-results/bundle.md.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_cli import make_corpus  # noqa: E402

from inspect_cli.log import bundle_log_dir  # noqa: E402

from support.browser import chromium_path  # noqa: E402


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


FIRST_SCREEN = 20  # rows that fill a window


def measure(browser: Any, url: str, count: int) -> tuple[float, float, float, int, int]:
    """Seconds to the list's first screen and to its end (scrolled down), seconds to a
    log's samples, and the list page's data files and bytes."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sizes: list[int] = []
    page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]) if "/data/" in r.url else None)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        "([n, rows]) => document.querySelector('#log-count').textContent === `${n} of ${n} logs`"
        " && document.querySelectorAll('#log-list tbody tr[data-status]:not([data-status=\"\"])').length >= rows"
        " && document.querySelector('#metric-chart svg')",
        arg=[count, FIRST_SCREEN],
        timeout=120_000,
    )
    first = time.perf_counter() - start
    # The page may draw only the rows in view: scrolled to the end, its last row shows.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function(
        """() => {
          const rows = document.querySelectorAll('#log-list tbody tr[data-status]');
          const last = rows[rows.length - 1];
          return last && last.dataset.status && last.getBoundingClientRect().bottom <= innerHeight
            && !document.querySelector('#log-list tbody tr.spacer:last-child');
        }""",
        timeout=120_000,
    )
    listed = time.perf_counter() - start
    files, size = len(sizes), sum(sizes)
    start = time.perf_counter()
    # (the last row, in view: a row out of view would be redrawn away while being scrolled to)
    page.evaluate("[...document.querySelectorAll('#log-list tbody tr[data-log] a')].pop().click()")
    page.wait_for_selector("#samples tbody tr[data-sample-id], #sample-count", timeout=120_000)
    opened = time.perf_counter() - start
    context.close()
    return first, listed, opened, files, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="an older app.js to measure in the same run")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        logs, out = Path(tmp) / "logs", Path(tmp) / "www"
        make_corpus(logs, args.logs)
        start = time.perf_counter()
        bundle_log_dir(str(logs), str(out))
        built = time.perf_counter() - start
        total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        handler = functools.partial(_Quiet, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        urls = {"file://": out.joinpath("index.html").as_uri(), "http": f"http://127.0.0.1:{server.server_address[1]}/"}
        app_js = out / "assets" / "app.js"
        scripts = {"": app_js.read_bytes()}
        if args.baseline:
            scripts = {"baseline ": args.baseline.read_bytes(), **scripts}
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
            readable = args.logs  # every corpus log is readable
            for name, url in urls.items():
                runs: dict[str, list[tuple[float, float, float, int, int]]] = {label: [] for label in scripts}
                for _ in range(args.runs):
                    for label, script in scripts.items():
                        app_js.write_bytes(script)
                        runs[label].append(measure(browser, url, readable))
                for label, measured in runs.items():
                    medians = (statistics.median(r[i] for r in measured) for i in range(3))
                    rows.append((label + name, *medians, measured[0][3], measured[0][4]))
            browser.close()
        server.shutdown()
    lines = [
        f"Bundle of {args.logs} logs: built in {built:.1f} s, {total / 1e6:.1f} MB; medians of {args.runs} runs.",
        "",
        "| opened from | list page, first screen (s) | list page, scrolled to the end (s) | a log's page (s) "
        "| data files loaded by the list | their bytes |",
        "|---|---|---|---|---|---|",
        *(f"| {n} | {first:.2f} | {full:.2f} | {log:.2f} | {f} | {s:,} |" for n, first, full, log, f, s in rows),
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "bundle.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
