"""Read and write eval logs in either format: the public entry points.

The format comes from the file's suffix (`.eval` or `.json`), or for any other
name from its first bytes (a zip or a JSON object).
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Literal, NamedTuple, Protocol, cast

import msgspec

from .. import settings, storage
from ..errors import (
    ExistsError,
    InspectCliError,
    LogError,
    LogExistsError,
    LogFormatError,
    NotFoundError,
    SampleNotFoundError,
)
from ..storage import Source
from . import _faithful, _format_eval, _format_json
from ._edit import copy_struct
from ._resolve import ResolveAttachments, SampleHook, sample_hook
from ._summaries import EvalSampleSummary, sample_summary, stored_summaries
from ._tree import paused_gc, to_tree
from ._types import EvalLog, EvalSample
from ._zip import Compression

Format = Literal["eval", "json"]


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
    read_samples: Callable[..., Iterator[EvalSample]]  # (source, hook, streamed=False)
    read_sample: Callable[[Source, int | str, int, SampleHook | None], EvalSample]
    write_log: Callable[..., None]
    read_summaries: Callable[[Source], list[Any] | None]  # None: the format stores none (derive them)
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


def log_format(location: Source, format: str | None = None, sniff: bool = True) -> LogFormat:
    """The format of the log at `location` (named, by suffix, else by content)."""
    if format is not None and format != "auto":
        try:
            return FORMATS[format]
        except KeyError:
            raise LogError(f"unknown log format '{format}' (use 'eval' or 'json')") from None
    name = storage.source_name(location)
    suffix = os.path.splitext(name.rstrip("/"))[1].lower()
    for fmt in FORMATS.values():
        if suffix == fmt.suffix:
            return fmt
    if sniff:
        with storage.open_read(location) as f:
            head = f.read(64).lstrip()
        for fmt in FORMATS.values():
            if head.startswith(fmt.magic):
                return fmt
    raise LogFormatError(f"{name} is not an eval log (expected a .eval or .json file)")


LogFileArg = str | os.PathLike[str] | IO[bytes] | Any  # Any: a listing record (its `name`)


def log_source(log_file: LogFileArg) -> Source:
    """Where to read a log named by a path, a URL, an open binary file, or
    anything with a `name` (a listing record). Every public entry point starts
    here, so `.env` is loaded first (S3 credentials may come from it)."""
    settings.load_dotenv()
    if isinstance(log_file, os.PathLike):
        return os.fspath(log_file)
    if isinstance(log_file, str):
        return log_file
    if hasattr(log_file, "read") and hasattr(log_file, "seek"):
        return cast(IO[bytes], log_file)
    name = getattr(log_file, "name", None)
    if isinstance(name, str):
        return name
    raise TypeError(f"expected a path, a URL or a binary file, got {type(log_file).__name__}")


# What malformed content can make the decoders raise: turned into a
# LogFormatError naming the file, so hostile or damaged files never escape
# as anything but the documented errors.
_DAMAGE = (
    RecursionError,
    OverflowError,
    UnicodeError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    struct.error,
    msgspec.MsgspecError,
)


@contextlib.contextmanager
def _reading(source: Source, pause_gc: bool = True) -> Iterator[None]:
    """Storage errors and damaged content as domain errors naming the log
    (and the cyclic GC paused while a whole log is decoded)."""
    name = storage.source_name(source)
    try:
        with storage.errors(name), paused_gc() if pause_gc else contextlib.nullcontext():
            yield
    except InspectCliError:
        raise
    except _DAMAGE as ex:
        raise LogFormatError(f"{name} is not a readable log ({_damage(ex)})") from None


def _damage(ex: BaseException) -> str:
    if isinstance(ex, RecursionError):
        return "nested too deeply"
    text = str(ex).splitlines()[0][:200] if str(ex) else ""
    return f"{type(ex).__name__}: {text}" if text else type(ex).__name__


def _located(log: EvalLog, source: Source) -> EvalLog:
    log.__dict__["_location"] = storage.source_name(source)
    return log


def read_eval_log(
    log_file: LogFileArg,
    header_only: bool = False,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = "auto",
    exclude_fields: set[str] | None = None,
) -> EvalLog:
    """Read a log; with `header_only`, everything but the samples (never decoded).

    `log_file` is a path or URL, an open binary file, or a listing record.
    `resolve_attachments` expands what Inspect stores once per sample and
    references from its events (`events_data`, `attachment://` strings):
    "core" all but the raw model call payloads, "full" (or True) all.
    `exclude_fields` names sample fields to leave out (they take their
    defaults): a `.eval` log's excluded members are not even parsed.
    """
    source = log_source(log_file)
    hook = sample_hook(resolve_attachments, exclude_fields)
    with _reading(source):
        stamp = _faithful.stamp_of(source) if isinstance(source, str) else None
        fmt = log_format(source, format)
        log = fmt.read_log(source, header_only, hook)
        if isinstance(source, str) and stamp is not None:
            log.etag = stamp.etag  # for write_eval_log(if_match_etag=log.etag)
            if hook is None:  # (resolved or excluded fields are not what the file holds)
                _faithful.remember(log, source, fmt.name, header_only, stamp)
    return _located(log, source)


def read_eval_log_header(log_file: LogFileArg) -> EvalLog:
    """The header of a log for listings: like `read_eval_log(header_only=True)`
    but without the members that grow with the samples (`reductions`, and in
    `.json` logs anything stored after the samples), so its cost does not
    depend on the number of samples."""
    source = log_source(log_file)
    with _reading(source):
        log = log_format(source).read_log(source, True, None, trailing=False)
    return _located(log, source)


def read_eval_log_samples(
    log_file: LogFileArg,
    all_samples_required: bool = True,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = "auto",
    exclude_fields: set[str] | None = None,
) -> Iterator[EvalSample]:
    """The samples of a log, one at a time, in the order stored (a large log
    never sits in memory whole); `resolve_attachments` and `exclude_fields` as
    in `read_eval_log`.

    With `all_samples_required` (Inspect's default), a log that cannot hold
    all its samples (not `success`) raises RuntimeError before the first one,
    and one missing a sample its header lists (`dataset.sample_ids` x epochs)
    raises SampleNotFoundError (an IndexError) once the others were read.
    Pass False to read whatever samples a running or failed eval left.
    """
    source = log_source(log_file)
    hook = sample_hook(resolve_attachments, exclude_fields)
    samples = samples_of(source, format, hook, streamed=True)
    return _all_promised(source, format, samples) if all_samples_required else samples


def samples_of(
    source: Source, format: str | None, hook: SampleHook | None, streamed: bool = False
) -> Iterator[EvalSample]:
    """A log's samples one at a time: in a whole read's order, or `streamed`
    in the order read_eval_log_samples yields them (Inspect's: id by id)."""
    with _reading(source, pause_gc=False):
        yield from log_format(source, format).read_samples(source, hook, streamed)


def _all_promised(source: Source, format: str | None, samples: Iterator[EvalSample]) -> Iterator[EvalSample]:
    with _reading(source):
        header = log_format(source, format).read_log(source, True, None, trailing=False)
    name = storage.source_name(source)
    if header.status != "success":
        raise RuntimeError(
            f"{name} does not hold all its samples (status {header.status}): "
            "pass all_samples_required=False to read those it has"
        )
    epochs = range(1, (header.eval.config.epochs or 1) + 1)
    missing = {(str(id), epoch): id for id in header.eval.dataset.sample_ids or [] for epoch in epochs}
    for sample in samples:
        missing.pop((str(sample.id), sample.epoch), None)
        yield sample
    for (_, epoch), id in missing.items():
        raise SampleNotFoundError(f"{name}: no sample with id {id!r} and epoch {epoch}")


def read_eval_log_sample(
    log_file: LogFileArg,
    id: int | str | None = None,
    epoch: int = 1,
    uuid: str | None = None,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = "auto",
    exclude_fields: set[str] | None = None,
) -> EvalSample:
    """One sample of a log, by `id` and `epoch`, or else by its `uuid`;
    SampleNotFoundError (an IndexError) when the log holds no such sample.
    `resolve_attachments` and `exclude_fields` as in `read_eval_log`."""
    source = log_source(log_file)
    hook = sample_hook(resolve_attachments, exclude_fields)
    with _reading(source):
        fmt = log_format(source, format)
        if id is not None:
            return fmt.read_sample(source, id, epoch, hook)
        if uuid is None:
            raise ValueError("read_eval_log_sample: give a sample id (and epoch) or a sample uuid")
        return _sample_by_uuid(source, fmt, uuid, hook)


def _sample_by_uuid(source: Source, fmt: LogFormat, uuid: str, hook: SampleHook | None) -> EvalSample:
    """The sample with `uuid`: located by a `.eval` log's stored summaries
    (one sample read), else by reading the samples in turn."""
    for summary in fmt.read_summaries(source) or []:
        if isinstance(summary, dict) and summary.get("uuid") == uuid:
            return fmt.read_sample(source, summary["id"], summary["epoch"], hook)
    for sample in fmt.read_samples(source, hook):
        if sample.uuid == uuid:
            return sample
    raise SampleNotFoundError(f"{storage.source_name(source)}: no sample with uuid {uuid!r}")


def read_eval_log_samples_by_id(
    log_file: LogFileArg,
    samples: Iterable[tuple[str | int, int]],
    *,
    concurrency: int = 8,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = "auto",
    exclude_fields: set[str] | None = None,
) -> list[EvalSample]:
    """The samples `(id, epoch)` asks for, in the order asked (a pair asked
    twice comes twice); SampleNotFoundError (an IndexError) for one the log
    does not hold. The log is opened once; `concurrency` is accepted for
    Inspect's signature (reads here are one after the other)."""
    source = log_source(log_file)
    wanted = list(samples)
    hook = sample_hook(resolve_attachments, exclude_fields)
    with _reading(source):
        fmt = log_format(source, format)
        found: dict[tuple[str, int], EvalSample] = {}
        if fmt.name == "json":  # one pass over the document, not one per sample
            keys = {(str(id), epoch) for id, epoch in wanted}
            for sample in fmt.read_samples(source, hook):
                if (str(sample.id), sample.epoch) in keys:
                    found[(str(sample.id), sample.epoch)] = sample
        out = []
        for id, epoch in wanted:
            key = (str(id), epoch)
            if key not in found:
                if fmt.name == "json":
                    raise SampleNotFoundError(
                        f"{storage.source_name(source)}: no sample with id {id!r} and epoch {epoch}"
                    )
                found[key] = fmt.read_sample(source, id, epoch, hook)
            out.append(found[key])
        return out


def read_eval_log_sample_summaries(log_file: LogFileArg, format: str | None = "auto") -> list[EvalSampleSummary]:
    """A short record of each sample (id, epoch, input, target, scores, error,
    usage, ...), as Inspect's viewer lists them: the summaries a `.eval` log
    stores (also while its eval runs), or for a `.json` log those of its
    samples, read one at a time."""
    source = log_source(log_file)
    with _reading(source):
        fmt = log_format(source, format)
        stored = fmt.read_summaries(source)
        if stored is not None:
            return stored_summaries(stored, storage.source_name(source))
        return [sample_summary(to_tree(sample)) for sample in fmt.read_samples(source, None)]


class WriteEvalLogResult(msgspec.Struct):
    """What `write_eval_log` did: the written object's ETag (remote logs; None
    for local files)."""

    etag: str | None = None


def write_eval_log(
    log: EvalLog,
    location: str | os.PathLike[str] | None = None,
    format: str | None = "auto",
    if_match_etag: str | None = None,
    header_only: bool = False,
    *,
    compression: Compression = "deflate",
    overwrite: bool = False,
) -> WriteEvalLogResult:
    """Write a log atomically; the format follows the suffix unless given.

    An existing file is replaced only when it holds a log of the same run
    (or with `overwrite`); where no file exists, the log is created only if
    none appears meanwhile (a conditional write on S3): a log is never lost
    to a different run or a concurrent writer that chose the same name.
    With `header_only`, only the header is written: the samples already in
    the file stay. `if_match_etag` (remote logs) writes only if the object is
    still the version with that ETag; WriteConflictError otherwise.
    """
    target = location if location is not None else log.location
    if target is None:
        raise LogError("write_eval_log: no location given and the log has none")
    url = os.fspath(target)
    settings.load_dotenv()
    with storage.errors(url):
        fmt = log_format(url, format, sniff=False)
        if header_only:
            log = _with_stored_samples(log, url, fmt)
        exclusive = not overwrite and if_match_etag is None and not _replaceable(log, url)
        try:
            with _faithful.trees_for(log, fmt.name, compression) as trees:
                fmt.write_log(log, url, compression, exclusive=exclusive, if_match=if_match_etag, trees=trees)
            etag = storage.etag_of(url)
        except ExistsError:
            raise LogExistsError(f"{url} was created by another writer meanwhile; not replacing it") from None
    log.__dict__["_location"] = url
    log.__dict__["_etag"] = etag
    return WriteEvalLogResult(etag=etag)


def _with_stored_samples(log: EvalLog, url: str, fmt: LogFormat) -> EvalLog:
    """`log` with the samples (and entries we do not know) of the log stored at
    `url`; without samples where nothing is stored yet, as Inspect writes a new
    file header-only rather than with the samples held in memory."""
    try:
        stamp = _faithful.stamp_of(url)
        stored = fmt.read_log(url, False, None)
    except NotFoundError:
        return copy_struct(log, samples=None)
    out = msgspec.structs.replace(log, samples=stored.samples)
    out.__dict__.update({k: v for k, v in stored.__dict__.items() if k not in out.__dict__})
    _faithful.remember(out, url, fmt.name, False, stamp)  # the stored samples are copied as they are
    return out


def _replaceable(log: EvalLog, url: str) -> bool:
    """Whether a log exists at `url` that this one may replace (one of the same
    run); False when there is none; LogExistsError when there is another file."""
    try:
        existing = read_eval_log(url, header_only=True)
    except NotFoundError:
        return False
    except LogError as ex:
        raise LogExistsError(f"{url} exists and is not a readable log; not replacing it ({ex})") from None
    if existing.eval.run_id != log.eval.run_id:
        raise LogExistsError(f"{url} holds a log of another run (run_id {existing.eval.run_id}); not replacing it")
    return True
