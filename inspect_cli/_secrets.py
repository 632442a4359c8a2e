"""The secret values this process knows, and their redaction from text that leaves it.

Secrets are registered where they enter: the environment's secret-looking
variables (API keys, tokens, passwords), the API key a provider uses, model
arguments with secret-looking names, credentials inside a model's base URL.
Every registered value is then replaced by `<redacted>` in what we write:
logs (all JSON goes through `log._codec.dumps`), stdout and stderr messages,
error messages, the viewer's answers. Values shorter than `MIN_LENGTH` are
not registered (replacing a short common string everywhere would corrupt
logs); a name alone still redacts a model argument's recorded value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "<redacted>"
MIN_LENGTH = 8

# A name is secret-looking when one of its words is one of these (`api_key`,
# `X-Auth-Token`, `clientSecret`), but not `max_tokens` or `keyword`.
_SECRET_WORDS = frozenset(
    [
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "cookie",
        "signature",
        "bearer",
    ]
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_lock = threading.Lock()
_values: tuple[str, ...] = ()  # longest first, so a secret containing another goes first
_encoded: tuple[bytes, ...] = ()


def is_secret_name(name: str) -> bool:
    """Whether an argument, parameter or header name looks like it holds a secret."""
    return any(word.lower() in _SECRET_WORDS for word in _WORD.findall(name))


def add(*values: object) -> None:
    """Register secret values (non-strings and short ones are ignored)."""
    global _values, _encoded
    new = {v for v in values if isinstance(v, str) and len(v) >= MIN_LENGTH and v not in _values}
    if not new:
        return
    with _lock:
        ordered = sorted({*_values, *new}, key=len, reverse=True)
        _values = tuple(ordered)
        _encoded = tuple(v.encode("utf-8") for v in ordered)


def add_named(items: Iterable[tuple[str, object]]) -> None:
    """Register the values of the items whose names look secret."""
    add(*(value for name, value in items if is_secret_name(name)))


def masked(value: Any) -> Any:
    """A copy of a JSON-like value with the values of secret-looking keys
    replaced (a request body as it is recorded in the log)."""
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and is_secret_name(k) else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `<redacted>`."""
    for value in _values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def redact_bytes(data: bytes) -> bytes:
    """The same for UTF-8 text (JSON as it is written: secrets never need escaping
    in JSON unless they hold quotes or backslashes, which keys do not)."""
    for value in _encoded:
        if value in data:
            data = data.replace(value, REDACTED.encode())
    return data


def redact_url(url: str) -> str:
    """A URL as it may be recorded: a password in it, and query parameters with
    secret-looking names, replaced (and registered, so they are redacted
    wherever else they appear)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc
    if parts.password:
        add(parts.password)
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{parts.username or ''}:{REDACTED}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        add_named(pairs)
        if any(is_secret_name(k) for k, _ in pairs):
            query = urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="<>")
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))
