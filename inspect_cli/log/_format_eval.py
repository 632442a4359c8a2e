"""The `.eval` log format: a zip archive of JSON entries.

    _journal/start.json          version, eval, plan: written when a run starts
    samples/<id>_epoch_<n>.json  one sample each
    _journal/summaries/<n>.json  sample summaries flushed while running
    summaries.json               all sample summaries
    reductions.json              per-scorer epoch reductions (absent in error logs)
    header.json                  the log without samples: written when it ends

A log still being written has no header.json: its header comes from
_journal/start.json, with status "started". A header-only read touches the
zip directory, header.json and reductions.json, never a sample.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import IO, Any, NamedTuple

import msgspec

from .. import storage
from .._console import warn
from ..errors import LogFormatError, SampleNotFoundError
from ..storage import Source
from . import _codec, _tree
from ._derive import derive_log, derive_sample, streamed_order
from ._resolve import SampleHook
from ._schema_compat import check_header, upgrade_v1_header, upgrade_v3_sample
from ._summaries import sample_summary
from ._tree import PLAIN, Trees
from ._types import EvalLog, EvalSample, EvalSampleReductions
from ._zip import Compression, ZipReader, ZipWriter

HEADER = "header.json"
START = "_journal/start.json"
SUMMARIES = "summaries.json"
REDUCTIONS = "reductions.json"
EXTRA_ENTRIES = "_extra_entries"  # where a read log keeps the entries we do not know
READ_AS_VERSION_2 = "_read_as_version_2"  # marks a version-3 log read in version 2's shape


def sample_entry(id: int | str, epoch: int) -> str:
    return f"samples/{id}_epoch_{epoch}.json"


@contextlib.contextmanager
def _open(source: Source) -> Iterator[ZipReader]:
    with storage.open_read(source) as f:
        yield ZipReader(f, storage.source_name(source))


def _header(z: ZipReader) -> dict[str, Any]:
    url = z.what
    if HEADER in z:
        header = _codec.loads(z.read(HEADER), f"{url} ({HEADER})")
    elif START in z:
        start = _codec.loads(z.read(START), f"{url} ({START})")
        if not isinstance(start, dict):
            raise LogFormatError(f"{url}: {START} is not a JSON object")
        # Still being written (or its writer died): rebuild the header.
        header = {}
        for key, value in start.items():
            header[key] = value
            if key == "version":
                header["status"] = "started"
        header.setdefault("status", "started")
    else:
        raise LogFormatError(f"{url} is not an .eval log (no {HEADER} or {START})")
    check_header(header, url, latest=3)
    return upgrade_v1_header(header)


def _convert(value: Any, cls: type, what: str) -> Any:
    try:
        return _tree.convert(value, cls)
    except msgspec.ValidationError as ex:
        raise LogFormatError(f"{what}: {ex}") from None


_REDUCTIONS = list[EvalSampleReductions]


def _decode(data: bytes, cls: Any, what: str) -> Any:
    try:
        return _tree.decode(data, cls, what)
    except msgspec.ValidationError as ex:
        raise LogFormatError(f"{what}: {ex}") from None


class _Unit(NamedTuple):
    """A sample's entries: one monolith entry, or a folder of chunks."""

    id: str
    epoch: int
    entries: tuple[str, ...]  # the monolith entry; or every entry of the folder
    chunked: bool


_MONOLITH = re.compile(r"^samples/(.+)_epoch_(\d+)\.json$")
_CHUNKED = re.compile(r"^samples/(.+)_epoch_(\d+)/(.+)$")


def _sort_key(unit: _Unit) -> tuple[int, int, int | str]:
    """Inspect's order: by epoch, then id, integers (by value) before strings."""
    numeric = unit.id.lstrip("-").isdigit()
    return (unit.epoch, 0 if numeric else 1, int(unit.id) if numeric else unit.id)


