"""A small zip reader and writer for `.eval` logs.

The standard library's `zipfile` can neither inflate nor write zstd entries
(method 93, which Inspect writes by default since about 0.3.250), and parses
the whole central directory even to read one entry. So archives are read and
written here: stored (0), deflate (8) and zstd (93) entries, with Zip64
records when a log grows past 4 GiB or 65,535 entries. Entries may repeat a
name (a rewritten entry); the last one wins.
"""

from __future__ import annotations

import struct
import time
import zlib
from typing import IO, Any, Literal, NamedTuple

from ..errors import LogFormatError

STORED, DEFLATED, ZSTD = 0, 8, 93
Compression = Literal["deflate", "zstd"]
METHODS: dict[str, int] = {"deflate": DEFLATED, "zstd": ZSTD}

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_UTF8_FLAG = 0x800
_SEARCH_CHUNK = 1 << 20
_MAX_CANDIDATES = 64  # end-of-directory records tried before giving up
MIN_INFLATE_LIMIT = 32 << 20  # an entry may always inflate to 32 MiB...
INFLATE_RATIO = 100  # ...or to 100 times the size of the whole archive
_MAX32 = 0xFFFFFFFF
_MAX16 = 0xFFFF


def _zstandard() -> Any:  # imported only when a zstd entry is met
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a runtime dependency
        raise LogFormatError("zstd-compressed logs need the 'zstandard' package") from None
    return zstandard


class _Info(NamedTuple):
    name: str
    method: int
    crc: int
    compressed: int
    size: int
    offset: int


