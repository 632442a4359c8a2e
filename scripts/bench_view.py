"""Benchmark: the viewer's HTTP API against Inspect's own `inspect view`, in one run.

Both servers speak the same API, so the same requests go to each, over the
same corpus (1,000 logs as in bench_cli, plus one 1,000-sample log):
  - start-up: from starting the command to the first answered /api/logs,
  - /api/logs (the listing),
  - /api/log-headers for every log, 50 per request as a page asks for them
    (the first pass, then again: a viewer re-reads them on every refresh),
  - /api/logs/<log> of the 1,000-sample log (the whole log as JSON),
  - /api/events (what an open page asks every second).
Medians of several runs. Prints a Markdown table; also bench-results/view.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_cli import make_corpus  # noqa: E402
from bench_read import make_logs  # noqa: E402

from support.inspect_ai_env import inspect_ai_python  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


class Server:
    """One `inspect view` process on a free port."""

    def __init__(self, inspect: str, log_dir: Path, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
        start = time.perf_counter()
        self.process = subprocess.Popen(
            [inspect, "view", "--log-dir", str(log_dir), "--port", str(self.port)],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while True:
            try:
                fetch(self.url + "/api/logs")
                break
            except OSError:
                if self.process.poll() is not None or time.perf_counter() - start > 60:
                    raise RuntimeError(f"{inspect} view did not start") from None
                time.sleep(0.01)
        self.startup = time.perf_counter() - start

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(server: Server, big: Path, runs: int) -> dict[str, float]:
    import json

    names = [f["name"] for f in json.loads(fetch(server.url + "/api/logs"))["files"]]

    def headers() -> None:
        for i in range(0, len(names), 50):
            query = "&".join("file=" + urllib.parse.quote(n, safe="") for n in names[i : i + 50])
            fetch(f"{server.url}/api/log-headers?{query}")

    first = median(headers, 1)
    print(f"{server.url}: {len(names)} logs listed", file=sys.stderr)
    now = int(time.time() * 1000)
    return {
        "start-up (to the first listing)": server.startup,
        "/api/logs": median(lambda: fetch(server.url + "/api/logs"), runs),
        "/api/log-headers, all logs, 50 per request (first)": first,
        "/api/log-headers, all logs again": median(headers, runs),
        "/api/logs/<log> (1,000 samples)": median(
            lambda: fetch(f"{server.url}/api/logs/{urllib.parse.quote(str(big), safe='')}"), runs
        ),
        "/api/events": median(lambda: fetch(f"{server.url}/api/events?last_eval_time={now}"), runs * 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ours = str(ROOT / ".venv/bin/inspect")
    theirs = str(inspect_ai_python().parent / "inspect")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        make_corpus(corpus, args.logs)
        big = [p for p in make_logs(corpus / "big", [1000]) if p.suffix == ".eval"][0]
        results = {}
        for name, inspect in (("theirs", theirs), ("ours", ours)):
            server = Server(inspect, corpus, work)
            try:
                results[name] = measure(server, big, args.runs)
            finally:
                server.stop()
    lines = [
        "| request | inspect-ai 0.3.285 | inspect_cli | speed-up |",
        "|---|---|---|---|",
        *(
            f"| {label} | {ref * 1000:.1f} ms | {results['ours'][label] * 1000:.1f} ms | "
            f"{ref / results['ours'][label]:.1f}x |"
            for label, ref in results["theirs"].items()
        ),
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "view.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
