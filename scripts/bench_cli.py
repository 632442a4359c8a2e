"""Benchmark: the log commands against Inspect's own CLI, in one run.

Builds a corpus of 1,000 logs (copies of the real 0.3.285 fixture logs: both
formats; success, error, cancelled and started) and a 1,000-sample log, then
times, as whole processes (median of several runs):
  - `list logs --json`, `list logs --status error --json` on the corpus,
  - `info log-file` of the 1,000-sample log,
  - `list logs --status error --json` on the corpus in a local S3 server (moto),
for `inspect` from this checkout's venv and from inspect-ai 0.3.285's venv.
Prints a Markdown table; also written to bench-results/cli.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_read import make_logs  # noqa: E402

from support.inspect_ai_env import inspect_ai_python  # noqa: E402

FIXTURE_LOGS = ROOT / "tests/fixtures/inspect-logs/v0.3.285/logs"


def make_corpus(folder: Path, count: int) -> None:
    """`count` logs named as Inspect names them, 60 s apart, in nested folders."""
    sources = sorted(p for p in FIXTURE_LOGS.rglob("*") if p.suffix in (".eval", ".json"))
    base = 1_767_225_600
    for i in range(count):
        src = sources[i % len(sources)]
        task = src.name.split("_")[1]
        stamp = time.strftime("%Y-%m-%dT%H-%M-%S-00-00", time.gmtime(base + 60 * i))
        sub = folder / f"batch{i % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        target = sub / f"{stamp}_{task}_{i:022d}{src.suffix}"
        shutil.copyfile(src, target)
        os.utime(target, (base + 60 * i, base + 60 * i))


def median_time(command: list[str], cwd: Path, env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.decode()[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-s3", action="store_true")
    args = parser.parse_args()
    ours = str(ROOT / ".venv/bin/inspect")
    theirs_python = inspect_ai_python()
    theirs = str(theirs_python.parent / "inspect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_corpus(work / "corpus", args.logs)
        big = [p for p in make_logs(work, [1000]) if p.suffix == ".eval"][0]
        cases = [
            ("list logs --json (1,000 logs)", ["list", "logs", "--json", "--log-dir", "corpus"]),
            ("list logs --status error --json", ["list", "logs", "--status", "error", "--json", "--log-dir", "corpus"]),
            ("info log-file (1,000 samples)", ["info", "log-file", str(big)]),
        ]
        for label, command in cases:
            reference = median_time([theirs, *command], work, env, max(2, args.runs // 2))
            mine = median_time([ours, *command], work, env, args.runs)
            rows.append((label, reference, mine))
        if not args.no_s3:
            rows.append(s3_case(work, env, ours, theirs, theirs_python, args.runs))
    lines = [
        "| command | inspect-ai 0.3.285 | inspect_cli | speed-up |",
        "|---|---|---|---|",
        *(f"| {label} | {ref * 1000:.0f} ms | {mine * 1000:.0f} ms | {ref / mine:.1f}x |" for label, ref, mine in rows),
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "cli.md").write_text(report + "\n")


def s3_case(
    work: Path, env: dict[str, str], ours: str, theirs: str, theirs_python: Path, runs: int
) -> tuple[str, float, float]:
    """The status listing against a local S3 server holding the corpus."""
    import logging

    from moto.server import ThreadedMotoServer

    subprocess.run(
        [str(theirs_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "s3fs"], check=True
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3_env = {
        **env,
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    try:
        os.environ.update({k: v for k, v in s3_env.items() if k.startswith("AWS_")})
        import s3fs

        fs = s3fs.S3FileSystem()
        fs.mkdir("bench")
        fs.put(str(work / "corpus"), "bench/corpus", recursive=True)
        command = ["list", "logs", "--status", "error", "--json", "--log-dir", "s3://bench/corpus"]
        reference = median_time([theirs, *command], work, s3_env, max(2, runs // 2))
        mine = median_time([ours, *command], work, s3_env, runs)
    finally:
        server.stop()
    return ("list logs --status error --json on S3", reference, mine)


if __name__ == "__main__":
    main()
