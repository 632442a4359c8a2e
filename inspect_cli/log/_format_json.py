"""The `.json` log format: one JSON document holding the header and the samples.

Reading splits the document's top level into raw (undecoded) members, so a
header-only read and a streaming sample read never build the samples they
skip, and members after `samples` (`logging` in 0.3.18, `reductions` in
0.3.285) are still read. A document msgspec refuses (it holds NaN/Infinity
literals) is walked with the standard library's parser instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import IO, Any

import msgspec

from .. import storage
from ..errors import LogFormatError, SampleNotFoundError
from ..storage import Source
from . import _codec, _tree
from ._derive import derive_log, derive_sample, streamed_order
from ._resolve import SampleHook
from ._schema_compat import check_header, upgrade_v1_header, upgrade_v1_sample, v1_scorer_name
from ._tree import PLAIN, Trees
from ._types import EvalLog, EvalSample, EvalSampleReductions

_members = msgspec.json.Decoder(dict[str, msgspec.Raw])
_raw_list = msgspec.json.Decoder(list[msgspec.Raw])
_SAMPLES = "samples"
_REDUCTIONS = "reductions"
_REDUCTIONS_TYPE = list[EvalSampleReductions]


class _Document:
    """A `.json` log's top-level members, each decoded only when asked for."""

    def __init__(self, data: Any, what: str) -> None:
        self.what = what
        self._raw: dict[str, msgspec.Raw] | None = None
        self._text: str | None = None
        self._error = ""
        try:
            self._raw = _members.decode(data)
        except msgspec.ValidationError:
            raise LogFormatError(f"{what} is not an eval log (not a JSON object)") from None
        except msgspec.DecodeError as ex:
            try:
                self._text = bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                raise LogFormatError(f"invalid JSON in {what}: {ex}") from None
            self._error = str(ex)
            self._keys: list[str] = []
            self._header: dict[str, Any] = {}
            for key, value in _scan(self._text, what, self._error):
                self._keys.append(key)
                if key != _SAMPLES:
                    self._header[key] = value

    def keys(self) -> list[str]:
        """The top-level keys, in document order."""
        return list(self._raw) if self._raw is not None else self._keys

    def header(self) -> dict[str, Any]:
        """Every member but the samples, in document order: decoded, except
        `reductions`, left raw (msgspec.Raw) for a typed decode where possible."""
        if self._raw is not None:
            return {
                k: (v if k == _REDUCTIONS else _codec.loads(v, self.what))
                for k, v in self._raw.items()
                if k != _SAMPLES
            }
        return dict(self._header)

    def has_samples(self) -> bool:
        return _SAMPLES in self.keys()

    def samples(self) -> Iterator[Any]:
        """The samples one at a time: undecoded (msgspec.Raw) where possible, else decoded."""
        if self._raw is not None:
            raw = self._raw.get(_SAMPLES)
            if raw is None:
                return
            try:
                yield from _raw_list.decode(raw)
            except msgspec.ValidationError:
                if _codec.loads(raw, self.what) is not None:
                    raise LogFormatError(f"{self.what}: 'samples' is not a list") from None
            return
        for key, value in _scan(self._text or "", self.what, self._error, parse_samples=True):
            if key == _SAMPLES:
                yield value


_WS = re.compile(r"[ \t\n\r]*")


def _skip_ws(text: str, i: int) -> int:
    """The position of the first non-whitespace character at or after `i`."""
    found = _WS.match(text, i)
    return found.end() if found else i


# ---------------------------------------------------------------------------
# Header-only reads that do not even scan the samples. Inspect writes the
# members before `samples` first (parsed here from the start of the file) and
# the few after it last, each on a line of its own at two spaces' indent; a
# JSON string never holds a raw newline, so `\n  "` starts a top-level key.


class _NeedMore(Exception):
    pass


def _head(f: IO[bytes], size: int) -> tuple[dict[str, Any], int | None] | None:
    """The members before `samples` and the byte offset of its value (None if the
    document has no samples); None when the start of the file does not parse so."""
    n = min(size, 64 * 1024)
    while True:
        f.seek(0)
        chunk = f.read(n)
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as ex:
            if n == size or ex.start < len(chunk) - 3:
                return None
            text = chunk[: ex.start].decode("utf-8")
        try:
            members, at = _parse_head(text, complete=n == size)
        except _NeedMore:
            n = min(size, n * 4)
            continue
        except (json.JSONDecodeError, ValueError, IndexError):
            return None
        return members, (len(text[:at].encode("utf-8")) if at is not None else None)


def _parse_head(text: str, complete: bool) -> tuple[dict[str, Any], int | None]:
    decoder = json.JSONDecoder()
    members: dict[str, Any] = {}

    try:
        i = _skip_ws(text, 0)
        if text[i] != "{":
            raise ValueError("not an object")
        i = _skip_ws(text, i + 1)
        if text[i] == "}":
            return members, None
        while True:
            key, i = decoder.raw_decode(text, i)
            i = _skip_ws(text, i)
            if text[i] != ":":
                raise ValueError("expected ':'")
            i = _skip_ws(text, i + 1)
            if key == _SAMPLES:
                return members, i
            members[key], i = decoder.raw_decode(text, i)
            i = _skip_ws(text, i)
            if text[i] == "}":
                return members, None
            if text[i] != ",":
                raise ValueError("expected ','")
            i = _skip_ws(text, i + 1)
    except (json.JSONDecodeError, IndexError):
        if complete:
            raise
        raise _NeedMore from None


