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
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from .. import storage
from ..errors import LogFormatError, SampleNotFoundError
from . import _codec, _tree
from ._schema_compat import check_header, upgrade_v1_header, upgrade_v1_sample, v1_scorer_name
from ._types import EvalLog, EvalSample

_members = msgspec.json.Decoder(dict[str, msgspec.Raw])
_raw_list = msgspec.json.Decoder(list[msgspec.Raw])
_SAMPLES = "samples"

SampleHook = Callable[[dict[str, Any]], dict[str, Any]]


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
        """Every member but the samples, decoded, in document order."""
        if self._raw is not None:
            return {k: _codec.loads(v, self.what) for k, v in self._raw.items() if k != _SAMPLES}
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


def _scan(text: str, what: str, error: str, parse_samples: bool = False) -> Iterator[tuple[str, Any]]:
    """Walk a top-level JSON object with the standard library's parser.

    Yields (key, value) per member; for `samples`, yields ("samples", item) per
    item when `parse_samples`, else parses each item and drops it.
    """
    decoder = json.JSONDecoder()

    def fail(at: int) -> LogFormatError:
        return LogFormatError(f"invalid JSON in {what}: {error or 'malformed'} (near character {at})")

    try:
        i = _WS.match(text, 0).end()  # type: ignore[union-attr]
        if text[i : i + 1] != "{":
            raise fail(i)
        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        if text[i : i + 1] == "}":
            return
        while True:
            key, i = decoder.raw_decode(text, i)
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i : i + 1] != ":":
                raise fail(i)
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if key == _SAMPLES and text[i : i + 1] == "[":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
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
                        i = _WS.match(text, i).end()  # type: ignore[union-attr]
                        if text[i : i + 1] == ",":
                            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                            continue
                        if text[i : i + 1] == "]":
                            i += 1
                            break
                        raise fail(i)
            else:
                value, i = decoder.raw_decode(text, i)
                yield key, value
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i : i + 1] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
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


def _samples(doc: _Document, header: dict[str, Any], version: int, hook: SampleHook | None) -> Iterator[EvalSample]:
    scorer = v1_scorer_name(header) if version < 2 else None
    for item in doc.samples():
        if isinstance(item, msgspec.Raw):
            if scorer is None and hook is None:
                try:
                    yield _tree.decode(item, EvalSample, doc.what)
                except msgspec.ValidationError as ex:
                    raise LogFormatError(f"{doc.what}: {ex}") from None
                continue
            item = _codec.loads(item, doc.what)
        if isinstance(item, dict):
            if scorer is not None:
                item = upgrade_v1_sample(item, scorer)
            if hook is not None:
                item = hook(item)
        yield _convert(item, EvalSample, doc.what)


def _open(url: str) -> tuple[_Document, dict[str, Any], int, EvalLog]:
    doc = _Document(storage.read_bytes(url), url)
    header = doc.header()
    version = check_header(header, url)
    log = _convert(upgrade_v1_header(header) if version < 2 else header, EvalLog, url)
    return doc, header, version, log


def read_log(url: str, header_only: bool, hook: SampleHook | None = None) -> EvalLog:
    doc, header, version, log = _open(url)
    if not header_only and doc.has_samples():
        log.samples = list(_samples(doc, header, version, hook))
    return log


def read_samples(url: str, hook: SampleHook | None = None) -> Iterator[EvalSample]:
    doc, header, version, _ = _open(url)
    yield from _samples(doc, header, version, hook)


def read_sample(url: str, id: int | str, epoch: int, hook: SampleHook | None = None) -> EvalSample:
    for sample in read_samples(url, hook):
        if sample.id == id and sample.epoch == epoch:
            return sample
    raise SampleNotFoundError(f"{url}: no sample with id {id!r} and epoch {epoch}")


def encode_log(log: EvalLog) -> bytes:
    return _codec.dumps(_tree.to_tree(log), indent=True)


def write_log(log: EvalLog, url: str) -> None:
    storage.write_bytes(url, encode_log(log))
