"""Messages for whoever runs us, on stderr (stdout carries data only); known
secrets are redacted from every one of them."""

from __future__ import annotations

import sys

from . import _secrets


def _say(prefix: str, message: str) -> None:
    print(f"{prefix}{_secrets.redact(message)}", file=sys.stderr, flush=True)


def error(message: str) -> None:
    _say("Error: ", message)


def warn(message: str) -> None:
    _say("Warning: ", message)


def note(message: str) -> None:
    """Something worth knowing that is neither an error nor a warning."""
    _say("Note: ", message)
