"""Random identifiers in the form Inspect uses: 22 characters of base 57."""

from __future__ import annotations

import os

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def short_uuid() -> str:
    """22 random base-57 characters (about 128 bits)."""
    number = int.from_bytes(os.urandom(16), "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 57)
        chars.append(_ALPHABET[digit])
    return "".join(chars)
