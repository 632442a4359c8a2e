"""A small zip reader and writer for `.eval` logs.

The standard library's `zipfile` parses the central directory, but cannot
inflate zstd entries (method 93, which Inspect writes by default since about
0.3.250) nor write them. So entry data is read and written here: stored (0),
deflate (8) and zstd (93), with Zip64 records when a log grows past 4 GiB or
65,535 entries. Entries may repeat a name (a rewritten entry); the last wins.
"""

from __future__ import annotations

import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Literal

from ..errors import LogFormatError

STORED, DEFLATED, ZSTD = 0, 8, 93
Compression = Literal["deflate", "zstd"]
_METHODS: dict[str, int] = {"deflate": DEFLATED, "zstd": ZSTD}

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_UTF8_FLAG = 0x800
_MAX32 = 0xFFFFFFFF
_MAX16 = 0xFFFF


def _zstandard():  # imported only when a zstd entry is met
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a runtime dependency
        raise LogFormatError("zstd-compressed logs need the 'zstandard' package") from None
    return zstandard


class ZipReader:
    """Reads entries of a zip archive from a seekable binary file."""

    def __init__(self, f: IO[bytes], what: str) -> None:
        self._f = f
        self._what = what
        try:
            infos = zipfile.ZipFile(f).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as ex:
            raise LogFormatError(f"{what} is not a readable .eval log (bad or truncated zip: {ex})") from None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self._infos.pop(info.filename, None)  # a rewritten entry moves to its new place
            self._infos[info.filename] = info

    def names(self) -> list[str]:
        """Entry names in archive order (a rewritten entry at its last place)."""
        return list(self._infos)

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        info = self._infos.get(name)
        if info is None:
            raise LogFormatError(f"{self._what}: no entry '{name}'")
        try:
            self._f.seek(info.header_offset)
            header = self._f.read(_LOCAL.size)
            if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
                raise LogFormatError(f"{self._what}: entry '{name}' is damaged (bad local header)")
            fields = _LOCAL.unpack(header)
            self._f.seek(info.header_offset + _LOCAL.size + fields[9] + fields[10])
            raw = self._f.read(info.compress_size)
        except OSError as ex:
            raise LogFormatError(f"{self._what}: cannot read entry '{name}': {ex}") from None
        if len(raw) < info.compress_size:
            raise LogFormatError(f"{self._what}: entry '{name}' is truncated")
        data = _inflate(info.compress_type, raw, info.file_size, f"{self._what}: entry '{name}'")
        if zlib.crc32(data) != info.CRC:
            raise LogFormatError(f"{self._what}: entry '{name}' is corrupt (CRC mismatch)")
        return data


def _inflate(method: int, raw: bytes, size: int, what: str) -> bytes:
    if method == STORED:
        return raw
    if method == DEFLATED:
        try:
            return zlib.decompressobj(-15).decompress(raw)
        except zlib.error as ex:
            raise LogFormatError(f"{what} is corrupt ({ex})") from None
    if method == ZSTD:
        zstd = _zstandard()
        try:
            return zstd.ZstdDecompressor().decompressobj().decompress(raw)
        except zstd.ZstdError as ex:
            raise LogFormatError(f"{what} is corrupt ({ex})") from None
    raise LogFormatError(f"{what} uses unsupported zip compression method {method}")


@dataclass
class _Entry:
    name: bytes
    method: int
    crc: int
    compressed: int
    size: int
    offset: int
    dos_time: int
    dos_date: int


class ZipWriter:
    """Writes a zip archive to a binary file, entry by entry."""

    def __init__(self, f: IO[bytes], compression: Compression = "deflate", level: int | None = None) -> None:
        if compression not in _METHODS:
            raise ValueError(f"unknown compression {compression!r} (use 'deflate' or 'zstd')")
        self._f = f
        self._method = _METHODS[compression]
        self._level = level
        self._entries: list[_Entry] = []
        self._offset = f.tell()
        t = time.localtime()
        self._dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
        self._dos_date = ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday

    def _compress(self, data: bytes) -> bytes:
        if self._method == ZSTD:
            return _zstandard().ZstdCompressor(level=self._level or 3).compress(data)
        c = zlib.compressobj(self._level if self._level is not None else 6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    def add(self, name: str, data: bytes) -> None:
        packed = self._compress(data)
        entry = _Entry(
            name.encode("utf-8"),
            self._method,
            zlib.crc32(data),
            len(packed),
            len(data),
            self._offset,
            self._dos_time,
            self._dos_date,
        )
        zip64 = entry.compressed >= _MAX32 or entry.size >= _MAX32
        extra = struct.pack("<HHQQ", 1, 16, entry.size, entry.compressed) if zip64 else b""
        header = _LOCAL.pack(
            b"PK\x03\x04",
            _version_needed(entry, zip64),
            _UTF8_FLAG,
            entry.method,
            entry.dos_time,
            entry.dos_date,
            entry.crc,
            _MAX32 if zip64 else entry.compressed,
            _MAX32 if zip64 else entry.size,
            len(entry.name),
            len(extra),
        )
        self._f.write(header + entry.name + extra)
        self._f.write(packed)
        self._offset += len(header) + len(entry.name) + len(extra) + len(packed)
        self._entries.append(entry)

    def close(self) -> None:
        """Write the central directory (the archive is unreadable before this)."""
        start = self._offset
        out = bytearray()
        for e in self._entries:
            values = []
            if e.size >= _MAX32:
                values.append(e.size)
            if e.compressed >= _MAX32:
                values.append(e.compressed)
            if e.offset >= _MAX32:
                values.append(e.offset)
            extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
            out += _CENTRAL.pack(
                b"PK\x01\x02",
                _version_needed(e, bool(values)) | (3 << 8),  # made by: Unix
                _version_needed(e, bool(values)),
                _UTF8_FLAG,
                e.method,
                e.dos_time,
                e.dos_date,
                e.crc,
                _MAX32 if e.compressed >= _MAX32 else e.compressed,
                _MAX32 if e.size >= _MAX32 else e.size,
                len(e.name),
                len(extra),
                0,
                0,
                0,
                0o100644 << 16,
                _MAX32 if e.offset >= _MAX32 else e.offset,
            )
            out += e.name + extra
        size = len(out)
        count = len(self._entries)
        if count >= _MAX16 or size >= _MAX32 or start >= _MAX32:
            eocd64_at = start + size
            out += _EOCD64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start)
            out += _LOCATOR64.pack(b"PK\x06\x07", 0, eocd64_at, 1)
        out += _EOCD.pack(
            b"PK\x05\x06", 0, 0, min(count, _MAX16), min(count, _MAX16), min(size, _MAX32), min(start, _MAX32), 0
        )
        self._f.write(out)
        self._offset += len(out)


def _version_needed(entry: _Entry, zip64: bool) -> int:
    if entry.method == ZSTD:
        return 63
    return 45 if zip64 else 20
