"""The single-file binary, run as callers without Python run it: empty environment, other directory."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support.cli_runner import BINARY
from support.helpers import load_json

pytestmark = pytest.mark.skipif(not BINARY, reason="no binary: scripts/test builds it (INSPECT_CLI_BINARY)")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["env", "-i", str(BINARY), *args], cwd=cwd, capture_output=True, text=True)


def test_runs_with_an_empty_environment_from_another_directory(fixture_root: Path, tmp_path: Path) -> None:
    version = _run(["--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.strip()
    logs = fixture_root / "v0.3.285" / "logs"
    listing = _run(["list", "logs", "--json", "--absolute", "--log-dir", str(logs)], tmp_path)
    assert listing.returncode == 0, listing.stderr
    golden = (
        (fixture_root / "v0.3.285/golden/09-log-list-json-absolute.txt")
        .read_text()
        .replace("@ROOT@", str(fixture_root))
    )
    assert load_json(listing.stdout) == load_json(golden)
    dump = _run(["log", "dump", str(logs / "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")], tmp_path)
    assert dump.returncode == 0 and load_json(dump.stdout)["status"] == "success"  # zstd entries


def test_eval_of_a_task_file_with_standard_library_imports(tmp_path: Path) -> None:
    (tmp_path / "stdlib_task.py").write_text(
        "import statistics, fractions, sqlite3, csv, textwrap, decimal, json\n"
        "from inspect_ai import Task, task\n"
        "from inspect_ai.dataset import Sample\n"
        "from inspect_ai.scorer import includes\n\n"
        "@task\n"
        "def uses_stdlib():\n"
        "    sqlite3.connect(':memory:').execute('select 1')\n"
        "    n = statistics.mean([1, 2, 3]) + float(fractions.Fraction(1, 2)) + float(decimal.Decimal('1.5'))\n"
        "    return Task(dataset=[Sample(input=textwrap.dedent(f' {n}'), target='Default')], scorer=includes())\n"
    )
    result = _run(["eval", "stdlib_task.py", "--model", "mockllm/model", "--display", "plain"], tmp_path)
    assert result.returncode == 0, result.stderr
    [log] = list((tmp_path / "logs").glob("*.eval"))
    check = _run(["log", "dump", "--header-only", str(log)], tmp_path)
    assert load_json(check.stdout)["results"]["scores"][0]["metrics"]["accuracy"]["value"] == 1.0


def test_bundles_only_the_botocore_data_s3_needs(tmp_path: Path) -> None:
    viewer = shutil.which("pyi-archive_viewer", path=str(Path(BINARY).parents[1] / ".cache/build-venv/bin"))  # type: ignore[arg-type]
    if viewer is None:
        pytest.skip("the build venv is not here")
    listing = subprocess.run([viewer, "--list", "--recursive", str(BINARY)], capture_output=True, text=True).stdout
    services = set(re.findall(r"botocore/data/([^/'\"\s]+)/", listing))
    assert services == {"s3", "sts", "sso", "sso-oidc"}