_KEY_LINE = b'\n  "'
_FIRST_AFTER_SAMPLES = (b'"reductions"', b'"logging"')


def _tail(f: IO[bytes], size: int, samples_at: int, what: str) -> dict[str, Any] | None:
    """The members after `samples`, found from the end of the file; None when
    this file's layout does not allow it (then the caller scans it whole)."""
    window = max(samples_at, size - max(1 << 20, size // 16))
    f.seek(window)
    data = f.read(size - window)
    end, found = len(data), None
    while True:
        at = data.rfind(_KEY_LINE, 0, end)
        if at < 0:
            break
        quote = at + len(_KEY_LINE) - 1
        try:
            found = _Document(b"{" + data[quote:], what).header()
        except LogFormatError:
            return None  # a top-level key line that does not parse: not Inspect's layout
        if data[quote : quote + 12].startswith(_FIRST_AFTER_SAMPLES):
            return found
        end = at
    if window > samples_at:
        return None  # the first member after the samples may lie before the window
    return found or {}


def read_header_members(f: IO[bytes], what: str, trailing: bool = True) -> dict[str, Any] | None:
    """The top-level members of a `.json` log but `samples`, without scanning the
    samples (only the start and the end of the file are read); with
    `trailing=False`, only those before the samples. None when the file's
    layout needs a full scan."""
    size = storage.size_of(f)
    head = _head(f, size)
    if head is None:
        return None
    members, samples_at = head
    if samples_at is None or not trailing:
        return members
    tail = _tail(f, size, samples_at, what)
    return None if tail is None else {**members, **tail}


def _scan(text: str, what: str, error: str, parse_samples: bool = False) -> Iterator[tuple[str, Any]]:
    """Walk a top-level JSON object with the standard library's parser.

    Yields (key, value) per member; for `samples`, yields ("samples", item) per
    item when `parse_samples`, else parses each item and drops it.
    """
    decoder = json.JSONDecoder()

    def fail(at: int) -> LogFormatError:
        return LogFormatError(f"invalid JSON in {what}: {error or 'malformed'} (near character {at})")

    try:
        i = _skip_ws(text, 0)
        if text[i : i + 1] != "{":
            raise fail(i)
        i = _skip_ws(text, i + 1)
        if text[i : i + 1] == "}":
            return
        while True:
            key, i = decoder.raw_decode(text, i)
            i = _skip_ws(text, i)
            if text[i : i + 1] != ":":
                raise fail(i)
            i = _skip_ws(text, i + 1)
            if key == _SAMPLES and text[i : i + 1] == "[":
                i = _skip_ws(text, i + 1)
                if text[i : i + 1] == "]":
                    i += 1
                    if not parse_samples:
                        yield key, []
                else:
                    if not parse_samples:
                        yield key, None
                    while True:
                        item, i = decoder.raw_decode(text, i)
                        if parse_samples:
                            yield key, item
                        i = _skip_ws(text, i)
                        if text[i : i + 1] == ",":
                            i = _skip_ws(text, i + 1)
                            continue
                        if text[i : i + 1] == "]":
                            i += 1
                            break
                        raise fail(i)
            else:
                value, i = decoder.raw_decode(text, i)
                yield key, value
            i = _skip_ws(text, i)
            if text[i : i + 1] == ",":
                i = _skip_ws(text, i + 1)
                continue
            if text[i : i + 1] == "}":
                return
            raise fail(i)
    except json.JSONDecodeError as ex:
        raise LogFormatError(f"invalid JSON in {what}: {ex.msg} (near character {ex.pos})") from None


def _convert(value: Any, cls: type, what: str) -> Any:
    try:
        return _tree.convert(value, cls)
    except msgspec.ValidationError as ex:
        raise LogFormatError(f"{what}: {ex}") from None


class _SampleKey(msgspec.Struct):
    id: Any = None
    epoch: Any = None


_sample_key = msgspec.json.Decoder(_SampleKey)


def _streamed(items: Iterator[Any], header: dict[str, Any]) -> list[Any]:
    """The (undecoded) samples in the streamed order (see streamed_order)."""
    key = streamed_order(header)

    def of(item: Any) -> tuple[int, int, int]:
        if isinstance(item, msgspec.Raw):
            try:
                found = _sample_key.decode(item)
            except msgspec.DecodeError:
                return (1, 0, 0)
            return key(found.id, found.epoch)
        return key(item.get("id"), item.get("epoch")) if isinstance(item, dict) else (1, 0, 0)

    return sorted(items, key=of)


def _samples(
    doc: _Document, header: dict[str, Any], version: int, hook: SampleHook | None, streamed: bool = False
) -> Iterator[EvalSample]:
    scorer = v1_scorer_name(header) if version < 2 else None
    for item in _streamed(doc.samples(), header) if streamed else doc.samples():
        if isinstance(item, msgspec.Raw):
            if scorer is None and hook is None:
                try:
                    sample = _tree.decode(item, EvalSample, doc.what)
                except msgspec.ValidationError as ex:
                    raise LogFormatError(f"{doc.what}: {ex}") from None
                yield derive_sample(sample)
                continue
            item = hook.load(item, doc.what) if hook is not None else _codec.loads(item, doc.what)
        if isinstance(item, dict):
            if scorer is not None:
                item = upgrade_v1_sample(item, scorer)
            if hook is not None:
                item = hook(item)
        yield derive_sample(_convert(item, EvalSample, doc.what))


def _header_log(header: dict[str, Any], url: str) -> tuple[int, EvalLog]:
    reductions = header.get(_REDUCTIONS)
    if isinstance(reductions, msgspec.Raw):
        header = {k: v for k, v in header.items() if k != _REDUCTIONS}
    version = check_header(header, url)
    log: EvalLog = _convert(upgrade_v1_header(header), EvalLog, url)
    if isinstance(reductions, msgspec.Raw):
        try:
            log.reductions = _tree.decode(reductions, _REDUCTIONS_TYPE, url)
        except msgspec.ValidationError as ex:
            raise LogFormatError(f"{url}: reductions: {ex}") from None
    return version, log


def _open(source: Source) -> tuple[_Document, dict[str, Any], int, EvalLog]:
    name = storage.source_name(source)
    doc = _Document(storage.read_bytes(source), name)
    header = doc.header()
    version, log = _header_log(header, name)
    return doc, header, version, log


def read_log(source: Source, header_only: bool, hook: SampleHook | None = None, trailing: bool = True) -> EvalLog:
    if header_only:
        name = storage.source_name(source)
        with storage.open_read(source) as f:
            header = read_header_members(f, name, trailing)
        if header is not None:
            return derive_log(_header_log(header, name)[1])
    doc, header, version, log = _open(source)
    if not header_only and doc.has_samples():
        log.samples = list(_samples(doc, header, version, hook))
    return derive_log(log)


def read_samples(source: Source, hook: SampleHook | None = None, streamed: bool = False) -> Iterator[EvalSample]:
    """The samples in document order, or `streamed` in read_eval_log_samples' (see streamed_order)."""
    doc, header, version, _ = _open(source)
    yield from _samples(doc, header, version, hook, streamed)


def read_sample(source: Source, id: int | str, epoch: int, hook: SampleHook | None = None) -> EvalSample:
    doc, header, version, _ = _open(source)
    for sample in _samples(doc, header, version, hook):
        if sample.id == id and sample.epoch == epoch:
            return sample
    raise SampleNotFoundError(f"{storage.source_name(source)}: no sample with id {id!r} and epoch {epoch}")


def encode_log(log: EvalLog, trees: Trees = PLAIN) -> bytes:
    if trees is PLAIN:
        return _codec.dumps(_tree.to_tree(log), indent=True)
    samples = None if log.samples is None else [trees.sample(sample)[0] for sample in log.samples]
    header = trees.header(log)
    whole = trees.whole()
    if whole is not None:
        return whole
    if trees.mixed_shapes():
        return encode_log(log, PLAIN)
    doc: dict[str, Any] = {}
    for key, value in header.items():
        if key == _REDUCTIONS and samples is not None:
            doc[_SAMPLES] = samples
        doc[key] = value
    if samples is not None:
        doc.setdefault(_SAMPLES, samples)
    return _codec.dumps(doc, indent=True)


def write_log(
    log: EvalLog,
    url: str,
    compression: str = "deflate",
    exclusive: bool = False,
    if_match: str | None = None,
    trees: Trees = PLAIN,
) -> None:
    """The whole log as one document (`compression` is for `.eval` logs only)."""
    storage.write_bytes(url, encode_log(log, trees), exclusive, if_match)


class LogFile:
    """A `.json` log written while its eval runs, at a local path: each step
    rewrites the whole document (atomically), the header as the eval started
    with the samples so far, then the final log."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._header: EvalLog | None = None
        self._samples: list[EvalSample] = []

    def start(self, log: EvalLog) -> None:
        """Create the log; FileExistsError if its name is taken (never replaced)."""
        self._header = msgspec.structs.replace(log, samples=None)
        self._write(self._header, exclusive=True)

    def flush(self, samples: Sequence[EvalSample]) -> None:
        if self._header is None:
            raise RuntimeError("LogFile.start() was not called")
        self._samples.extend(samples)
        self._write(msgspec.structs.replace(self._header, samples=self._samples))

    def finish(self, log: EvalLog, samples: Sequence[EvalSample]) -> None:
        self._samples.extend(samples)
        self._write(msgspec.structs.replace(log, samples=self._samples), durable=True)

    def _write(self, log: EvalLog, exclusive: bool = False, durable: bool = False) -> None:
        data = encode_log(log)
        with storage.local_replacement(self.path, exclusive=exclusive, durable=durable) as f:
            f.write(data)