def _units(z: ZipReader) -> tuple[list[_Unit], list[str]]:
    """The samples of an archive in Inspect's order, and the entries under
    `samples/` that make no sample (reported, never silently dropped)."""
    monoliths: list[_Unit] = []
    folders: dict[tuple[str, int], list[str]] = {}
    stray: list[str] = []
    for name in z.names():
        if not name.startswith("samples/"):
            continue
        if m := _MONOLITH.match(name):
            monoliths.append(_Unit(m.group(1), int(m.group(2)), (name,), False))
        elif m := _CHUNKED.match(name):
            folders.setdefault((m.group(1), int(m.group(2))), []).append(name)
        else:
            stray.append(name)
    chunked = []
    for (id, epoch), names in folders.items():
        if f"samples/{id}_epoch_{epoch}/{_SHELL}" in names:
            chunked.append(_Unit(id, epoch, tuple(names), True))
        else:
            stray.extend(names)  # chunks without their sample's shell: a sample cut short
    return sorted([*monoliths, *chunked], key=_sort_key), stray


_SHELL = "sample.json"
_SEQUENCES = ("messages", "events", "calls", "attachments")


def _chunked_sample(z: ZipReader, unit: _Unit) -> dict[str, Any]:
    """A sample stored in chunks (Inspect's chunked per-sample layout), whole:
    the shell, its metadata, and the message, event, call and attachment
    sequences concatenated in order (chunks are named by their first item).
    Messages are a pool the final conversation (`message_refs`) and the model
    events (`input_refs`) point into, as `events_data` holds them; chunks
    refer to attachments by their position."""
    prefix = f"samples/{unit.id}_epoch_{unit.epoch}/"

    def load(name: str) -> Any:
        return _codec.loads(z.read(name), f"{z.what} ({name})")

    shell = load(prefix + _SHELL)
    if not isinstance(shell, dict):
        raise LogFormatError(f"{z.what}: {prefix}{_SHELL} is not a JSON object")
    sequences: dict[str, list[Any]] = {}
    for sequence in _SEQUENCES:
        chunks = []
        for name in unit.entries:
            rest = name[len(prefix) :]
            head, _, stem = rest.partition("/")
            if head == sequence and stem.endswith(".json") and stem[:-5].isdigit():
                chunks.append((int(stem[:-5]), name))
        items: list[Any] = []
        for _, name in sorted(chunks):
            chunk = load(name)
            if not isinstance(chunk, list):
                raise LogFormatError(f"{z.what}: {name} is not a JSON list")
            items.extend(chunk)
        sequences[sequence] = items
    sample = {k: v for k, v in shell.items() if k != "message_refs"}
    if prefix + "metadata.json" in unit.entries:
        sample["metadata"] = load(prefix + "metadata.json")
    pool = sequences["messages"]
    sample["messages"] = [m for start, end in shell.get("message_refs") or [] for m in pool[start:end]]
    events = sequences["events"]
    if prefix + "events/uuids.json" in unit.entries:
        uuids = load(prefix + "events/uuids.json")
        if isinstance(uuids, list):
            for event, uuid in zip(events, uuids):
                if isinstance(event, dict) and uuid is not None and "uuid" not in event:
                    event["uuid"] = uuid
    sample["events"] = events
    if pool or sequences["calls"]:
        sample["events_data"] = {"messages": pool, "calls": sequences["calls"]}
    if sequences["attachments"]:
        sample["attachments"] = {str(i): text for i, text in enumerate(sequences["attachments"])}
    return sample


def _sample(z: ZipReader, unit: _Unit, hook: SampleHook | None) -> EvalSample:
    name = unit.entries[0] if not unit.chunked else f"samples/{unit.id}_epoch_{unit.epoch}/{_SHELL}"
    what = f"{z.what} ({name})"
    try:
        if unit.chunked:
            value: Any = _chunked_sample(z, unit)
        else:
            data = z.read(name)
            if hook is None and b'"message_pool"' not in data and b'"call_pool"' not in data:
                return derive_sample(_tree.decode(data, EvalSample, what))
            value = hook.load(data, what) if hook is not None else _codec.loads(data, what)
        if isinstance(value, dict):
            value = upgrade_v3_sample(value)
            if hook is not None:
                value = hook(value)
        return derive_sample(_tree.convert(value, EvalSample))
    except msgspec.ValidationError as ex:
        raise LogFormatError(f"{what}: {ex}") from None


