"""Benchmark `inspect eval-set`: a set's wall time against the ideal, and the
cost of running a finished set again (a no-op) against listing its log dir.

Part 1 runs TASKS tasks of SAMPLES samples each on one model served by a
local OpenAI-compatible server with a fixed latency; the ideal is
`tasks x samples x latency / connections` (members share the model's
connections). Part 2 reruns the same command: nothing to evaluate. Part 3
builds a set of MEMBERS one-sample members (tasks x models) and times its
no-op rerun against `inspect list logs --json --status success` on the
same log dir (it reads every log's header), the floor for anything that
must look at every header. Prints a Markdown
table, also written to bench-results/eval-set.md.
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

INSPECT = str(ROOT / ".venv/bin/inspect")


def _task_file(tasks: int, samples: int) -> str:
    lines = [
        "from inspect_cli import Task, task",
        "from inspect_cli.dataset import Sample",
        "from inspect_cli.scorer import includes",
        "",
    ]
    for t in range(tasks):
        lines += [
            "@task",
            f"def t{t:03d}(n: int = {samples}):",
            f"    return Task(dataset=[Sample(input=f'Say {t} {{i}}', target=str(i)) for i in range(n)],"
            " scorer=includes())",
            "",
        ]
    return "\n".join(lines)


def _timed(args: list[str], cwd: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([INSPECT, *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--members", type=int, default=1000, help="members of the no-op set (part 3)")
    args = parser.parse_args()
    server = ModelServer()
    server.start()
    rows: list[tuple[str, float, str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")},
            "OPENAI_BASE_URL": f"{server.url}/v1",
            "OPENAI_API_KEY": "bench",
        }
        Path(tmp, "set_bench.py").write_text(_task_file(args.tasks, args.samples))
        common = ["--display", "none", "--max-connections", str(args.connections), "--log-dir", "logs"]
        server.delay = args.latency
        first = _timed(["eval-set", "set_bench.py", "--model", "openai/bench", *common], tmp, env)
        ideal = args.tasks * args.samples * args.latency / args.connections
        rows.append((f"eval-set, {args.tasks} tasks x {args.samples} samples", first, "ideal", ideal))
        asked = server.requests
        again = _timed(["eval-set", "set_bench.py", "--model", "openai/bench", *common], tmp, env)
        listing = _timed(["list", "logs", "--log-dir", "logs", "--json", "--status", "success"], tmp, env)
        assert server.requests == asked, "the rerun of a finished set asked the model"
        reference = "`list logs --json --status success`"
        rows.append((f"same command again (no-op, {args.tasks} logs)", again, reference, listing))
        shutil.rmtree(Path(tmp, "logs"))

        server.delay = 0.0
        models = max(1, args.members // 50)
        tasks = -(-args.members // models)
        Path(tmp, "set_bench.py").write_text(_task_file(tasks, 1))
        model_args = ["--model", ",".join(f"openai/m{m}" for m in range(models))]
        members = tasks * models
        build = _timed(["eval-set", "set_bench.py", *model_args, *common, "--max-tasks", "20"], tmp, env)
        again = _timed(["eval-set", "set_bench.py", *model_args, *common], tmp, env)
        listing = _timed(["list", "logs", "--log-dir", "logs", "--json", "--status", "success"], tmp, env)
        rows.append((f"eval-set of {members} one-sample members (no latency)", build, "", 0.0))
        rows.append((f"same command again (no-op, {members} logs)", again, reference, listing))
    server.stop()
    lines = [
        f"{args.latency * 1000:.0f} ms per request, {args.connections} connections, one model unless said",
        "",
        "| run | wall time | reference | reference time | ratio |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {elapsed:.2f} s | {ref} | {ref_time:.2f} s | {elapsed / ref_time:.2f}x |"
            if ref
            else f"| {name} | {elapsed:.2f} s | | | |"
            for name, elapsed, ref, ref_time in rows
        ),
        "",
        "(wall time of the whole command, Python's start included)",
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "eval-set.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
