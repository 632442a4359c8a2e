"""Logs on S3, against a local S3 server (moto) on 127.0.0.1: read, write, list,
filter, dump and convert, through the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_cli.errors import NotFoundError, StorageError
from inspect_cli.log import read_eval_log, write_eval_log
from inspect_cli.log._list import list_eval_logs

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES, load_json

V285 = FIXTURES / "v0.3.285"


def _upload(fixture_logs: list[str], bucket: str) -> list[str]:
    import s3fs

    fs = s3fs.S3FileSystem()
    urls = []
    for path in fixture_logs:
        url = f"{bucket}/logs/{path}"
        fs.put_file(str(V285 / "logs" / path), url)
        urls.append(url)
    return urls


LOGS = [
    "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval",
    "2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval",
    "2026-11-28T06-09-30-00-00_arith-flaky_EsPNFGpD8ZoQNBwMkNN4aa.json",
    "more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval",
]


def test_read_and_write_on_s3(s3: str) -> None:
    (url,) = _upload(LOGS[:1], s3)
    local = read_eval_log(V285 / "logs" / LOGS[0])
    assert read_eval_log(url) == local
    assert read_eval_log(url, header_only=True).status == "success"
    for fmt in ("json", "eval"):
        target = f"{s3}/copies/log.{fmt}"
        write_eval_log(local, target)
        assert read_eval_log(target) == local


def test_list_on_s3(s3: str) -> None:
    _upload(LOGS, s3)
    logs = list_eval_logs(f"{s3}/logs")
    assert sorted(log.name for log in logs) == sorted(f"{s3}/logs/{p}" for p in LOGS)
    assert {log.task_id for log in logs} == {
        "iFuLDY63AF3YxkTTDvdb5N",
        "ZXLYRNkuFEHEdTq52KgjkE",
        "EsPNFGpD8ZoQNBwMkNN4aa",
        "bvkpT4wn77vNpQR8boQ2Wv",
    }
    assert len(list_eval_logs(f"{s3}/logs", recursive=False)) == 3


@pytest.mark.parametrize("mode", MODES)
def test_cli_list_status_and_dump_on_s3(s3: str, mode: str, tmp_path: Path) -> None:
    _upload(LOGS, s3)
    result = run_inspect(mode, ["list", "logs", "--log-dir", f"{s3}/logs", "--status", "error", "--json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert [r["name"] for r in load_json(result.stdout)] == [
        f"{s3}/logs/{LOGS[2]}",
        f"{s3}/logs/{LOGS[1]}",
    ] or sorted(r["name"] for r in load_json(result.stdout)) == sorted([f"{s3}/logs/{LOGS[1]}", f"{s3}/logs/{LOGS[2]}"])
    result = run_inspect(mode, ["log", "dump", f"{s3}/logs/{LOGS[3]}"], tmp_path)
    assert result.exit_code == 0, result.stderr
    dumped = load_json(result.stdout)
    assert [(s["id"], s["epoch"]) for s in dumped["samples"]] == [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2)]


@pytest.mark.parametrize("mode", MODES)
def test_convert_to_and_from_s3(s3: str, mode: str, tmp_path: Path) -> None:
    _upload(LOGS, s3)
    result = run_inspect(
        mode, ["log", "convert", f"{s3}/logs", "--to", "json", "--output-dir", str(tmp_path / "out")], tmp_path
    )
    assert result.exit_code == 0, result.stderr
    converted = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.json"))
    assert converted == sorted(p.rsplit(".", 1)[0] + ".json" for p in LOGS)
    result = run_inspect(
        mode, ["log", "convert", str(tmp_path / "out"), "--to", "eval", "--output-dir", f"{s3}/back"], tmp_path
    )
    assert result.exit_code == 0, result.stderr
    for path in LOGS:
        back = read_eval_log(f"{s3}/back/{path.rsplit('.', 1)[0]}.eval")
        assert back == read_eval_log(V285 / "logs" / path)


def test_eval_header_reads_fetch_byte_ranges_not_the_file(s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import s3fs

    log = read_eval_log(V285 / "logs" / LOGS[0])
    assert log.samples
    big = log.samples[0]
    # A large log: many samples with incompressible padding.
    samples = []
    for i in range(300):
        sample = read_eval_log(V285 / "logs" / LOGS[0]).samples[0]  # type: ignore[index]
        sample.id = f"s{i}"
        sample.metadata = {"padding": os.urandom(16 * 1024).hex()}
        samples.append(sample)
    log.samples = samples
    url = f"{s3}/big/log.eval"
    write_eval_log(log, url)
    size = s3fs.S3FileSystem().size(url)
    assert size > 5_000_000
    fetched: list[int] = []
    original = s3fs.core.S3File._fetch_range

    def counting(self, start, end):  # type: ignore[no-untyped-def]
        data = original(self, start, end)
        fetched.append(len(data))
        return data

    monkeypatch.setattr(s3fs.core.S3File, "_fetch_range", counting)
    header = read_eval_log(url, header_only=True)
    assert header.status == "success" and big is not None
    assert 0 < sum(fetched) < size / 10


def test_s3_errors_are_one_line(s3: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_eval_log(f"{s3}/no/such.eval")
    with pytest.raises((NotFoundError, StorageError)):
        read_eval_log("s3://no-such-bucket-here/x.eval")
    result = run_inspect("subprocess", ["log", "dump", "s3://no-such-bucket-here/x.eval"], tmp_path)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    result = run_inspect("subprocess", ["list", "logs", "--log-dir", "s3://no-such-bucket-here/logs"], tmp_path)
    assert result.exit_code == 1 and "bucket not found" in result.stderr and "Traceback" not in result.stderr
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    for args in (["log", "dump", f"{s3}/logs/x.eval"], ["list", "logs", "--log-dir", f"{s3}/logs"]):
        result = run_inspect("subprocess", args, tmp_path)
        assert result.exit_code == 1, result.stderr
        assert "credentials" in result.stderr.lower()
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
