"""Random identifiers in the form Inspect uses: 22 characters of base 57."""

from __future__ import annotations

import hashlib
import os

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def short_uuid() -> str:
    """22 random base-57 characters (about 128 bits)."""
    return _base57(int.from_bytes(os.urandom(16), "big"))


def stable_short_uuid(*parts: str) -> str:
    """An id in the same form that the same `parts` always give (128 bits of their hash)."""
    return _base57(int.from_bytes(hashlib.sha256("\n".join(parts).encode()).digest()[:16], "big"))


def _base57(number: int) -> str:
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 57)
        chars.append(_ALPHABET[digit])
    return "".join(chars)
