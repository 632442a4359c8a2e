"""Write a log back as its file had it, except where the caller changed it.

Reading fills in what Inspect derives (`_derive.py`) and the model's defaults;
writing every object in full would put those values into the file, where
they were not (Inspect then reads, say, an empty `params_passed` where it
derived one from `params` before). So a log remembers the file it was read
from (`remember`), and a write compares each top-level member of the header
and of every sample with what reading the original gives: an unchanged
member is written as the file had it (or left out, if the file lacked it), a
changed one as the object now holds it. A sample unchanged as a whole is
copied as stored (in `.eval` archives, still compressed), and when every
sample is, so is `summaries.json`.

Old shapes the reader migrates (version-1 scores, a sample `transcript`, ...)
are kept only for objects left whole: a changed object is written in the
current shape, and a version-1 log with any change is written as version 2
throughout, never as a mix. Logs whose original changed since they were read
(or was not a file) are written in full, as before.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import msgspec

from .. import _secrets, storage
from . import _codec, _format_eval, _format_json
from ._tree import PLAIN, Packed, Trees, file_eval_id, to_tree
from ._types import EvalLog, EvalSample
from ._zip import METHODS, Compression, ZipReader

_ORIGIN = "_origin"
_same_encoder = msgspec.msgpack.Encoder()


class Origin(NamedTuple):
    """The file a log was read from, as it was then."""

    url: str
    format: str
    header_only: bool
    stamp: storage.FileInfo


def remember(log: EvalLog, url: str, format: str, header_only: bool, stamp: storage.FileInfo) -> None:
    log.__dict__[_ORIGIN] = Origin(url, format, header_only, stamp)


def stamp_of(url: str) -> storage.FileInfo:
    """What tells whether a file changed: size and mtime, or a remote object's ETag."""
    if storage.is_local(url):
        return storage.info(url)
    return storage.FileInfo(url, 0, 0.0, storage.etag_of(url))


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: NaN equals NaN, 1 differs from 1.0, order counts."""
    if a is b:
        return True
    try:
        return _same_encoder.encode(a) == _same_encoder.encode(b)
    except (OverflowError, UnicodeError):  # integers beyond 64 bits, lone surrogates
        return _codec.dumps(a) == _codec.dumps(b)


def merge(new: dict[str, Any], derived: dict[str, Any], raw: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`new` with each member equal to what reading `raw` gives (`derived`)
    taken from `raw` (or left out, as in `raw`); and whether nothing changed."""
    if _same(new, derived):
        return raw, True
    if any(key not in new and key not in derived for key in raw):
        return new, False  # an old shape the reader migrated: written in the current one
    out: dict[str, Any] = {}
    for key, value in new.items():
        if key in derived and _same(value, derived[key]):
            if key in raw:
                out[key] = raw[key]
        else:
            out[key] = value
    return out, False


class _Faithful(Trees):
    def __init__(self, log: EvalLog, origin: Origin, original: EvalLog, raw_header: dict[str, Any] | None) -> None:
        self._origin = origin
        self._original = original
        self._raw_header = raw_header
        self._by_key = {_key(s.id, s.epoch): s for s in original.samples or []}
        self._written: set[tuple[str, int]] = set()
        self._all_unchanged = len(log.samples or []) == len(self._by_key)

    def header(self, log: EvalLog) -> dict[str, Any]:
        new = to_tree(log, exclude=("samples",))
        if self._raw_header is None:
            return file_eval_id(log, new)
        merged, unchanged = merge(new, to_tree(self._original, exclude=("samples",)), self._raw_header)
        if merged.get("eval") is self._raw_header.get("eval") and _ids(log) != _ids(self._original):
            # A full read derives the dataset's sample ids from the samples: with
            # other samples, the file's `eval` would read back as another value.
            merged = {**merged, "eval": new["eval"]}
            unchanged = False
        merged = self._without_derived_eval_id(merged)
        self._all_unchanged = self._all_unchanged and unchanged
        return merged

    def _without_derived_eval_id(self, merged: dict[str, Any]) -> dict[str, Any]:
        """A changed `eval` keeps the file's eval_id (or none) where the reader
        made one up (see `_derive`) and the caller left it as made."""
        raw, spec = (self._raw_header or {}).get("eval"), merged.get("eval")
        derived = self._original.eval.eval_id
        if spec is raw or not isinstance(raw, dict) or not isinstance(spec, dict):
            return merged
        if raw.get("eval_id") == derived or spec.get("eval_id") != derived:
            return merged
        spec = {k: v for k, v in spec.items() if k != "eval_id"}
        if "eval_id" in raw:
            spec = {"eval_id": raw["eval_id"], **spec}
        return {**merged, "eval": spec}

    def raw_sample(self, key: tuple[str, int]) -> tuple[Callable[[], Any], Packed | None] | None:
        """How to load the sample's value as the file has it, and its stored entry (if copyable)."""
        raise NotImplementedError

    def sample(self, sample: EvalSample) -> tuple[dict[str, Any] | None, Packed | None]:
        key = _key(sample.id, sample.epoch)
        original = self._by_key.get(key)
        found = self.raw_sample(key) if original is not None and key not in self._written else None
        if original is None or found is None:
            self._all_unchanged = False
            return to_tree(sample), None
        self._written.add(key)
        load, packed = found
        # The common case, decided without encoding (fields the model does not
        # know are not compared: only the reader sets them, from this file).
        same = sample == original
        if same and packed is not None:
            return None, packed
        raw = load()
        if not isinstance(raw, dict):
            self._all_unchanged = False
            return to_tree(sample), None
        if same:
            return raw, None
        merged, unchanged = merge(to_tree(sample), to_tree(original), raw)
        if not unchanged:
            self._all_unchanged = False
            return merged, None
        return merged, packed

    @property
    def all_unchanged(self) -> bool:
        return self._all_unchanged and self._written == set(self._by_key)


