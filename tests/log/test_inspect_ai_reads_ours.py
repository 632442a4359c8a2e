"""Inspect must read what we write: the real inspect-ai reads our copy of every
fixture log (both formats) exactly as it reads the original."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from inspect_cli.log import read_eval_log, write_eval_log

from support.helpers import FIXTURES, manifest_entries
from support.inspect_ai_env import inspect_ai_python

READABLE = [(v, e) for v, e in manifest_entries() if e["readable_by_inspect_ai"]]


@pytest.fixture(scope="module")
def comparisons(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, bool], list[str]]:
    python = inspect_ai_python()
    out = tmp_path_factory.mktemp("ours")
    jobs = []
    for version, entry in READABLE:
        src = FIXTURES / version / entry["path"]
        log = read_eval_log(src)
        for fmt in ("json", "eval"):
            copy = out / version / f"{Path(entry['path']).stem}.{fmt}"
            write_eval_log(log, copy)
            jobs.append([str(src), str(copy)])
    jobs_file = out / "jobs.json"
    jobs_file.write_text(json.dumps(jobs))
    script = Path(__file__).parents[1] / "support" / "inspect_ai_compare.py"
    run = subprocess.run([str(python), str(script), str(jobs_file)], capture_output=True, text=True, check=True)
    return {(r["original"], Path(r["copy"]).suffix, r["header_only"]): r["differences"] for r in json.loads(run.stdout)}


@pytest.mark.parametrize("header_only", [False, True], ids=["full", "header"])
@pytest.mark.parametrize("fmt", [".json", ".eval"])
@pytest.mark.parametrize("item", READABLE, ids=lambda item: f"{item[0]}/{item[1]['path']}")
def test_inspect_ai_reads_our_copy_as_the_original(
    comparisons: dict[tuple[str, str, bool], list[str]], item: tuple[str, dict], fmt: str, header_only: bool
) -> None:
    version, entry = item
    assert comparisons[(str(FIXTURES / version / entry["path"]), fmt, header_only)] == []
