"""The zip layer of .eval logs: our writer's archives open anywhere, big ones too."""

from __future__ import annotations

import io
import zipfile

import pytest

from inspect_cli.errors import LogFormatError
from inspect_cli.log._zip import ZipReader, ZipWriter


@pytest.mark.parametrize("compression", ["deflate", "zstd"])
def test_round_trip(compression: str) -> None:
    buf = io.BytesIO()
    writer = ZipWriter(buf, compression)  # type: ignore[arg-type]
    writer.add("a.json", b'{"a": 1}')
    writer.add("dir/b.json", b"x" * 100_000)
    writer.add("a.json", b'{"a": 2}')  # rewritten: the last copy wins
    writer.close()
    reader = ZipReader(io.BytesIO(buf.getvalue()), "test")
    assert reader.names() == ["dir/b.json", "a.json"]
    assert reader.read("a.json") == b'{"a": 2}'
    assert reader.read("dir/b.json") == b"x" * 100_000
    assert "missing.json" not in reader


def test_deflate_archives_open_with_the_standard_library() -> None:
    buf = io.BytesIO()
    writer = ZipWriter(buf)
    writer.add("samples/1_epoch_1.json", b'{"id": 1}')
    writer.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        assert z.testzip() is None
        assert z.read("samples/1_epoch_1.json") == b'{"id": 1}'


def test_zip64_for_more_than_65535_entries() -> None:
    buf = io.BytesIO()
    writer = ZipWriter(buf)
    for i in range(70_000):
        writer.add(f"samples/{i}_epoch_1.json", b"{}")
    writer.add("header.json", b'{"ok": true}')
    writer.close()
    data = buf.getvalue()
    assert b"PK\x06\x06" in data[-200:]  # a Zip64 end record
    reader = ZipReader(io.BytesIO(data), "big")
    assert reader.read("header.json") == b'{"ok": true}'
    assert len(reader.names()) == 70_001
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert len(z.infolist()) == 70_001
        assert z.read("samples/69999_epoch_1.json") == b"{}"


def test_crc_mismatch_is_reported() -> None:
    buf = io.BytesIO()
    writer = ZipWriter(buf, "deflate", level=0)
    writer.add("a.json", b"hello world, hello world")
    writer.close()
    data = bytearray(buf.getvalue())
    at = data.find(b"hello")
    data[at] ^= 1  # stored-like deflate block at level 0: flip a literal byte
    with pytest.raises(LogFormatError, match="corrupt"):
        ZipReader(io.BytesIO(bytes(data)), "bad").read("a.json")


def test_an_archive_with_a_torn_append_reads_as_before_the_append() -> None:
    """Older writers (ours before 0.1, and others) appended in place: a writer
    stopped mid-append leaves a partial entry after the last directory."""
    buf = io.BytesIO()
    writer = ZipWriter(buf)
    writer.add("a.json", b"1")
    writer.add("b.json", b"2")
    writer.close()
    complete = buf.getvalue()
    partial = io.BytesIO()
    ZipWriter(partial).add("c.json", b"3" * 5000)
    torn = complete + partial.getvalue()[:100]  # stopped while writing c.json
    reader = ZipReader(io.BytesIO(torn), "torn")
    assert reader.names() == ["a.json", "b.json"]
    assert reader.read("b.json") == b"2"
    with pytest.raises(LogFormatError, match="truncated"):
        ZipReader(io.BytesIO(complete[: len(complete) // 3]), "cut")
