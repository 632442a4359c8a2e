"""Shared fixtures: the real Inspect logs of tests/fixtures, ready to replay."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.helpers import FIXTURES


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
    from inspect_cli import settings

    for name in list(os.environ):
        if name.startswith("INSPECT_") and name != "INSPECT_CLI_TRACEBACK":
            monkeypatch.delenv(name)
    settings.reset_dotenv()
    yield
    settings.reset_dotenv()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API server (moto's) on 127.0.0.1, for the whole test session."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket on the local S3 server, with the AWS environment pointing
    at it (subprocesses inherit it); yields the bucket's s3:// URL."""
    import uuid

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint}.items():
        monkeypatch.setenv(name, value)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    yield f"s3://{bucket}"
    fs.rm(bucket, recursive=True)
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="session")
def _model_server() -> Iterator[Any]:
    from support.model_server import ModelServer

    server = ModelServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def model_server(_model_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The local OpenAI/Anthropic-speaking server, reset, with the environment
    pointing both providers at it (and fast retries)."""
    _model_server.reset()
    monkeypatch.setenv("OPENAI_BASE_URL", f"{_model_server.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-openai-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", _model_server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-secret-key")
    monkeypatch.setenv("INSPECT_CLI_RETRY_DELAY", "0.01")
    from inspect_cli.model import _model

    _model._MODELS.clear()
    return _model_server
