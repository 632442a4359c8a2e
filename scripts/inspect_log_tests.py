"""Run Inspect's own log tests with `inspect_ai.log` played by our `inspect_cli.log`.

Inspect's tests/log (and tests/test_retry.py) are exported from its git repository
to a temp dir, never into ours. A shim package named `inspect_ai` is put first on
the path: the public modules the tests import (and the private modules Inspect
defines those public names in, e.g. `inspect_ai.log._log`) resolve to the names
our public API exports, nothing else. Imports of anything we lack (Inspect
internals such as `inspect_ai._util` or `inspect_ai.log._recorders`, or a public
name we do not have) fail, and such tests count as not applicable, not failed.
Inspect's root conftest is replaced by a small one of ours: its autouse fixtures
reach into Inspect's engine internals.

Writes a per-file table (passed / failed / not applicable) with the failures'
one-line reasons to bench-results/inspect-log-tests.md. See scripts/inspect-log-tests.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRROR = Path("/work/.mirror/UKGovernmentBEIS+inspect_ai/repo")
VERSION = "0.3.285"
EXPORT = ["tests/log", "tests/test_retry.py", "tests/test_helpers"]
TEST_TIMEOUT = 120  # seconds per test: a hang is a failure, not a stalled run

# inspect_ai module -> our modules whose exports it may hand out, in order.
ALIASES: dict[str, tuple[str, ...]] = {
    "inspect_ai": ("inspect_cli",),
    "inspect_ai.log": ("inspect_cli.log",),
    **{
        f"inspect_ai.log.{m}": ("inspect_cli.log",)
        for m in ("_log", "_file", "_edit", "_score", "_transcript", "_resolve", "_convert", "_config", "_condense")
    },
    "inspect_ai.event": ("inspect_cli.log",),
    **{
        f"inspect_ai.event.{m}": ("inspect_cli.log",)
        for m in (
            "_event",
            "_model",
            "_info",
            "_tool",
            "_score",
            "_score_edit",
            "_sample_init",
            "_sample_limit",
            "_span",
            "_step",
            "_subtask",
            "_sandbox",
            "_logger",
        )
    },
    "inspect_ai.model": ("inspect_cli.model", "inspect_cli.log"),
    **{
        f"inspect_ai.model.{m}": ("inspect_cli.model", "inspect_cli.log")
        for m in ("_chat_message", "_model_output", "_generate_config", "_model_call")
    },
    "inspect_ai.tool": ("inspect_cli.log",),
    "inspect_ai.tool._tool_call": ("inspect_cli.log",),
    "inspect_ai.scorer": ("inspect_cli.scorer", "inspect_cli.log"),
    "inspect_ai.scorer._metric": ("inspect_cli.scorer", "inspect_cli.log"),
    "inspect_ai.dataset": ("inspect_cli.dataset",),
    "inspect_ai.solver": ("inspect_cli.solver",),
}

SHIM = '''
"""Shim: `inspect_ai` modules resolve to inspect_cli's public names (generated)."""
import importlib
import importlib.abc
import importlib.machinery
import sys
import types

ALIASES = {aliases!r}
MARK = "[not in inspect_cli]"


def _lookup(name, attr):
    for source in ALIASES[name]:
        module = importlib.import_module(source)
        exported = getattr(module, "__all__", None)
        if exported is None or attr in exported:
            try:
                return getattr(module, attr)
            except AttributeError:
                pass
    raise AttributeError(f"{{name}}.{{attr}} {{MARK}}")


