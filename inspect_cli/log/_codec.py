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
    JSON, for parsers that reject the literals).
    """
    if not has_nonfinite(value):
        data = _encoder.encode(value)
        return msgspec.json.format(data, indent=2) if indent else data
    builtins = msgspec.to_builtins(value)
    if nonfinite == "string":
        data = _encoder.encode(_nonfinite_to_strings(builtins))
        return msgspec.json.format(data, indent=2) if indent else data
    text = json.dumps(
        builtins,
        ensure_ascii=False,
        allow_nan=True,
        indent=2 if indent else None,
        separators=(",", ": ") if indent else (",", ":"),
    )
    return text.encode("utf-8")


def _nonfinite_to_strings(value: Any) -> Any:
    if type(value) is float:
        return value if math.isfinite(value) else _STRINGS[repr(value)]
    if type(value) is dict:
        return {k: _nonfinite_to_strings(v) for k, v in value.items()}
    if type(value) is list:
        return [_nonfinite_to_strings(v) for v in value]
    return value
