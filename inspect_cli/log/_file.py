"""Read and write eval logs in either format: the public entry points.

The format comes from the file's suffix (`.eval` or `.json`), or for any other
name from its first bytes (a zip or a JSON object).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, Literal, NamedTuple, Protocol

from .. import settings, storage
from ..errors import LogError, LogExistsError, LogFormatError, NotFoundError
from . import _format_eval, _format_json
from ._resolve import resolve_sample
from ._tree import paused_gc, to_tree
from ._types import EvalLog, EvalSample
from ._zip import Compression

Format = Literal["eval", "json"]
SampleHook = Callable[[dict[str, Any]], dict[str, Any]]


class LogFile(Protocol):
    """A log written while its eval runs, at a local path (see each format's
    `LogFile`): created by `start`, grown by `flush`, completed by `finish`."""

    path: str

    def start(self, log: EvalLog) -> None: ...
    def flush(self, samples: Sequence[EvalSample]) -> None: ...
    def finish(self, log: EvalLog, samples: Sequence[EvalSample]) -> None: ...


class LogFormat(NamedTuple):
    name: Format
    suffix: str
    magic: bytes
    read_log: Callable[..., EvalLog]
    read_samples: Callable[[str, SampleHook | None], Iterator[EvalSample]]
    read_sample: Callable[[str, int | str, int, SampleHook | None], EvalSample]
    write_log: Callable[..., None]
    read_summaries: Callable[[str], list[Any] | None]  # None: the format stores none
    log_file: Callable[[str], LogFile]


FORMATS: dict[str, LogFormat] = {
    "eval": LogFormat(
        "eval",
        ".eval",
        b"PK",
        _format_eval.read_log,
        _format_eval.read_samples,
        _format_eval.read_sample,
        _format_eval.write_log,
        _format_eval.read_summaries,
        _format_eval.LogFile,
    ),
    "json": LogFormat(
        "json",
        ".json",
        b"{",
        _format_json.read_log,
        _format_json.read_samples,
        _format_json.read_sample,
        _format_json.write_log,
        lambda url: None,
        _format_json.LogFile,
    ),
}


def log_format(location: str, format: str | None = None, sniff: bool = True) -> LogFormat:
    """The format of the log at `location` (named, by suffix, else by content)."""
    if format is not None and format != "auto":
        try:
            return FORMATS[format]
        except KeyError:
            raise LogError(f"unknown log format '{format}' (use 'eval' or 'json')") from None
    suffix = os.path.splitext(location.rstrip("/"))[1].lower()
    for fmt in FORMATS.values():
        if suffix == fmt.suffix:
            return fmt
    if sniff:
        with storage.open_read(location) as f:
            head = f.read(64).lstrip()
        for fmt in FORMATS.values():
            if head.startswith(fmt.magic):
                return fmt
    raise LogFormatError(f"{location} is not an eval log (expected a .eval or .json file)")


def _location(log_file: Any) -> str:
    """The URL of a log named by a path, a URL, or anything with a `name` (a
    listing record). Every public entry point starts here, so `.env` is
    loaded first (S3 credentials may come from it)."""
    settings.load_dotenv()
    if isinstance(log_file, os.PathLike):
        return os.fspath(log_file)
    if isinstance(log_file, str):
        return log_file
    name = getattr(log_file, "name", None)
    if isinstance(name, str):
        return name
    raise TypeError(f"expected a path or URL, got {type(log_file).__name__}")


def _hook(resolve_attachments: bool) -> SampleHook | None:
    return partial(resolve_sample, attachments=True) if resolve_attachments else None


def read_eval_log(
    log_file: str | os.PathLike[str] | Any,
    header_only: bool = False,
    resolve_attachments: bool = False,
    format: str | None = None,
) -> EvalLog:
    """Read a log; with `header_only`, everything but the samples (never decoded).

    `resolve_attachments` expands what Inspect stores once per sample and
    references from its events (`events_data`, `attachment://` strings).
    """
    url = _location(log_file)
    with storage.errors(url), paused_gc():
        log = log_format(url, format).read_log(url, header_only, _hook(resolve_attachments))
    log.__dict__["_location"] = url
    return log


def read_eval_log_header(log_file: str | os.PathLike[str] | Any) -> EvalLog:
    """The header of a log for listings: like `read_eval_log(header_only=True)`
    but without the members that grow with the samples (`reductions`, and in
    `.json` logs anything stored after the samples), so its cost does not
    depend on the number of samples."""
    url = _location(log_file)
    with storage.errors(url), paused_gc():
        log = log_format(url).read_log(url, True, None, trailing=False)
    log.__dict__["_location"] = url
    return log


def read_eval_log_samples(
    log_file: str | os.PathLike[str] | Any, resolve_attachments: bool = False, format: str | None = None
) -> Iterator[EvalSample]:
    """The samples of a log, one at a time (a large log never sits in memory whole)."""
    url = _location(log_file)
    with storage.errors(url):
        yield from log_format(url, format).read_samples(url, _hook(resolve_attachments))


def read_eval_log_sample(
    log_file: str | os.PathLike[str] | Any,
    id: int | str,
    epoch: int = 1,
    resolve_attachments: bool = False,
    format: str | None = None,
) -> EvalSample:
    """One sample of a log, by id and epoch."""
    url = _location(log_file)
    with storage.errors(url):
        return log_format(url, format).read_sample(url, id, epoch, _hook(resolve_attachments))


def read_eval_log_sample_summaries(log_file: str | os.PathLike[str] | Any) -> list[dict[str, Any]]:
    """A short record of each sample (id, epoch, input, target, scores, error,
    usage, ...), as Inspect's viewer lists them: read from the summaries a
    `.eval` log stores (also while its eval runs), else derived from the samples
    one at a time."""
    url = _location(log_file)
    with storage.errors(url):
        fmt = log_format(url)
        stored = fmt.read_summaries(url)
        if stored is not None:
            return stored
        return [_format_eval.summary(to_tree(sample)) for sample in fmt.read_samples(url, None)]


def write_eval_log(
    log: EvalLog,
    location: str | os.PathLike[str] | None = None,
    format: str | None = None,
    compression: Compression = "deflate",
    overwrite: bool = False,
) -> None:
    """Write a log atomically; the format follows the suffix unless given.

    An existing file is replaced only when it holds a log of the same run
    (or with `overwrite`): a log is never lost to a different run that
    happened to get the same name.
    """
    url = _location(location) if location is not None else log.location
    if url is None:
        raise LogError("write_eval_log: no location given and the log has none")
    with storage.errors(url):
        fmt = log_format(url, format, sniff=False)
        if not overwrite:
            _check_replaceable(log, url)
        if fmt.name == "eval":
            fmt.write_log(log, url, compression)
        else:
            fmt.write_log(log, url)
    log.__dict__["_location"] = url


def _check_replaceable(log: EvalLog, url: str) -> None:
    try:
        existing = read_eval_log(url, header_only=True)
    except NotFoundError:
        return
    except LogError as ex:
        raise LogExistsError(f"{url} exists and is not a readable log; not replacing it ({ex})") from None
    if existing.eval.run_id != log.eval.run_id:
        raise LogExistsError(f"{url} holds a log of another run (run_id {existing.eval.run_id}); not replacing it")
