"""Benchmark: start-up of the single-file binary, against a PyInstaller
hello-world single-file binary (the floor) and Inspect's own CLI, in one run.

Times (median of several runs) `--version` and `list logs --json` over 1,000
logs; prints a Markdown table, also written to bench-results/binary.md.
Needs dist/inspect (scripts/build-binary) and the build venv it leaves.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_cli import make_corpus, median_time  # noqa: E402

from support.inspect_ai_env import inspect_ai_python  # noqa: E402


def hello_binary(folder: Path) -> Path:
    """A PyInstaller single-file binary that prints one line: the floor."""
    (folder / "hello.py").write_text("print('hello')\n")
    pyinstaller = ROOT / ".cache/build-venv/bin/pyinstaller"
    subprocess.run(
        [
            str(pyinstaller),
            "--onefile",
            "--log-level",
            "ERROR",
            "--distpath",
            str(folder),
            "--workpath",
            str(folder / "work"),
            "--specpath",
            str(folder / "work"),
            str(folder / "hello.py"),
        ],
        check=True,
    )
    return folder / "hello"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    binary = ROOT / "dist" / "inspect"
    if not binary.exists():
        sys.exit("dist/inspect is missing: run scripts/build-binary")
    theirs = str(inspect_ai_python().parent / "inspect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        hello = hello_binary(work)
        make_corpus(work / "corpus", 1000)
        floor = median_time([str(hello)], work, env, args.runs)
        rows = []
        for label, command in (
            ("--version", ["--version"]),
            ("list logs --json (1,000 logs)", ["list", "logs", "--json", "--log-dir", "corpus"]),
        ):
            mine = median_time([str(binary), *command], work, env, args.runs)
            reference = median_time([theirs, *command], work, env, max(3, args.runs // 3))
            rows.append((label, mine, reference))
    lines = [
        f"PyInstaller hello-world single-file binary (the floor): {floor * 1000:.0f} ms",
        "",
        "| command | inspect_cli binary | / floor | Inspect's CLI (0.3.285) | speed-up |",
        "|---|---|---|---|---|",
        *(
            f"| {label} | {mine * 1000:.0f} ms | {mine / floor:.2f}x | {ref * 1000:.0f} ms | {ref / mine:.1f}x |"
            for label, mine, ref in rows
        ),
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "binary.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
