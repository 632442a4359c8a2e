"""Every setting read from the environment, named and parsed here, and `.env`.

No other module reads `os.environ`: they ask this one, which loads the
nearest `.env` file (searched upward from the cwd) before the first setting
is read, never overriding variables already set. The edges (the CLI's root
callback, `eval()`, `eval_retry()`, the log functions, the viewer) also load
it explicitly, so libraries that read the environment themselves (botocore's
AWS_* variables) see it too.

Log dir precedence: an explicit `--log-dir`/`log_dir`, then INSPECT_LOG_DIR
from the environment (read at each use, so a caller may set it at run time),
then INSPECT_LOG_DIR from `.env` (a relative value resolves against that
file's folder), then `./logs`.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from . import _secrets, storage
from .errors import UsageError

# name -> what it sets (README.md's table of settings lists exactly these)
SETTINGS: dict[str, str] = {}


def _setting(name: str, meaning: str) -> str:
    SETTINGS[name] = meaning
    return name


LOG_DIR = _setting("INSPECT_LOG_DIR", "log directory (path or URL) when --log-dir is not given; default ./logs")
LOG_FORMAT = _setting("INSPECT_LOG_FORMAT", "format of new logs: eval (default) or json")
EVAL_MODEL = _setting("INSPECT_EVAL_MODEL", "model to evaluate when --model is not given")
MAX_SAMPLES = _setting("INSPECT_EVAL_MAX_SAMPLES", "samples run at once (default: max connections + 1)")
MAX_CONNECTIONS = _setting("INSPECT_EVAL_MAX_CONNECTIONS", "requests in flight per model (default 10)")
VIEW_TOKEN = _setting(
    "INSPECT_VIEW_AUTHORIZATION_TOKEN", "token every viewer API request must carry (Authorization header)"
)
VIEW_BUNDLE_OUTPUT_DIR = _setting(
    "INSPECT_VIEW_BUNDLE_OUTPUT_DIR", "output dir of `inspect view bundle` when --output-dir is not given"
)
OPENAI_API_KEY = _setting("OPENAI_API_KEY", "API key of openai/ models")
OPENAI_BASE_URL = _setting("OPENAI_BASE_URL", "base URL of openai/ models (any server speaking Chat Completions)")
ANTHROPIC_API_KEY = _setting("ANTHROPIC_API_KEY", "API key of anthropic/ models")
ANTHROPIC_BASE_URL = _setting("ANTHROPIC_BASE_URL", "base URL of anthropic/ models")
RETRY_DELAY = _setting("INSPECT_CLI_RETRY_DELAY", "base delay in seconds of model request retries (default 1)")
EVAL_SET_LOCK_STALE = _setting(
    "INSPECT_CLI_EVAL_SET_LOCK_STALE",
    "seconds without heartbeat after which an eval set's log dir lock is taken over (default 300)",
)
CACHE_DIR = _setting(
    "INSPECT_CACHE_DIR", "model output cache folder (default: the user cache folder's inspect_ai, as Inspect's)"
)
XDG_CACHE_HOME = _setting("XDG_CACHE_HOME", "user cache folder on Linux (default ~/.cache); holds inspect_ai/")
NO_COLOR = _setting("NO_COLOR", "set (any value): plain lines instead of the results panel, and no colours")
TRACEBACK = _setting("INSPECT_CLI_TRACEBACK", "1: show Python tracebacks of unexpected errors")
TRACEBACK_LOCALS = _setting("INSPECT_TRACEBACK_LOCALS", "1: include local variables in the tracebacks of sample errors")
COMPLETE = _setting("_INSPECT_COMPLETE", "set by shells asking for completions (see completions/)")

DEFAULT_LOG_DIR = "logs"

_loaded: dict[str, str] | None = None  # what the .env file set, once loaded
_dotenv_dir: Path | None = None


def find_dotenv(start: Path | None = None) -> Path | None:
    """The nearest `.env` file in `start` (default: the cwd) or its parents."""
    try:
        folder = (start or Path.cwd()).resolve()
    except OSError:  # the cwd was removed
        return None
    for candidate in (folder, *folder.parents):
        path = candidate / ".env"
        if path.is_file():
            return path
    return None


# Variables whose values are secrets (redacted from everything we write).
_SECRET_VARIABLE = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|_PASS|CREDENTIALS?)($|_)", re.IGNORECASE)


def load_dotenv() -> dict[str, str]:
    """Load the nearest `.env` into the environment, never overriding variables
    already set, and register the environment's secrets for redaction.
    Returns the variables it set. Loaded once per process (cheap to call
    again); `register_secrets()` registers variables set since."""
    global _loaded, _dotenv_dir
    if _loaded is not None:
        return _loaded
    _loaded = {}
    path = find_dotenv()
    if path is None:
        register_secrets()
        return _loaded
    from dotenv import dotenv_values

    _dotenv_dir = path.parent
    for name, value in dotenv_values(path).items():
        if value is not None and name not in os.environ:
            os.environ[name] = value
            _loaded[name] = value
    register_secrets()
    return _loaded


def register_secrets() -> None:
    """Register the values of the environment's secret-looking variables for
    redaction (the edges that start work call it: a key set at run time counts)."""
    _secrets.add(*(value for name, value in os.environ.items() if _SECRET_VARIABLE.search(name)))


def reset_dotenv() -> None:
    """Forget what was loaded (for tests that change directory)."""
    global _loaded, _dotenv_dir
    if _loaded:
        for name, value in _loaded.items():
            if os.environ.get(name) == value:
                del os.environ[name]
    _loaded, _dotenv_dir = None, None


def set_env(name: str, value: str) -> None:
    """Set a variable for the rest of this process (`inspect --env NAME=VALUE`)."""
    os.environ[name] = value


def completion_requested() -> bool:
    """Whether a shell runs us to ask for completions (checked before `.env`
    is loaded: it must not slow every start)."""
    return bool(os.environ.get(COMPLETE))


def no_color() -> bool:
    """Whether the user asked for no colour (https://no-color.org: set and not empty)."""
    return get(NO_COLOR) is not None


def get(name: str) -> str | None:
    """A setting's value (None when unset or empty)."""
    load_dotenv()
    return os.environ.get(name) or None


def eval_option(option: str) -> str | None:
    """The value of an eval option given by environment, as Inspect reads it:
    `--best-of` from INSPECT_EVAL_BEST_OF (None when unset or empty)."""
    return get("INSPECT_EVAL_" + option.lstrip("-").replace("-", "_").upper())


def get_int(name: str, minimum: int = 1) -> int | None:
    """A whole-number setting, at least `minimum`; a clear error naming it otherwise."""
    return _number(name, int, "a whole number", minimum)


def get_float(name: str, minimum: float = 0.0) -> float | None:
    """A number setting, finite and at least `minimum`."""
    return _number(name, float, "a number", minimum)


N = TypeVar("N", int, float)


def _number(name: str, parse: Callable[[str], N], kind: str, minimum: N) -> N | None:
    value = get(name)
    if value is None:
        return None
    try:
        number = parse(value.strip())
    except ValueError:
        raise UsageError(f"{name} must be {kind}, not {value!r}") from None
    if not math.isfinite(number) or number < minimum:
        raise UsageError(f"{name} must be {kind} of at least {minimum:g}, not {value.strip()}")
    return number


def get_choice(name: str, choices: Sequence[str]) -> str | None:
    value = get(name)
    if value is not None and value not in choices:
        raise UsageError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def get_flag(name: str) -> bool:
    """A yes/no setting: set and not 0/false/no/off."""
    value = get(name)
    return value is not None and value.strip().lower() not in ("0", "false", "no", "off")


def log_dir(explicit: str | os.PathLike[str] | None = None) -> str:
    """The log directory to use (see the module docstring for the precedence)."""
    if explicit is not None and str(explicit) != "":
        return os.fspath(explicit)
    loaded = load_dotenv()
    value = get(LOG_DIR)
    if value:
        if loaded.get(LOG_DIR) == value and _dotenv_dir is not None and storage.is_local(value):
            path = storage.local_path(value)
            if not os.path.isabs(path):
                return os.path.normpath(os.path.join(_dotenv_dir, path))
        return value
    return DEFAULT_LOG_DIR


def cache_dir() -> Path:
    """The model output cache's folder: INSPECT_CACHE_DIR, else `inspect_ai`
    in the platform's user cache folder (where Inspect keeps its cache)."""
    explicit = get(CACHE_DIR)
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "darwin":
        user_cache = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32":
        user_cache = Path.home() / "AppData" / "Local"
    else:
        xdg = get(XDG_CACHE_HOME)
        user_cache = (
            Path(xdg).expanduser() if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
        )
    return user_cache / "inspect_ai"
