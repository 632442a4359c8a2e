"""Fuzzing the readers with a few hundred mutants of the fixture logs per run
(seeded: FUZZ_SEED reproduces a run): damaged bytes, hostile values (deep
nesting, huge integers, invalid UTF-8, lists where names belong), zip bombs,
fake zip directories. The library must raise only its documented errors,
never hang, and stay within bounded memory; the CLI must answer with the
documented exit codes, one line on stderr and nothing partial on stdout."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from support.cli_runner import clean_env, run_inspect
from support.fuzz import mutants
from support.helpers import FIXTURES

SEED = int(os.environ.get("FUZZ_SEED", "20261205"))
COUNT = int(os.environ.get("FUZZ_COUNT", "300"))
MEMORY = 3 * 1024**3  # the worker's address space (Python itself takes a few hundred MB of it)
SECONDS = 20  # per read of one mutant (a generous bound on a loaded CI machine)


@pytest.fixture(scope="module")
def mutant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = sorted(p for p in FIXTURES.rglob("logs/**/*") if p.suffix in (".eval", ".json") and p.is_file())
    folder = tmp_path_factory.mktemp("mutants")
    for name, data in mutants(sources, SEED, COUNT):
        (folder / name).write_bytes(data)
    return folder


def test_the_mutants_are_hostile(mutant_dir: Path) -> None:
    """The generator makes what the tests claim to cover (else they prove nothing)."""
    files = list(mutant_dir.iterdir())
    assert len(files) == COUNT
    sizes = [f.stat().st_size for f in files]
    assert sum(1 for f in files if f.suffix == ".eval") == COUNT // 2
    contents = [f.read_bytes() for f in files if f.stat().st_size < 50_000_000]
    assert any(b"[" * 2000 in c for c in contents)  # deep nesting
    assert any(b"\xff\xfe\xc0\x80" in c for c in contents)  # invalid UTF-8
    assert any(b"18446744073709551" in c for c in contents)  # integers beyond 64 bits
    assert max(sizes) < 10 * 1024 * 1024  # zip bombs are small files...
    assert any(f.suffix == ".eval" and b"reductions.json" in f.read_bytes() and f.stat().st_size < 2_000_000
               for f in files)  # fmt: skip


def test_the_library_raises_only_documented_errors(mutant_dir: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "support.fuzz", str(mutant_dir), str(SECONDS), str(MEMORY)],
        cwd=Path(__file__).parents[1],
        env=clean_env(PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[1]), *sys.path])),
        capture_output=True,
        text=True,
        timeout=SECONDS * 60,
    )
    assert run.returncode == 0, f"the worker died (seed {SEED}): {run.stderr[-2000:]}"
    result = json.loads(run.stdout)
    assert result["reads"] == COUNT * 8
    assert result["problems"] == [], f"seed {SEED}: {json.dumps(result['problems'][:20], indent=1)}"


def test_the_cli_answers_every_mutant_with_a_documented_exit_code(mutant_dir: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    chosen = rng.sample(sorted(mutant_dir.iterdir()), 24)
    for path in chosen:
        for command in (["log", "dump", str(path)], ["log", "dump", "--header-only", str(path)]):
            result = run_inspect("subprocess", command, tmp_path)
            assert result.exit_code in (0, 1), (path.name, command, result.stderr[-500:])
            if result.exit_code == 1:
                assert result.stdout == "", (path.name, "partial output on failure")
                lines = result.stderr.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("Error: "), (path.name, result.stderr[-500:])
            else:
                json.loads(result.stdout)  # one whole document (NaN/Infinity allowed)
    listing = run_inspect("subprocess", ["list", "logs", "--long", "--json", "--log-dir", str(mutant_dir)], tmp_path)
    assert listing.exit_code in (0, 3), listing.stderr[-2000:]
    records = json.loads(listing.stdout)
    skipped = [line for line in listing.stderr.splitlines() if line.startswith("Error: skipped")]
    assert len(records) + len(skipped) == COUNT
    assert "Traceback" not in listing.stderr