def _samples(z: ZipReader, hook: SampleHook | None, header: dict[str, Any] | None = None) -> Iterator[EvalSample]:
    """Every sample in Inspect's order (a whole read's, or with `header` the
    streamed one); sample data that makes no sample is reported (a warning
    naming it), and fails the read if it is all there is."""
    units, stray = _units(z)
    if header is not None:
        key = streamed_order(header)
        units.sort(key=lambda unit: key(int(unit.id) if unit.id.lstrip("-").isdigit() else unit.id, unit.epoch))
    if stray:
        shown = ", ".join(stray[:5]) + (f" and {len(stray) - 5} more" if len(stray) > 5 else "")
        if not units:
            raise LogFormatError(f"{z.what} holds sample data that makes no sample: {shown}")
        warn(f"{z.what}: entries that make no sample were left out: {shown}")
    for unit in units:
        yield _sample(z, unit, hook)


def _extra_entries(z: ZipReader) -> dict[str, tuple[int, int, int, bytes]]:
    """Entries this reader does not know (a newer Inspect's, another tool's),
    as stored: written back unchanged, so a rewrite loses nothing."""
    return {name: z.read_packed(name) for name in z.names() if not _known(name)}


def _known(name: str) -> bool:
    return (
        name in (HEADER, START, SUMMARIES, REDUCTIONS)
        or name.startswith("samples/")
        or _JOURNAL_SUMMARIES.match(name) is not None
    )


def read_log(source: Source, header_only: bool, hook: SampleHook | None = None, trailing: bool = True) -> EvalLog:
    with _open(source) as z:
        log: EvalLog = _convert(_header(z), EvalLog, z.what)
        if log.version == 3:
            log.version = 2  # what is read is version 2's shape (see upgrade_v3_sample)
            log.__dict__[READ_AS_VERSION_2] = True
        if trailing and REDUCTIONS in z:
            log.reductions = _decode(z.read(REDUCTIONS), _REDUCTIONS, f"{z.what} ({REDUCTIONS})")
        if not header_only:
            log.samples = list(_samples(z, hook))
            extra = _extra_entries(z)
            if extra:
                log.__dict__[EXTRA_ENTRIES] = extra
    return derive_log(log)


def read_samples(source: Source, hook: SampleHook | None = None, streamed: bool = False) -> Iterator[EvalSample]:
    """The samples in a whole read's order, or `streamed` in read_eval_log_samples' (see streamed_order)."""
    with _open(source) as z:
        header = _header(z)
        yield from _samples(z, hook, header if streamed else None)


def read_sample(source: Source, id: int | str, epoch: int, hook: SampleHook | None = None) -> EvalSample:
    with _open(source) as z:
        _header(z)
        wanted = (str(id), epoch)
        for unit in _units(z)[0]:
            if (unit.id, unit.epoch) == wanted:
                return _sample(z, unit, hook)
        raise SampleNotFoundError(f"{z.what}: no sample with id {id!r} and epoch {epoch}")


_JOURNAL_SUMMARIES = re.compile(r"^_journal/summaries/(\d+)\.json$")


def read_summaries(source: Source) -> list[Any]:
    """The stored sample summaries: `summaries.json` of a finished log, else
    the journal's flushes in order (a running or killed eval). A log storing
    neither has none, whatever samples it holds (as Inspect reads it)."""
    with _open(source) as z:
        _header(z)
        if SUMMARIES in z:
            names = [SUMMARIES]
        else:
            numbered = ((m, name) for name in z.names() if (m := _JOURNAL_SUMMARIES.match(name)))
            names = [name for m, name in sorted(numbered, key=lambda pair: int(pair[0].group(1)))]
        out: list[Any] = []
        for name in names:
            value = _codec.loads(z.read(name), f"{z.what} ({name})")
            if not isinstance(value, list):
                raise LogFormatError(f"{z.what}: {name} is not a JSON list")
            out.extend(value)
        return out


