"""A log dir on S3 whose server dies while the eval runs.

The eval goes on (each failed upload is reported once); when the final upload
fails too, it ends with exit code 1 and one error line naming the local copy
of the log, kept in the eval's current folder, which `inspect eval-retry
<copy> --log-dir <new place>` finishes.

Old behaviour this catches: the run ended (exit 1) only after about a minute
of botocore retries, and its samples survived only in a hidden temporary
file that no message named; there was no copy in the current folder to
retry from.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspect_cli.log import list_eval_logs, read_eval_log

from support.cli_runner import clean_env, run_inspect, start_inspect

TASKS = Path(__file__).parent / "tasks" / "retry_tasks.py"
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    # A dead endpoint refuses connections at once: few, quick retries.
    "AWS_MAX_ATTEMPTS": "2",
    "AWS_RETRY_MODE": "standard",
}
SAMPLES = 30


class S3Server:
    """A moto S3 server in a process of its own (so the test can kill it)."""

    def __init__(self, cwd: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError("the moto server did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[S3Server]]:
    started: list[S3Server] = []
    yield started
    for server in started:
        server.kill()


def _point_at(server: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point this process's AWS environment at `server`; the environment for subprocesses."""
    import s3fs

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    env = {**S3_ENV, "AWS_ENDPOINT_URL": server.url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    return env


def _bucket(name: str) -> str:
    import s3fs

    s3fs.S3FileSystem().mkdir(name)
    return f"s3://{name}"


def _samples_on_s3(log_dir: str) -> tuple[str, int] | None:
    try:
        logs = list_eval_logs(log_dir)
        if logs:
            return logs[0].name, len(read_eval_log(logs[0].name).samples or [])
    except Exception:  # noqa: BLE001  (the log may be mid-upload; try again)
        return None
    return None


def test_s3_dies_mid_eval_and_the_kept_copy_is_retried(
    tmp_path: Path, servers: list[S3Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "retry_tasks.py").write_text(TASKS.read_text())
    temp = tmp_path / "temp"  # the eval's TMPDIR: where its local staging copy lives
    temp.mkdir()
    first = S3Server(tmp_path)
    servers.append(first)
    env = _point_at(first, monkeypatch)
    bucket = _bucket("first")
    log_dir = f"{bucket}/logs"

    process = start_inspect(
        ["eval", "retry_tasks.py@counted", "-T", f"n={SAMPLES}", "--model", "mockllm/model", "-M", "delay=0.2",
         "--max-samples", "1", "--log-buffer", "1", "--display", "none", "--log-dir", log_dir],
        tmp_path,
        env=clean_env(**env, TMPDIR=str(temp)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    seen: tuple[str, int] | None = None
    while time.monotonic() < deadline and process.poll() is None:
        seen = _samples_on_s3(log_dir)
        if seen is not None and seen[1] >= 3:
            break
        time.sleep(0.1)
    assert seen is not None and 3 <= seen[1] < SAMPLES, seen
    location, flushed = seen
    first.kill()
    killed_at = time.monotonic()

    out, err = process.communicate(timeout=180)
    took = time.monotonic() - killed_at
    print(f"\nsamples on S3 when it died: {flushed}; the eval ended {took:.1f} s later\nstderr:\n{err}")
    assert process.returncode == 1, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, err
    [message] = errors
    assert location in message
    found = re.search(r"the log is kept in (\S+) \(resume with: inspect eval-retry (\S+) --log-dir (\S+)\)", message)
    assert found is not None, message
    kept = Path(found.group(1))
    assert found.group(2) == str(kept) and found.group(3) == log_dir
    assert kept.parent == tmp_path and kept.name == location.rsplit("/", 1)[1]
    assert took < 60

    # The kept copy is a whole log: every sample the eval finished (at least those flushed before the server died).
    log = read_eval_log(str(kept))
    ids = [s.id for s in log.samples or []]
    assert len(ids) >= flushed and len(set(ids)) == len(ids)
    assert log.status == "success" and len(ids) == SAMPLES
    # ...and the only copy: nothing is left behind in the temporary folder.
    assert [str(p) for p in temp.rglob("*")] == []

    # A fresh S3 server: eval-retry of the kept copy finishes it there.
    second = S3Server(tmp_path)
    servers.append(second)
    env = _point_at(second, monkeypatch)
    retried_dir = f"{_bucket('second')}/logs"
    result = run_inspect(
        "subprocess", ["eval-retry", str(kept), "--log-dir", retried_dir, "--display", "none"], tmp_path, env=env
    )
    assert result.exit_code == 0, result.stderr
    [info] = list_eval_logs(retried_dir)
    retried = read_eval_log(info.name)
    assert retried.status == "success"
    assert sorted(s.id for s in retried.samples or []) == sorted(ids)
    kept_uuids = {s.uuid for s in log.samples or []}
    assert kept_uuids == {s.uuid for s in retried.samples or []}  # reused, not run again
    assert retried.eval.task_id == log.eval.task_id
