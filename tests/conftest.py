"""Shared fixtures: the real Inspect logs of tests/fixtures, ready to replay."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/fixtures/inspect-logs with every log's mtime set from its
    manifest (git does not keep mtimes; listings and goldens depend on them)."""
    root = tmp_path_factory.mktemp("fixtures") / "inspect-logs"
    shutil.copytree(FIXTURES, root)
    for manifest in root.glob("v*/manifest.json"):
        for entry in json.loads(manifest.read_text()):
            os.utime(manifest.parent / entry["path"], (entry["mtime"], entry["mtime"]))
    return root


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's INSPECT_* settings or a cached .env."""
    from inspect_cli import config

    for name in list(os.environ):
        if name.startswith("INSPECT_") and name != "INSPECT_CLI_TRACEBACK":
            monkeypatch.delenv(name)
    config.reset_dotenv()
    yield
    config.reset_dotenv()
