"""Random identifiers in the form Inspect uses: 22 characters of base 57."""

from __future__ import annotations

import secrets

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def short_uuid() -> str:
    """22 random base-57 characters (about 128 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(22))