class _FromEval(_Faithful):
    def __init__(self, log: EvalLog, origin: Origin, original: EvalLog, z: ZipReader, method: int | None) -> None:
        self._method = method
        raw_header = None
        if _format_eval.HEADER in z:
            loaded = _codec.loads(z.read(_format_eval.HEADER), z.what)
            if isinstance(loaded, dict):
                raw_header = loaded
                if _format_eval.REDUCTIONS in z:
                    raw_header["reductions"] = _codec.loads(z.read(_format_eval.REDUCTIONS), z.what)
        super().__init__(log, origin, original, raw_header)
        self._z = z

    def raw_sample(self, key: tuple[str, int]) -> tuple[Callable[[], Any], Packed | None] | None:
        name = _format_eval.sample_entry(*key)
        if name not in self._z:
            return None  # chunked or otherwise stored: written in full
        data = self._z.read(name)
        packed = self._z.read_packed(name)
        copyable = packed[0] == self._method and _secrets.redact_bytes(data) == data
        return (lambda: _codec.loads(data, self._z.what)), packed if copyable else None

    def summaries(self) -> bytes | None:
        if self.all_unchanged and _format_eval.SUMMARIES in self._z:
            return self._z.read(_format_eval.SUMMARIES)
        return None


class _FromJson(_Faithful):
    def __init__(self, log: EvalLog, origin: Origin, original: EvalLog, data: bytes) -> None:
        doc = _codec.loads(data, origin.url)
        raw_samples = doc.pop("samples", None) if isinstance(doc, dict) else None
        super().__init__(log, origin, original, doc if isinstance(doc, dict) else None)
        self._data = data
        self._raw: dict[tuple[str, int], dict[str, Any]] = {}
        for raw in raw_samples if isinstance(raw_samples, list) else ():
            if isinstance(raw, dict):
                self._raw[_key(raw.get("id"), raw.get("epoch", 1))] = raw
        self.version = doc.get("version", 1) if isinstance(doc, dict) else 1

    def raw_sample(self, key: tuple[str, int]) -> tuple[Callable[[], Any], Packed | None] | None:
        raw = self._raw.get(key)
        return (lambda: raw, None) if raw is not None else None

    def whole(self) -> bytes | None:
        if len(self._raw) != len(self._written):
            return None  # (a header-only read written: the file's samples are not the log's)
        if self.all_unchanged and _secrets.redact_bytes(self._data) == self._data:
            return self._data
        return None

    def mixed_shapes(self) -> bool:
        """A version-1 log written partly changed would mix the versions' shapes."""
        return self.version == 1 and not self.all_unchanged


def _ids(log: EvalLog) -> list[int | str] | None:
    return None if log.samples is None else [sample.id for sample in log.samples]


def _key(id: Any, epoch: Any) -> tuple[str, int]:
    return (str(id), epoch if isinstance(epoch, int) else 1)


@contextlib.contextmanager
def trees_for(log: EvalLog, format: str, compression: Compression = "deflate") -> Iterator[Trees]:
    """How to write `log` in `format` (`.eval` archives with `compression`):
    faithfully to the file it was read from, when that file is still as it
    was read; else every object in full."""
    origin: Origin | None = log.__dict__.get(_ORIGIN)
    if origin is None or origin.header_only != (log.samples is None):
        yield PLAIN
        return
    try:
        unchanged = stamp_of(origin.url) == origin.stamp
    except Exception:  # noqa: BLE001 - gone or unreachable: nothing to be faithful to
        unchanged = False
    if not unchanged:  # (or changed since it was read: not what the log came from)
        yield PLAIN
        return
    if origin.format == "json":
        data = storage.read_bytes(origin.url)
        original = _format_json.read_log(io.BytesIO(data), origin.header_only)
        faithful = _FromJson(log, origin, original, data)
        # Version 1 is a .json shape: in an .eval archive Inspect reads it as version 2.
        yield faithful if format == "json" or faithful.version >= 2 else PLAIN
        return
    with storage.open_read(origin.url) as f:
        z = ZipReader(f, origin.url)
        original = _format_eval.read_log(origin.url, origin.header_only)
        if original.__dict__.get(_format_eval.READ_AS_VERSION_2):
            yield PLAIN  # version 3 samples are rewritten in version 2's shape
            return
        # (entries are copied as stored only into an archive of the same compression)
        yield _FromEval(log, origin, original, z, METHODS[compression] if format == "eval" else None)
