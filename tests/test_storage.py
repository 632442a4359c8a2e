"""Locations are URLs: logs read and write the same through fsspec (memory://)."""

from __future__ import annotations

import pytest

from inspect_cli import storage
from inspect_cli.errors import MissingPackageError, NotFoundError
from inspect_cli.log import read_eval_log, read_eval_log_sample, read_eval_log_samples, write_eval_log

from support.helpers import FIXTURES

SOURCE = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_logs_round_trip_through_memory_urls(fmt: str) -> None:
    log = read_eval_log(SOURCE)
    url = f"memory://logs/roundtrip/log.{fmt}"
    write_eval_log(log, url)
    assert storage.exists(url)
    assert read_eval_log(url) == log
    assert read_eval_log(url, header_only=True).samples is None
    ids = log.eval.dataset.sample_ids or []
    assert list(read_eval_log_samples(url)) == sorted(log.samples or [], key=lambda s: (ids.index(s.id), s.epoch))
    assert read_eval_log_sample(url, 2, 2) == log.samples[4]  # type: ignore[index]
    assert read_eval_log(url).location == url


def test_missing_remote_file() -> None:
    with pytest.raises(NotFoundError):
        read_eval_log("memory://logs/none/here.eval")


def test_unknown_scheme_names_the_package_to_install() -> None:
    with pytest.raises(MissingPackageError, match="gcsfs"):
        read_eval_log("gcs://bucket/log.eval")


def test_scheme_parsing() -> None:
    assert storage.scheme("s3://bucket/key") == "s3"
    assert storage.scheme("/abs/path") == ""
    assert storage.scheme("file:///abs/path") == "file"
    assert storage.is_local("relative/logs") and storage.is_local("file:///tmp/x")
    assert not storage.is_local("memory://x")
    assert storage.local_path("file:///tmp/x.eval") == "/tmp/x.eval"