class ZipReader:
    """Reads entries of a zip archive from a seekable binary file.

    The central directory is read in one request and searched, not parsed
    whole, for single entries: finding header.json costs the same in a log of
    ten samples as in one of ten thousand.
    """

    def __init__(self, f: IO[bytes], what: str) -> None:
        self._f = f
        self.what = what
        self._index: dict[str, _Info] | None = None
        try:
            self._size = f.seek(0, 2)
            self._cd = self._central_directory()
        except LogFormatError:
            raise
        except (OSError, struct.error, ValueError, OverflowError) as ex:
            raise self._bad(str(ex)) from None
        # No entry may inflate to more than this: a small file that inflates to
        # gigabytes (a zip bomb) is refused instead of exhausting memory.
        self.inflate_limit = max(MIN_INFLATE_LIMIT, INFLATE_RATIO * self._size)

    def _bad(self, detail: str) -> LogFormatError:
        return LogFormatError(f"{self.what} is not a readable .eval log (bad or truncated zip: {detail})")

    def _central_directory(self) -> bytes:
        """The last intact central directory, searched from the end.

        Normally the end record closes the file. A log whose writer was
        stopped while appending (older writers appended in place) ends with a
        partial entry after the directory of its previous flush: that one is
        used. Candidates are checked cheaply (a directory must end where its
        end record starts) and at most `_MAX_CANDIDATES` are tried, so a
        crafted file full of fake end records costs little.
        """
        f, tried = self._f, 0
        position = self._size
        # An end record that closes the file lies in its last 64 KiB (its
        # comment is at most that long): read only that much first.
        chunk = _EOCD.size + 0xFFFF
        while position > 0 and tried < _MAX_CANDIDATES:
            start = max(0, position - chunk)
            chunk = _SEARCH_CHUNK
            f.seek(start)
            buffer = f.read(min(self._size, position + 3) - start)  # +3: a signature across chunks
            at = buffer.rfind(b"PK\x05\x06")
            while at >= 0 and tried < _MAX_CANDIDATES:
                tried += 1
                directory = self._directory_at(start + at)
                if directory is not None:
                    return directory
                at = buffer.rfind(b"PK\x05\x06", 0, at)
            position = start
        raise self._bad("no end of central directory record")

    def _directory_at(self, eocd_at: int) -> bytes | None:
        """The central directory that the end record at `eocd_at` describes, if intact."""
        f = self._f
        f.seek(eocd_at)
        record = f.read(_EOCD.size)
        if len(record) < _EOCD.size:
            return None
        _, _, _, _, count, cd_size, cd_offset, _ = _EOCD.unpack(record)
        cd_end = eocd_at
        if (cd_offset == _MAX32 or count == _MAX16 or cd_size == _MAX32) and eocd_at >= _LOCATOR64.size:
            f.seek(eocd_at - _LOCATOR64.size)
            loc = f.read(_LOCATOR64.size)
            if loc[:4] == b"PK\x06\x07":
                _, _, eocd64_at, _ = _LOCATOR64.unpack(loc)
                if eocd64_at >= eocd_at:
                    return None
                f.seek(eocd64_at)
                record64 = f.read(_EOCD64.size)
                if record64[:4] != b"PK\x06\x06":
                    return None
                cd_size, cd_offset = _EOCD64.unpack(record64)[8:10]
                cd_end = eocd64_at
        if cd_offset + cd_size != cd_end:
            return None
        f.seek(cd_offset)
        cd = f.read(cd_size)
        if len(cd) != cd_size or (cd_size and cd[:4] != b"PK\x01\x02"):
            return None
        return cd

    def _record(self, at: int) -> _Info:
        cd = self._cd
        (sig, _, _, _, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _, offset) = _CENTRAL.unpack_from(
            cd, at
        )
        if sig != b"PK\x01\x02":
            raise self._bad("damaged central directory")
        start = at + _CENTRAL.size
        name = cd[start : start + nlen].decode("utf-8", "replace")
        if _MAX32 in (csize, usize, offset):
            extra = cd[start + nlen : start + nlen + xlen]
            usize, csize, offset = _zip64_values(extra, usize, csize, offset)
        return _Info(name, method, crc, csize, usize, offset)

    def _next(self, at: int) -> int:
        nlen, xlen, clen = struct.unpack_from("<HHH", self._cd, at + 28)
        return at + _CENTRAL.size + nlen + xlen + clen

    def _all(self) -> dict[str, _Info]:
        if self._index is None:
            index: dict[str, _Info] = {}
            at, cd = 0, self._cd
            try:
                while at < len(cd):
                    info = self._record(at)
                    index.pop(info.name, None)  # a rewritten entry moves to its new place
                    index[info.name] = info
                    at = self._next(at)
            except struct.error:
                raise self._bad("damaged central directory") from None
            self._index = index
        return self._index

    def _find(self, name: str) -> _Info | None:
        if self._index is not None:
            return self._index.get(name)
        encoded = name.encode("utf-8")
        cd, end = self._cd, len(self._cd)
        while True:
            at = cd.rfind(encoded, 0, end)
            if at < 0:
                return None
            record = at - _CENTRAL.size
            if record >= 0 and cd[record : record + 4] == b"PK\x01\x02":
                nlen = struct.unpack_from("<H", cd, record + 28)[0]
                if nlen == len(encoded):
                    return self._record(record)
            end = at

    def names(self) -> list[str]:
        """Entry names in archive order (a rewritten entry at its last place)."""
        return list(self._all())

    def __contains__(self, name: str) -> bool:
        return self._find(name) is not None

    def read_packed(self, name: str) -> tuple[int, int, int, bytes]:
        """(method, crc, size, stored bytes) of an entry: to copy it to another
        archive as it is (`ZipWriter.add_raw`), without inflating it."""
        info = self._find(name)
        if info is None:
            raise LogFormatError(f"{self.what}: no entry '{name}'")
        return info.method, info.crc, info.size, self._packed(name, info)

    def _packed(self, name: str, info: _Info) -> bytes:
        """The stored (compressed) bytes of an entry."""
        if info.offset + _LOCAL.size + info.compressed > self._size:
            raise LogFormatError(f"{self.what}: entry '{name}' is truncated")
        try:
            self._f.seek(info.offset)
            header = self._f.read(_LOCAL.size)
            if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
                raise LogFormatError(f"{self.what}: entry '{name}' is damaged (bad local header)")
            fields = _LOCAL.unpack(header)
            self._f.seek(info.offset + _LOCAL.size + fields[9] + fields[10])
            raw = self._f.read(info.compressed)
        except OSError as ex:
            raise LogFormatError(f"{self.what}: cannot read entry '{name}': {ex}") from None
        if len(raw) < info.compressed:
            raise LogFormatError(f"{self.what}: entry '{name}' is truncated")
        return raw

    def read(self, name: str) -> bytes:
        info = self._find(name)
        if info is None:
            raise LogFormatError(f"{self.what}: no entry '{name}'")
        what = f"{self.what}: entry '{name}'"
        if info.size > self.inflate_limit:
            raise _too_large(what, info.size, self.inflate_limit)
        data = _inflate(info.method, self._packed(name, info), self.inflate_limit, what)
        if zlib.crc32(data) != info.crc:
            raise LogFormatError(f"{self.what}: entry '{name}' is corrupt (CRC mismatch)")
        return data


