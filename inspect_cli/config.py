"""Settings from the environment and `.env` files, and where logs live.

Log dir precedence: an explicit `--log-dir`/`log_dir`, then INSPECT_LOG_DIR
from the environment (read at each use, so a caller may set it at run time),
then INSPECT_LOG_DIR from a `.env` file found upward from the cwd (relative
values resolve against that file's folder), then `./logs`.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import storage

LOG_DIR_VAR = "INSPECT_LOG_DIR"
DEFAULT_LOG_DIR = "logs"

_loaded: dict[str, str] | None = None  # what the .env file set, once loaded
_dotenv_dir: Path | None = None


def find_dotenv(start: Path | None = None) -> Path | None:
    """The nearest `.env` file in `start` (default: the cwd) or its parents."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / ".env"
        if path.is_file():
            return path
    return None


def load_dotenv() -> dict[str, str]:
    """Load the nearest `.env` into the environment, never overriding variables
    already set. Returns the variables it set. Loaded once per process."""
    global _loaded, _dotenv_dir
    if _loaded is not None:
        return _loaded
    _loaded = {}
    path = find_dotenv()
    if path is None:
        return _loaded
    from dotenv import dotenv_values

    _dotenv_dir = path.parent
    for name, value in dotenv_values(path).items():
        if value is not None and name not in os.environ:
            os.environ[name] = value
            _loaded[name] = value
    return _loaded


def reset_dotenv() -> None:
    """Forget what was loaded (for tests that change directory)."""
    global _loaded, _dotenv_dir
    if _loaded:
        for name, value in _loaded.items():
            if os.environ.get(name) == value:
                del os.environ[name]
    _loaded, _dotenv_dir = None, None


def log_dir(explicit: str | os.PathLike[str] | None = None) -> str:
    """The log directory to use (see the module docstring for the precedence)."""
    if explicit is not None and str(explicit) != "":
        return os.fspath(explicit)
    loaded = load_dotenv()
    value = os.environ.get(LOG_DIR_VAR)
    if value:
        if loaded.get(LOG_DIR_VAR) == value and _dotenv_dir is not None and storage.is_local(value):
            path = storage.local_path(value)
            if not os.path.isabs(path):
                return os.path.normpath(os.path.join(_dotenv_dir, path))
        return value
    return DEFAULT_LOG_DIR
