"""stdout carries data (one JSON document with --json); stderr carries messages."""

import os
import sys
from typing import Any

from .. import storage


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


def error(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)


def display_name(uri: str, absolute: bool) -> str:
    """A listed log's name as Inspect prints it: a path relative to the cwd
    (absolute with `absolute`); remote logs keep their URL."""
    if not storage.is_local(uri):
        return uri
    path = storage.local_path(uri)
    if absolute:
        return os.path.abspath(path)
    return os.path.relpath(path)
