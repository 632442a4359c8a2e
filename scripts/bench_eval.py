"""Benchmark: eval throughput against a local OpenAI-compatible server with a
fixed latency, as a ratio to the ideal `samples x latency / connections`.

Runs `inspect eval` (the CLI, as users do) on N samples with the server
answering each request after `--latency` seconds; prints a Markdown table,
also written to bench-results/eval.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.model_server import ModelServer  # noqa: E402

# The floor of this setup: a bare aiohttp client sending the same requests.
RAW_CLIENT = """
import asyncio, sys, aiohttp
async def main(url, n, connections):
    limit = asyncio.Semaphore(connections)
    async with aiohttp.ClientSession() as session:
        async def one(i):
            async with limit:
                body = {"model": "bench", "messages": [{"role": "user", "content": f"Say {i}"}]}
                async with session.post(url, json=body, headers={"Authorization": "Bearer bench"}) as response:
                    await response.json()
        await asyncio.gather(*(one(i) for i in range(n)))
asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""

TASK = """
from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes

@task
def numbers(n: int = 1000):
    return Task(dataset=[Sample(input=f"Say {i}", target=str(i)) for i in range(n)], scorer=includes())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()
    server = ModelServer()
    server.start()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench_numbers.py").write_text(TASK)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")},
            "OPENAI_BASE_URL": f"{server.url}/v1",
            "OPENAI_API_KEY": "bench",
        }

        def run(fmt: str) -> float:
            started = time.perf_counter()
            subprocess.run(
                [
                    str(ROOT / ".venv/bin/inspect"),
                    "eval",
                    "bench_numbers.py",
                    "--model",
                    "openai/bench",
                    "-T",
                    f"n={args.samples}",
                    "--max-connections",
                    str(args.connections),
                    "--log-format",
                    fmt,
                    "--display",
                    "none",
                ],
                cwd=tmp,
                env=env,
                check=True,
            )
            shutil.rmtree(Path(tmp) / "logs")
            return time.perf_counter() - started

        baseline = run("eval")
        server.delay = args.latency
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                RAW_CLIENT,
                f"{server.url}/v1/chat/completions",
                str(args.samples),
                str(args.connections),
            ],
            check=True,
        )
        raw = time.perf_counter() - started
        for fmt in ("eval", "json"):
            server.reset()
            server.delay = args.latency
            elapsed = run(fmt)
            rows.append((fmt, elapsed, args.samples * args.latency / args.connections, server.max_in_flight))
    server.stop()
    lines = [
        f"{args.samples} samples, {args.latency * 1000:.0f} ms per request, {args.connections} connections",
        "",
        "| log format | `inspect eval` wall time | ideal | ratio to ideal | max requests in flight |",
        "|---|---|---|---|---|",
        *(
            f"| {fmt} | {elapsed:.2f} s | {ideal:.2f} s | {elapsed / ideal:.3f}x | {peak} |"
            for fmt, elapsed, ideal, peak in rows
        ),
        f"| (a bare aiohttp client, same requests) | {raw:.2f} s | {rows[0][2]:.2f} s | {raw / rows[0][2]:.3f}x | |",
        "",
        f"(wall time of the whole command, Python's start included; a run of {args.samples} samples with no latency took "
        f"{baseline:.2f} s)",
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "eval.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
