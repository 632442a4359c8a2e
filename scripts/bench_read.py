"""Benchmark: read_eval_log (full and header-only) against inspect-ai, in one run.

Generates logs of N samples (copies of a real fixture sample) in both formats,
times our reader and inspect-ai 0.3.285's (in its own venv) on the same files,
and prints a Markdown table of times and ratios; also written to
bench-results/read.md. Times are medians of several reads in a warm process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from inspect_cli.log import read_eval_log, write_eval_log  # noqa: E402
from inspect_cli.log._tree import convert, to_tree  # noqa: E402
from inspect_cli.log._types import EvalSample, EvalSampleReductions  # noqa: E402

from support.inspect_ai_env import inspect_ai_python  # noqa: E402

SOURCE = ROOT / "tests/fixtures/inspect-logs/v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"

TIMER = """
import json, statistics, sys, time
from {module} import read_eval_log
reads = {{"full": lambda p: read_eval_log(p), "header": lambda p: read_eval_log(p, header_only=True)}}
try:
    from inspect_cli.log._file import read_eval_log_header
    reads["listing header"] = read_eval_log_header
except ImportError:
    pass
out = {{}}
for path in json.loads(sys.argv[1]):
    for mode, read in reads.items():
        times = []
        for _ in range({repeat}):
            t0 = time.perf_counter()
            read(path)
            times.append(time.perf_counter() - t0)
        out[path + "#" + mode] = statistics.median(times)
print(json.dumps(out))
"""


def make_logs(folder: Path, sizes: list[int]) -> list[Path]:
    """Logs of n samples each: copies of a real sample, with the epoch
    reductions (one entry per sample) a real log of that size has."""
    log = read_eval_log(SOURCE)
    assert log.samples and log.reductions
    templates = [to_tree(s) for s in log.samples]
    reduced = [to_tree(s) for s in log.reductions[0].samples]
    reductions = to_tree(log.reductions[0])
    paths = []
    for n in sizes:
        samples = []
        for i in range(n):
            tree = dict(templates[i % len(templates)])
            tree["id"] = f"s{i:06d}"
            samples.append(convert(tree, EvalSample))
        log.samples = samples
        reductions["samples"] = [{**reduced[i % len(reduced)], "sample_id": f"s{i:06d}"} for i in range(n)]
        log.reductions = [convert(reductions, EvalSampleReductions)]
        for fmt in ("eval", "json"):
            path = folder / f"bench-{n}.{fmt}"
            write_eval_log(log, path, overwrite=True)
            paths.append(path)
    return paths


def time_reader(python: str, module: str, paths: list[Path], repeat: int) -> dict[str, float]:
    code = TIMER.format(module=module, repeat=repeat)
    run = subprocess.run(
        [python, "-c", code, json.dumps([str(p) for p in paths])], capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000", help="sample counts (the last is the headline)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_logs(Path(tmp), sizes)
        ours = time_reader(sys.executable, "inspect_cli.log", paths, args.repeat)
        theirs = time_reader(str(inspect_ai_python()), "inspect_ai.log", paths, max(2, args.repeat // 2))
        sizes_mb = {str(p): p.stat().st_size / 1e6 for p in paths}
    lines = [
        "| log | size | read | inspect-ai 0.3.285 | inspect_cli | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    for key in ours:
        path, mode = key.split("#")
        name = Path(path).name
        reference = theirs.get(key) or theirs[path + "#header"]
        lines.append(
            f"| {name} | {sizes_mb[path]:.1f} MB | {mode} | {reference * 1000:.1f} ms | {ours[key] * 1000:.1f} ms "
            f"| {reference / ours[key]:.1f}x |"
        )
    lines.append("")
    lines.append("(`listing header` is the header read `list logs` uses: the header without the epoch")
    lines.append("reductions; its inspect-ai column repeats inspect-ai's header-only read.)")
    smallest, largest = sizes[0], sizes[-1]
    for mode in ("header", "listing header"):
        for fmt in ("eval", "json"):
            small = ours[next(k for k in ours if k.endswith(f"bench-{smallest}.{fmt}#{mode}"))]
            large = ours[next(k for k in ours if k.endswith(f"bench-{largest}.{fmt}#{mode}"))]
            lines.append(f"- {mode} .{fmt}: {largest} samples take {large / small:.2f}x the time of {smallest} samples")
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "read.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
