"""JSON text <-> JSON values, with NaN, Infinity and -Infinity kept exactly.

Inspect writes non-finite floats as the bare literals `NaN`, `Infinity` and
`-Infinity`. msgspec rejects them on decode and writes null on encode, so:
- decoding tries msgspec first and falls back to the standard library's
  parser (which accepts the literals) only when msgspec refuses the text;
- encoding first asks whether the value holds a non-finite float at all
  (cheaply, by scanning its MessagePack form for float64 NaN/Inf bit
  patterns); only then does it take the slower path that writes them.
No JSON text is ever rewritten with a search-and-replace.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Literal

import msgspec

from .. import _secrets
from ..errors import LogFormatError

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()
_msgpack = msgspec.msgpack.Encoder()

# A MessagePack float64 (0xcb) whose sign+exponent bits are all ones: NaN or
# +/-Infinity. Other bytes can match too (inside an integer, say); that only
# sends the value down the slow path, which is exact either way.
_NONFINITE_FLOAT64 = re.compile(rb"\xcb[\x7f\xff][\xf0-\xff]")

NonFinite = Literal["literal", "string"]
_STRINGS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def loads(data: bytes | bytearray | memoryview | Any, what: str = "log") -> Any:
    """Decode JSON text, accepting NaN/Infinity/-Infinity literals."""
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError as ex:
        try:
            return json.loads(bytes(data))
        except (ValueError, UnicodeDecodeError):
            raise LogFormatError(f"invalid JSON in {what}: {ex}") from None


def has_nonfinite(value: Any) -> bool:
    """Whether `value` may hold a NaN or infinite float (no false negatives)."""
    return _NONFINITE_FLOAT64.search(_msgpack.encode(value)) is not None


def dumps(value: Any, *, indent: bool = False, nonfinite: NonFinite = "literal") -> bytes:
    """Encode a JSON value as UTF-8 text.

    Non-finite floats become the bare literals Inspect writes, or with
    `nonfinite="string"` the strings "NaN", "Infinity", "-Infinity" (strict
    JSON, for parsers that reject the literals). Every JSON text we write
    passes here, so known secrets are redacted here (see `_secrets`).
    """
    return _secrets.redact_bytes(_encode(value, indent, nonfinite))


def _encode(value: Any, indent: bool, nonfinite: NonFinite) -> bytes:
    try:
        if not has_nonfinite(value):
            data = _encoder.encode(value)
            return msgspec.json.format(data, indent=2) if indent else data
        builtins = msgspec.to_builtins(value)
        if nonfinite == "string":
            data = _encoder.encode(_nonfinite_to_strings(builtins))
            return msgspec.json.format(data, indent=2) if indent else data
    except (OverflowError, UnicodeEncodeError):
        # Integers beyond 64 bits, or a lone surrogate (a `\ud800` escape in
        # the file): legal JSON that only the standard library writes back.
        builtins = msgspec.to_builtins(value)
        if nonfinite == "string":
            builtins = _nonfinite_to_strings(builtins)
    return _stdlib_dumps(builtins, indent)


def _stdlib_dumps(value: Any, indent: bool) -> bytes:
    """JSON text by the standard library (NaN/Infinity as bare literals); a
    string that is not valid Unicode is written escaped, as it was read."""
    options: dict[str, Any] = {
        "allow_nan": True,
        "indent": 2 if indent else None,
        "separators": (",", ": ") if indent else (",", ":"),
    }
    try:
        return json.dumps(value, ensure_ascii=False, **options).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options).encode("ascii")


def _nonfinite_to_strings(value: Any) -> Any:
    if type(value) is float:
        return value if math.isfinite(value) else _STRINGS[repr(value)]
    if type(value) is dict:
        return {k: _nonfinite_to_strings(v) for k, v in value.items()}
    if type(value) is list:
        return [_nonfinite_to_strings(v) for v in value]
    return value
