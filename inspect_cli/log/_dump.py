"""Print a log as one JSON document, the way `inspect log dump` shows it.

The header is written first and the samples are then read and written one
at a time, so dumping a log needs memory for one sample, not for the log.
As Inspect's dump does, the samples' shared event storage (`events_data`) is
expanded into the events that reference it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, Any

from .. import storage
from . import _codec
from ._file import log_format, log_source, read_eval_log, samples_of
from ._resolve import ResolveAttachments, attachment_mode, resolve_sample
from ._tree import to_tree

Write = Callable[[bytes], Any]
_INDENT = b"  "


def dump_eval_log(
    location: str | os.PathLike[str] | IO[bytes],
    write: Write,
    header_only: bool = False,
    strict: bool = False,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = None,
) -> None:
    """Write the log at `location` (a path, a URL or an open binary file) as
    indented JSON through `write`; `format` as in `read_eval_log`.

    `strict` writes NaN and +/-Infinity as the strings "NaN", "Infinity",
    "-Infinity" (for JSON parsers that reject Inspect's bare literals).
    `resolve_attachments` as in `read_eval_log` ("core", "full" or True).
    """
    attachment_mode(resolve_attachments)
    source = log_source(location)
    if isinstance(source, str):
        # Opened once for the header and the samples: a log replaced meanwhile
        # (a running eval's every write) is never dumped half old, half new.
        fmt = log_format(source, format).name
        with storage.open_read(source) as f:
            dump_eval_log(f, write, header_only, strict, resolve_attachments, fmt)
        return
    nonfinite: _codec.NonFinite = "string" if strict else "literal"
    log = read_eval_log(source, header_only=True, format=format)
    if not header_only and log.eval.dataset.sample_ids is None:
        # What a full read derives from the samples (logs before about 0.3.46):
        # one more pass, as the header is written before the samples.
        ids = dict.fromkeys(sample.id for sample in samples_of(source, format, None))
        log.eval.dataset.sample_ids = list(ids) or None
    header = to_tree(log)
    keys = list(header)
    samples_at = keys.index("reductions") if "reductions" in keys else len(keys)

    def member(key: str, value: Any, first: bool) -> None:
        body = _codec.dumps(value, indent=True, nonfinite=nonfinite)
        write((b"\n" if first else b",\n") + _INDENT + _codec.dumps(key) + b": " + _reindent(body, 1))

    write(b"{")
    first = True
    for key in keys[:samples_at]:
        member(key, header[key], first)
        first = False
    if not header_only:
        wrote_any = False
        for sample in samples_of(source, format, None):
            tree = resolve_sample(to_tree(sample), attachments=resolve_attachments)
            body = _reindent(_codec.dumps(tree, indent=True, nonfinite=nonfinite), 2)
            if not wrote_any:
                write((b"\n" if first else b",\n") + _INDENT + b'"samples": [\n' + _INDENT * 2 + body)
                wrote_any = True
                first = False
            else:
                write(b",\n" + _INDENT * 2 + body)
        if wrote_any:
            write(b"\n" + _INDENT + b"]")
    for key in keys[samples_at:]:
        member(key, header[key], first)
        first = False
    write(b"\n}\n" if not first else b"}\n")


def _reindent(body: bytes, depth: int) -> bytes:
    """Indent every line but the first by `depth` levels.

    Safe on JSON text: a string value never spans lines (newlines inside
    strings are escaped), so only whitespace between tokens changes.
    """
    if b"\n" not in body:
        return body
    return body.replace(b"\n", b"\n" + _INDENT * depth)


def dump_headers(locations: list[str], write: Write, strict: bool = False) -> None:
    """Write the headers of several logs as one indented JSON list."""
    nonfinite: _codec.NonFinite = "string" if strict else "literal"
    write(b"[")
    for i, location in enumerate(locations):
        body = _codec.dumps(to_tree(read_eval_log(location, header_only=True)), indent=True, nonfinite=nonfinite)
        write((b"\n" if i == 0 else b",\n") + _INDENT + _reindent(body, 1))
    write(b"\n]\n" if locations else b"]\n")
