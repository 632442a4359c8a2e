"""The model output cache: a request asked before is answered from disk.

A request is identified by a hash of what decides its answer: the model's
name and base URL, the input messages (without their random ids), the
generation settings that reach the provider, the policy's scopes and, with
`per_epoch`, the epoch. One file per request, at
`<cache dir>/generate/<provider>/<model>/<key>`: the folders Inspect uses, so
`inspect cache path|list|clear` mean the same place for both tools. Our keys
are 64 hex digits; Inspect's entries (32 hex digits, Python pickles) are
never read here, and ours are misses for Inspect.

An entry is JSON (the output and when it expires), written to a temporary
file and renamed into place: concurrent processes see a whole entry or none,
and writers of the same request each leave a whole one. An entry that cannot
be read (damaged, foreign, expired) is a miss, never an error; nothing that
goes wrong with the cache stops an eval. API keys are never part of an entry
(and known secrets are redacted from the output stored, as in logs).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from .. import settings, storage
from ..errors import UsageError
from ..log import _codec
from ..log._types import CachePolicy, ChatMessage, GenerateConfig, ModelOutput

logger = logging.getLogger(__name__)

FORMAT = "inspect_cli.cache/1"
DEFAULT_EXPIRY = "7D"  # `--cache` without a value

# Seconds per expiry unit (case matters: m is minutes, M months).
_UNITS = {"s": 1, "m": 60, "h": 3600, "D": 86400, "W": 7 * 86400, "M": 30 * 86400, "Y": 365 * 86400}
_EXPIRY = re.compile(r"(\d+)([smhDWMY])")
_OUR_KEY = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"  # storage.local_replacement's temporary files
_STALE_TEMP = 3600.0  # a temporary file this old was left by a killed process

# Settings that change how a request is sent, not what comes back.
_NOT_IN_KEY = frozenset({"max_retries", "timeout", "attempt_timeout", "max_connections", "cache"})

# The clock entries' expiry is measured against (tests replace it).
clock: Callable[[], float] = time.time


class _Entry(msgspec.Struct, kw_only=True):
    format: str
    expires: float | None  # Unix time; None: never
    output: ModelOutput


def expiry_seconds(expiry: str | None) -> int | None:
    """Seconds an expiry like `3h`, `1D` or `2W` stands for (None: never expires)."""
    if expiry is None:
        return None
    match = _EXPIRY.fullmatch(expiry.strip()) if isinstance(expiry, str) else None
    if match is None:
        raise UsageError(
            f"cache expiry must be a whole number and a unit (s, m, h, D, W, M or Y), e.g. 1D or 2W, not {expiry!r}"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def cache_policy(cache: bool | CachePolicy | str | None) -> CachePolicy | None:
    """The policy `cache=` asks for (True: the defaults; an expiry string: that
    expiry), checked; None when caching is off."""
    if cache is None or cache is False:
        return None
    if cache is True:
        return CachePolicy()
    if isinstance(cache, str):
        policy = CachePolicy(expiry=cache)
    elif isinstance(cache, CachePolicy):
        policy = cache
    else:
        raise UsageError(f"cache must be True, False, an expiry such as 1D or a CachePolicy, not {cache!r}")
    expiry_seconds(policy.expiry)
    return policy


def load_policy(value: str) -> CachePolicy:
    """`--cache VALUE`: an expiry (`1D`), or a YAML or JSON file holding a
    CachePolicy's fields (expiry, per_epoch, scopes)."""
    if not os.path.isfile(value):
        policy = CachePolicy(expiry=value)
        expiry_seconds(policy.expiry)
        return policy
    import yaml

    try:
        with open(value, encoding="utf-8") as f:
            fields = yaml.safe_load(f)
        policy = msgspec.convert(fields, CachePolicy)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, msgspec.ValidationError) as ex:
        raise UsageError(f"--cache {value}: not a cache policy file ({ex})") from None
    expiry_seconds(policy.expiry)
    return policy


def root() -> Path:
    """The folder holding every model's entries."""
    return settings.cache_dir() / "generate"


def cache_path(model: str = "") -> Path:
    """The cache folder, or one model's folder in it."""
    if not model:
        return root()
    parts = _model_parts(model)
    if parts is None:
        raise UsageError(f"model '{model}' cannot name a cache folder")
    return root().joinpath(*parts)


def _model_parts(model: str) -> list[str] | None:
    """The folders of a model's entries; None for a name that would lead
    outside the cache (`..`, absolute, empty parts)."""
    parts = model.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts) or os.path.isabs(model):
        return None
    return parts


def entry_path(
    model: str,
    base_url: str | None,
    input: list[ChatMessage],
    config: GenerateConfig,
    policy: CachePolicy,
    epoch: int | None,
) -> Path | None:
    """The file that answers this request (None: the model's name cannot be a folder)."""
    parts = _model_parts(model)
    if parts is None:
        logger.debug("model %s is not cached: its name cannot be a folder", model)
        return None
    settings_in_key = {
        name: value
        for name, value in msgspec.to_builtins(config).items()
        if name not in _NOT_IN_KEY and value is not None
    }
    request = {
        "model": model,
        "base_url": base_url,
        "input": [_without_id(m) for m in msgspec.to_builtins(input)],
        "config": settings_in_key,
        "scopes": policy.scopes,
        "epoch": epoch if policy.per_epoch else None,
    }
    key = hashlib.sha256(msgspec.json.encode(request, order="sorted")).hexdigest()
    return root().joinpath(*parts, key)


def _without_id(message: dict[str, Any]) -> dict[str, Any]:
    # messages get a new random id on each run: the id cannot decide the answer
    return {k: v for k, v in message.items() if k != "id"}