class Archive:
    """Writes an `.eval` archive in Inspect's layout to a binary file: the
    start entry, samples (with a journal entry of their summaries per flush),
    then the closing entries. The one place that knows the layout."""

    def __init__(self, f: IO[bytes], compression: Compression = "deflate") -> None:
        self.zip = ZipWriter(f, compression)
        self.summaries: list[dict[str, Any]] = []
        self._flushes = 0

    def start(self, log: EvalLog, header: dict[str, Any] | None = None) -> None:
        """The start entry, from `header` (the log's header value) when given."""
        if header is None:
            header = _tree.to_tree(log, exclude=("samples", "reductions", "status", "results", "stats"))
        self.zip.add(START, _codec.dumps({k: header[k] for k in ("version", "eval", "plan") if k in header}))

    def add_samples(self, samples: Sequence[EvalSample], journal: bool, trees: Trees = PLAIN) -> None:
        """The samples' entries; with `journal`, also `_journal/summaries/<n>.json`
        (what a running eval's readers list before `summaries.json` exists)."""
        summaries = []
        for sample in samples:
            tree, packed = trees.sample(sample)
            name = sample_entry(sample.id, sample.epoch)
            if packed is not None and packed[0] == self.zip.method:
                self.zip.add_raw(name, *packed)
            else:
                assert tree is not None  # (Trees gives a value whenever the entry cannot be copied)
                self.zip.add(name, _codec.dumps(tree))
            # Summaries describe the sample as read (derived values included), as
            # Inspect's do; a faithful write's value may be the file's own.
            described = tree if trees is PLAIN and tree is not None else _tree.to_tree(sample)
            summaries.append(_tree.to_tree(sample_summary(described)))
        self.summaries.extend(summaries)
        if journal and summaries:
            self._flushes += 1
            self.zip.add(f"_journal/summaries/{self._flushes}.json", _codec.dumps(summaries))

    def end(self, log: EvalLog, header: dict[str, Any] | None = None, summaries: bytes | None = None) -> None:
        """The closing entries (summaries, reductions, the entries of the log
        read that we do not know, header), then the directory. `header` is
        the log's header value and `summaries` the stored summaries to
        copy, when given."""
        if summaries is not None:
            self.zip.add(SUMMARIES, summaries)
        else:
            self.zip.add(SUMMARIES, _codec.dumps(self.summaries))
        for name, stored in (log.__dict__.get(EXTRA_ENTRIES) or {}).items():
            self.zip.add_raw(name, *stored)
        header = dict(header if header is not None else PLAIN.header(log))
        reductions = header.pop("reductions", None)
        if reductions is not None:
            self.zip.add(REDUCTIONS, _codec.dumps(reductions))
        self.zip.add(HEADER, _codec.dumps(header))
        self.zip.close()


def write_log(
    log: EvalLog,
    url: str,
    compression: Compression = "deflate",
    exclusive: bool = False,
    if_match: str | None = None,
    trees: Trees = PLAIN,
) -> None:
    with storage.atomic_write(url, exclusive, if_match) as f:
        archive = Archive(f, compression)
        header = trees.header(log)
        archive.start(log, header)
        archive.add_samples(log.samples or [], journal=True, trees=trees)  # Inspect's layout: one flush of them all
        archive.end(log, header, trees.summaries())


class LogFile:
    """An `.eval` log written while its eval runs, at a local path.

    Every step leaves a complete archive on disk, readable by Inspect and
    `unzip`: the entries written so far are copied (not recompressed) to a
    temporary file beside the log, the new entries and a directory listing
    them all are added, and the copy is renamed over the log. A crash loses
    only the samples since the last flush; the log appears once it is valid.
    """

    def __init__(self, path: str, compression: Compression = "deflate") -> None:
        self.path = path
        self._compression = compression
        self._archive: Archive | None = None

    def start(self, log: EvalLog) -> None:
        """Create the log; FileExistsError if its name is taken (never replaced)."""
        with storage.local_replacement(self.path, exclusive=True) as f:
            self._archive = Archive(f, self._compression)
            self._archive.start(log)
            self._archive.zip.close()

    def flush(self, samples: Sequence[EvalSample]) -> None:
        """Add finished samples (and a journal entry of their summaries)."""
        with self._step() as archive:
            archive.add_samples(samples, journal=True)
            archive.zip.close()

    def finish(self, log: EvalLog, samples: Sequence[EvalSample]) -> None:
        """Add the last samples and the closing entries: the log is complete."""
        with self._step(durable=True) as archive:
            archive.add_samples(samples, journal=True)
            archive.end(log)

    @contextlib.contextmanager
    def _step(self, durable: bool = False) -> Iterator[Archive]:
        archive = self._archive
        if archive is None:
            raise RuntimeError("LogFile.start() was not called")
        with storage.local_replacement(self.path, durable=durable) as f:
            storage.copy_local_prefix(self.path, f, archive.zip.data_end)
            archive.zip.continue_in(f)
            yield archive
