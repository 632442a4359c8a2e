"""stdout carries data (one JSON document with --json); stderr carries messages."""

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from .. import storage
from .._console import error, note

__all__ = ["display_name", "document", "error", "note", "write_bytes", "write_json"]


def write_json(value: Any, strict: bool = True) -> None:
    """Print one JSON document (strict: non-finite numbers as strings)."""
    from ..log import _codec

    data = _codec.dumps(value, indent=True, nonfinite="string" if strict else "literal")
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    if out is not None:
        sys.stdout.flush()
        out.write(data + b"\n")
        out.flush()
    else:  # an in-memory stream (tests)
        sys.stdout.write(data.decode("utf-8") + "\n")


def write_bytes(data: bytes) -> None:
    out = getattr(sys.stdout, "buffer", None)
    if out is not None:
        out.write(data)
    else:
        sys.stdout.write(data.decode("utf-8"))


@contextlib.contextmanager
def document() -> Iterator[Callable[[bytes], Any]]:
    """A `write` for a document that reaches stdout only if the block succeeds:
    a command that fails half way prints nothing, never part of a document.
    Held in memory up to 32 MB, on disk beyond (a large log dumps in bounded
    memory)."""
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        yield spool.write
        spool.seek(0)
        while chunk := spool.read(1024 * 1024):
            write_bytes(chunk)


def display_name(uri: str, absolute: bool) -> str:
    """A listed log's name as Inspect prints it: a path relative to the cwd
    (absolute with `absolute`); remote logs keep their URL."""
    if not storage.is_local(uri):
        return uri
    path = storage.local_path(uri)
    if absolute:
        return os.path.abspath(path)
    return os.path.relpath(path)