def _zip64_values(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    at = 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        if tag == 1:
            values = list(struct.unpack_from(f"<{size // 8}Q", extra, at + 4))
            if usize == _MAX32 and values:
                usize = values.pop(0)
            if csize == _MAX32 and values:
                csize = values.pop(0)
            if offset == _MAX32 and values:
                offset = values.pop(0)
            break
        at += 4 + size
    return usize, csize, offset


def _too_large(what: str, size: int, limit: int) -> LogFormatError:
    return LogFormatError(
        f"{what} inflates to more than {limit:,} bytes ({size:,} or more), "
        "far more than a log of this size holds: refused (a zip bomb?)"
    )


def _inflate(method: int, raw: bytes, limit: int, what: str) -> bytes:
    """The entry's bytes, never more than `limit` of them (whatever the
    directory claims: the output is capped while inflating)."""
    if method == STORED:
        return raw
    if method == DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(raw, limit + 1)
        except zlib.error as ex:
            raise LogFormatError(f"{what} is corrupt ({ex})") from None
        if len(data) > limit or inflater.unconsumed_tail:
            raise _too_large(what, len(data), limit)
        return data
    if method == ZSTD:
        zstd = _zstandard()
        out = bytearray()
        try:
            with zstd.ZstdDecompressor().stream_reader(raw) as reader:
                while len(out) <= limit and (chunk := reader.read(min(limit + 1 - len(out), 1 << 24))):
                    out += chunk
        except zstd.ZstdError as ex:
            raise LogFormatError(f"{what} is corrupt ({ex})") from None
        if len(out) > limit:
            raise _too_large(what, len(out), limit)
        return bytes(out)
    raise LogFormatError(f"{what} uses unsupported zip compression method {method}")


class _Entry(NamedTuple):
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
        if compression not in METHODS:
            raise ValueError(f"unknown compression {compression!r} (use 'deflate' or 'zstd')")
        self._f = f
        self._method = METHODS[compression]
        self._level = level
        self._entries: list[_Entry] = []
        self._records: list[bytes] = []  # central directory records, made once per entry
        self._offset = f.tell()
        self._closed = False
        t = time.localtime()
        self._dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
        self._dos_date = ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday

    @property
    def method(self) -> int:
        """The compression method new entries get (an entry copied with `add_raw` keeps its own)."""
        return self._method

    def _compress(self, data: bytes) -> bytes:
        if self._method == ZSTD:
            return _zstandard().ZstdCompressor(level=self._level or 3).compress(data)
        c = zlib.compressobj(self._level if self._level is not None else 6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    def add(self, name: str, data: bytes) -> None:
        self.add_raw(name, self._method, zlib.crc32(data), len(data), self._compress(data))

    def add_raw(self, name: str, method: int, crc: int, size: int, packed: bytes) -> None:
        """Add an entry already compressed with `method` (to copy entries between archives)."""
        if self._closed:
            raise ValueError("the archive's directory is written: continue_in() a copy to add more")
        entry = _Entry(
            name.encode("utf-8"),
            method,
            crc,
            len(packed),
            size,
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

    @property
    def data_end(self) -> int:
        """Where the entries end (the directory, once written, follows)."""
        return self._offset

    def continue_in(self, f: IO[bytes]) -> None:
        """Carry on in `f`, which holds a copy of this archive's first
        `data_end` bytes: later entries and the next `close()` go there.

        This is how a log grows while its eval runs: each flush copies the
        entries to a new file, adds the new ones and a directory listing all,
        then renames the copy over the log, so the file on disk is always a
        complete archive."""
        f.seek(self._offset)
        f.truncate()
        self._f = f
        self._closed = False

    def close(self) -> None:
        """Write the central directory and end records after the entries (the
        archive is unreadable before this). Add more only after `continue_in`."""
        start = self._offset
        for e in self._entries[len(self._records) :]:
            self._records.append(_central_record(e))
        out = bytearray().join(self._records)
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
        self._closed = True


def _central_record(e: _Entry) -> bytes:
    values = []
    if e.size >= _MAX32:
        values.append(e.size)
    if e.compressed >= _MAX32:
        values.append(e.compressed)
    if e.offset >= _MAX32:
        values.append(e.offset)
    extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
    version = _version_needed(e, bool(values))
    header = _CENTRAL.pack(
        b"PK\x01\x02",
        version | (3 << 8),  # made by: Unix
        version,
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
    return header + e.name + extra


def _version_needed(entry: _Entry, zip64: bool) -> int:
    if entry.method == ZSTD:
        return 63
    return 45 if zip64 else 20