def fetch(path: Path) -> ModelOutput | None:
    """The stored output, if there is one that has not expired."""
    entry = _read(path)
    if entry is None or _expired(entry):
        return None
    return entry.output


def store(path: Path, output: ModelOutput, policy: CachePolicy) -> bool:
    """Store `output` as the answer of the request at `path`; False (and a
    debug message) when it cannot be written."""
    seconds = expiry_seconds(policy.expiry)
    entry = _Entry(format=FORMAT, expires=None if seconds is None else clock() + seconds, output=output)
    try:
        with storage.local_replacement(str(path), durable=False) as f:
            f.write(_codec.dumps(entry))
    except OSError as ex:
        logger.debug("could not store a cache entry at %s: %s", path, ex)
        return False
    return True


def _read(path: Path) -> _Entry | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        entry = msgspec.convert(_codec.loads(data, "cache entry"), _Entry)
    except Exception as ex:  # damaged or not ours: a miss
        logger.debug("unreadable cache entry %s: %s", path, ex)
        return None
    if entry.format != FORMAT:
        return None
    return entry


def _expired(entry: _Entry) -> bool:
    return entry.expires is not None and entry.expires <= clock()


# -- management: `inspect cache ...` and the functions inspect_ai.model exports


def _model_dirs(models: list[str]) -> list[tuple[str, Path]]:
    """(model, folder) of the given models, or of every model with entries."""
    base = root()
    if models:
        return [(m, cache_path(m)) for m in models]
    found = []
    for folder, _, files in os.walk(base):
        if files and Path(folder) != base:
            found.append((Path(folder).relative_to(base).as_posix(), Path(folder)))
    return sorted(found)


def _files(folder: Path) -> Iterator[Path]:
    with contextlib.suppress(OSError):
        for item in sorted(folder.iterdir()):
            if item.is_file():
                yield item


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _model_of(path: Path) -> str:
    try:
        return path.parent.relative_to(root()).as_posix()
    except ValueError:
        return path.parent.as_posix()


def cache_size(subdirs: list[str] | None = None, files: list[Path] | None = None) -> list[tuple[str, int]]:
    """Bytes stored per model: of `files` when given, else of the models in
    `subdirs` (default: every model), largest first."""
    totals: dict[str, int] = {}
    if files:
        for path in files:
            totals[_model_of(Path(path))] = totals.get(_model_of(Path(path)), 0) + _size(Path(path))
    else:
        for model, folder in _model_dirs(list(subdirs or [])):
            size = sum(_size(p) for p in _files(folder))
            if size:
                totals[model] = size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def _pruneable(path: Path) -> bool:
    """Ours and of no further use: expired, damaged, or a temporary file a killed
    process left. Files that are not ours (Inspect's) are never pruned."""
    name = path.name
    if name.startswith(_TEMP_PREFIX):
        try:
            return clock() - path.stat().st_mtime > _STALE_TEMP
        except OSError:
            return False
    if not _OUR_KEY.fullmatch(name):
        return False
    entry = _read(path)
    return entry is None or _expired(entry)


def cache_list_expired(filter_by: list[str] | None = None) -> list[Path]:
    """The entries prune would remove (of the models in `filter_by`, default all)."""
    return [p for _, folder in _model_dirs(list(filter_by or [])) for p in _files(folder) if _pruneable(p)]


def cache_prune(files: list[Path] | None = None) -> None:
    """Remove expired entries: those among `files`, or every one in the cache."""
    for path in [Path(p) for p in files] if files else cache_list_expired():
        if _pruneable(path) and _inside(path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    _remove_empty_folders()


def cache_clear(model: str = "") -> bool:
    """Remove every entry (of one model, when named); False when there was none."""
    folder = cache_path(model)
    if not folder.exists():
        return False
    if folder.is_dir():
        shutil.rmtree(folder)
    else:
        folder.unlink()
    if model:
        _remove_empty_folders()
    return True


def _inside(path: Path) -> bool:
    try:
        path.resolve().relative_to(root().resolve())
    except (ValueError, OSError):
        return False
    return True


def _remove_empty_folders() -> None:
    base = root()
    for folder, _, _ in sorted(os.walk(base), key=lambda item: -len(item[0])):
        if Path(folder) != base:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only succeeds when empty


class CacheUsage(msgspec.Struct, kw_only=True):
    """One model's entries in the cache: how many, and their bytes on disk."""

    model: str
    entries: int
    bytes: int


def _usage(paths: list[Path]) -> list[CacheUsage]:
    totals: dict[str, CacheUsage] = {}
    for path in paths:
        model = _model_of(path)
        usage = totals.setdefault(model, CacheUsage(model=model, entries=0, bytes=0))
        usage.entries += 1
        usage.bytes += _size(path)
    return sorted(totals.values(), key=lambda u: u.model)


def cache_usage(models: list[str] | None = None, pruneable: bool = False) -> list[CacheUsage]:
    """The cache's entries per model (of `models`, default all); with
    `pruneable`, only those `prune_cache` would remove."""
    if pruneable:
        return _usage(cache_list_expired(models))
    entries = [p for _, folder in _model_dirs(list(models or [])) for p in _files(folder)]
    return _usage([p for p in entries if not p.name.startswith(_TEMP_PREFIX)])


def prune_cache(models: list[str] | None = None) -> list[CacheUsage]:
    """Remove expired (and damaged) entries of `models` (default all); returns what was removed."""
    expired = cache_list_expired(models)
    removed = _usage(expired)
    cache_prune(expired)
    return removed


def clear_cache(models: list[str] | None = None) -> list[CacheUsage]:
    """Remove every entry of `models` (None: the whole cache); returns what was removed."""
    removed = cache_usage(models)
    if models is None:
        cache_clear()
    else:
        for model in models:
            cache_clear(model)
    return removed