class _Alias(types.ModuleType):
    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _lookup(self.__name__, attr)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in ALIASES and name != __name__:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _Alias(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def __getattr__(attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return _lookup(__name__, attr)


sys.meta_path.insert(0, _Finder())
'''

CONFTEST = f'''
"""Stand-in for Inspect's root conftest (generated): asyncio only, no engine fixtures."""
import inspect
import signal

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_pycollect_makeitem(collector, name, obj):
    if inspect.iscoroutinefunction(obj) or inspect.isasyncgenfunction(obj):
        pytest.mark.anyio(obj)
    yield


@pytest.fixture
def anyio_backend():
    return "asyncio"


def pytest_addoption(parser):
    for option in ("--runslow", "--runapi", "--runflaky", "--runtrio"):
        parser.addoption(option, action="store_true", default=False)


@pytest.fixture(scope="session")
def _s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{{host}}:{{port}}"
    server.stop()


@pytest.fixture
def mock_s3(_s3_server, monkeypatch):
    """The S3 fixture Inspect's tests expect: AWS pointed at a local server with a bucket `test-bucket`."""
    import s3fs

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", _s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    fs.mkdir("test-bucket")
    yield
    fs.rm("test-bucket", recursive=True)
    s3fs.S3FileSystem.clear_instance_cache()


def _timeout(signum, frame):
    raise TimeoutError("test ran longer than {TEST_TIMEOUT}s")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm({TEST_TIMEOUT})
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
'''

# Inspect's test_helpers.utils imports engine internals at import time; most log
# tests want only a trio skip marker from it, so that marker is ours and any other
# name is taken from Inspect's module (and is not applicable if that fails).
HELPERS_UTILS = """
\"\"\"Stand-in for Inspect's test_helpers.utils (generated).\"\"\"
import importlib

import pytest

skip_if_trio = pytest.mark.skipif(False, reason="trio is not run here")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("test_helpers._inspect_utils"), name)
"""

PLUGIN = """
\"\"\"Records each test's outcome as JSON lines (generated).\"\"\"
import json
import os

import pytest

OUT = open(os.environ["ITESTS_RESULTS"], "a")
MARK = "[not in inspect_cli]"


def _not_applicable(exc):
    message = str(exc)
    if isinstance(exc, ImportError):
        return "inspect_ai" in message or "test_helpers" in message or (exc.name or "").startswith("inspect_ai")
    # a private member of a public class (e.g. Transcript._event) is Inspect's internals too
    private = "has no attribute '_" in message
    return isinstance(exc, AttributeError) and (MARK in message or "inspect_ai." in message or private)


def _reason(exc):
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:200]


def _write(**row):
    OUT.write(json.dumps(row) + "\\n")
    OUT.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and not report.passed):
        row = {"file": item.location[0], "test": item.name}
        if report.passed:
            row["outcome"] = "passed"
        elif report.skipped:
            row["outcome"] = "skipped"
        elif call.excinfo is not None and _not_applicable(call.excinfo.value):
            row.update(outcome="n/a", reason=_reason(call.excinfo.value))
        else:
            exc = call.excinfo.value if call.excinfo is not None else None
            row.update(outcome="failed", reason=_reason(exc) if exc is not None else str(report.longrepr)[:200])
        _write(**row)


def pytest_collectreport(report):
    if report.failed:
        lines = [line[1:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E ")]
        reason = lines[-1] if lines else str(report.longrepr).splitlines()[-1]
        importing = "ImportError" in reason or "ModuleNotFoundError" in reason
        _write(
            file=report.nodeid,
            test=None,
            outcome="n/a" if importing and ("inspect_ai" in reason or "test_helpers" in reason) else "failed",
            reason=reason[:200],
        )
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def pick_revision(repo: Path, rev: str | None) -> tuple[str, str]:
    """The revision to export and a note on how it was chosen."""
    if rev:
        return rev, f"revision `{rev}` (given)"
    tags = set(git(repo, "tag", "--list").splitlines())
    for tag in (VERSION, f"v{VERSION}"):
        if tag in tags:
            return tag, f"tag `{tag}`"
    head = git(repo, "rev-parse", "--short", "HEAD")
    return "HEAD", f"HEAD `{head}` (no {VERSION} tag in this repository)"


def export(repo: Path, rev: str, dest: Path) -> None:
    paths = git(repo, "ls-tree", "--name-only", rev, "--", *EXPORT).splitlines()
    if "tests/log" not in paths:
        raise SystemExit(f"{repo} has no tests/log at {rev}")
    archive = subprocess.run(["git", "-C", str(repo), "archive", rev, *paths], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)


def count_tests(path: Path) -> int:
    """Test functions in a file (parametrized cases count once): for files that do not import."""
    tree = ast.parse(path.read_text())
    return sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def prepare(work: Path) -> Path:
    shim = work / "shim" / "inspect_ai"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(SHIM.format(aliases=ALIASES))
    tests = work / "tests"
    (tests / "conftest.py").write_text(CONFTEST)
    (tests / "_itests_plugin.py").write_text(PLUGIN)
    (work / "pytest.ini").write_text("[pytest]\n")
    helpers = tests / "test_helpers"
    if (helpers / "utils.py").exists():
        (helpers / "utils.py").rename(helpers / "_inspect_utils.py")
        (helpers / "utils.py").write_text(HELPERS_UTILS)
    return tests


def test_files(tests: Path, wanted: list[str]) -> list[str]:
    if wanted:
        return wanted
    found = sorted(str(p.relative_to(tests.parent)) for p in tests.glob("log/test_*.py"))
    return found + (["tests/test_retry.py"] if (tests / "test_retry.py").exists() else [])


def runner_packages(dest: Path) -> Path:
    """pytest and its dependencies, linked from this interpreter: the reference venv has no pytest."""
    import importlib.util

    dest.mkdir()
    for name in ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            source = origin.parent if origin.name == "__init__.py" else origin
            (dest / source.name).symlink_to(source)
    return dest


def run(tests: Path, files: list[str], results: Path, python: str, path: list[Path]) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tests.parent),
        "PYTHONPATH": ":".join(str(p) for p in [*path, tests]),
        "ITESTS_RESULTS": str(results),
        "INSPECT_LOG_DIR": str(tests.parent / "logs"),
    }
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_itests_plugin"]
    with open(results.with_suffix(".log"), "w") as log:
        subprocess.run(
            [*command, "--continue-on-collection-errors", *files],
            cwd=tests.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )


def read_results(results: Path) -> dict[str, list[dict[str, str]]]:
    by_file: dict[str, list[dict[str, str]]] = defaultdict(list)
    if results.exists():
        for line in results.read_text().splitlines():
            row = json.loads(line)
            by_file[row["file"]].append(row)
    return by_file


def table(tests: Path, files: list[str], ours: Path, reference: Path | None, source: str) -> str:
    by_file = read_results(ours)
    ref_passed = (
        {
            (row["file"], row["test"])
            for rows in read_results(reference).values()
            for row in rows
            if row["outcome"] == "passed"
        }
        if reference
        else set()
    )
    lines = [
        "# Inspect's log tests against inspect_cli",
        "",
        f"Source: {source}.",
        "`n/a`: the test needs what our public API lacks (Inspect internals such as `inspect_ai._util`,",
        "names we do not have, private members); a whole file is n/a when its module-level imports fail.",
        *(
            ["`ref`: tests passing when run on the real inspect-ai (its version may differ from the tests')."]
            if reference
            else []
        ),
        "",
        "| file | passed | failed | n/a | skipped |" + (" ref |" if reference else "") + " note |",
        "|---|---:|---:|---:|---:|" + ("---:|" if reference else "") + "---|",
    ]
    totals: Counter[str] = Counter()
    failures: list[str] = []
    for name in files:
        rows = by_file.get(name, [])
        counts = Counter(row["outcome"] for row in rows if row["test"] is not None)
        whole = [row for row in rows if row["test"] is None]
        if whole:
            counts[whole[0]["outcome"]] += count_tests(tests.parent / name)
            note = f"module: {whole[0]['reason']}"
        else:
            reasons = Counter(row["reason"] for row in rows if row["outcome"] == "n/a")
            note = "n/a: " + "; ".join(r for r, _ in reasons.most_common(2)) if reasons else ""
        counts["ref"] = sum(1 for file, _ in ref_passed if file == name)
        totals.update(counts)
        cells = [counts[k] for k in ("passed", "failed", "n/a", "skipped", *(["ref"] if reference else []))]
        lines.append(f"| {name} | " + " | ".join(map(str, cells)) + f" | {note.replace('|', '/')} |")
        for row in rows:
            if row["outcome"] == "failed":
                both = " (fails on the reference too)" if reference and (name, row["test"]) not in ref_passed else ""
                failures.append(f"- `{name}::{row['test'] or ''}`{both}: {row['reason']}")
    cells = [totals[k] for k in ("passed", "failed", "n/a", "skipped", *(["ref"] if reference else []))]
    lines.append("| **total** | " + " | ".join(map(str, cells)) + " | |")
    lines += ["", "## Failures", "", *(failures or ["none"]), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path, help="Inspect checkout or git dir (default: the local mirror)")
    parser.add_argument("--rev", help=f"revision to export (default: tag {VERSION} if present, else HEAD)")
    parser.add_argument("--files", nargs="*", default=[], help="test paths, e.g. tests/log/test_edit.py")
    parser.add_argument("--print", action="store_true", help="print the table instead of writing it")
    parser.add_argument(
        "--reference",
        metavar="PYTHON",
        default=os.environ.get("INSPECT_AI_PYTHON"),
        help="default $INSPECT_AI_PYTHON; also run the tests on the real inspect-ai installed for this interpreter (adds a `ref` column)",
    )
    parser.add_argument(
        "--keep", type=Path, help="work in this (new) dir and keep it: exported tests, shim, pytest output (*.log)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "inspect-log-tests.md")
    args = parser.parse_args()
    repo = args.repo or MIRROR
    if not repo.exists():
        print(f"no Inspect repository at {repo}: pass a checkout or git dir of inspect_ai", file=sys.stderr)
        return 2
    rev, how = pick_revision(repo, args.rev)
    with tempfile.TemporaryDirectory(prefix="inspect-log-tests-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        export(repo, rev, work)
        tests = prepare(work)
        files = test_files(tests, args.files)
        ours = work / "ours.jsonl"
        run(tests, files, ours, sys.executable, [work / "shim", ROOT])
        reference = None
        if args.reference:
            reference = work / "reference.jsonl"
            run(tests, files, reference, args.reference, [runner_packages(work / "runner")])
        report = table(tests, files, ours, reference, f"{repo} at {how}")
    if args.print:
        print(report)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
        print(report.split("## Failures")[0])
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
