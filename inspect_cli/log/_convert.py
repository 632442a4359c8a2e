"""Convert logs between the two formats."""

from __future__ import annotations

import os

import msgspec

from .. import storage
from ..errors import InspectCliError, LogExistsError
from ._file import FORMATS, log_format, read_eval_log, write_eval_log
from ._list import list_eval_logs
from ._resolve import ResolveAttachments, attachment_mode


class Conversion(msgspec.Struct):
    source: str
    target: str
    error: InspectCliError | None = None


def convert_eval_logs(
    path: str,
    to: str,
    output_dir: str,
    overwrite: bool = False,
    resolve_attachments: ResolveAttachments = False,
    stream: int | bool = False,
) -> list[Conversion]:
    """Write each log at `path` (a log file, or a directory of logs, searched
    recursively) to `output_dir` in format `to`, keeping relative folders.

    A target that exists is left alone unless `overwrite`; each log's outcome
    (and error) is returned, so one bad log does not stop the others.
    `resolve_attachments` ("core", "full" or True) writes `.json` logs with
    their samples' shared storage expanded; as with Inspect, it does nothing
    for `.eval` targets (stored condensed) or with `stream` (samples
    converted as stored).
    """
    suffix = FORMATS[to].suffix if to in FORMATS else None
    if suffix is None:
        raise InspectCliError(f"unknown log format '{to}' (use 'eval' or 'json')")
    attachment_mode(resolve_attachments)  # a bad value fails before any log is read
    resolve = resolve_attachments if to == "json" and not stream else False
    if storage.is_dir(path):
        sources = [(log.name, _relative(log.name, path)) for log in list_eval_logs(path)]
    else:
        log_format(path)  # fails early on a file that is not a log
        sources = [(path, os.path.basename(storage.local_path(path) if storage.is_local(path) else path))]
    results = []
    for source, relative in sources:
        target = storage.join(output_dir, os.path.splitext(relative)[0] + suffix)
        result = Conversion(source, target)
        try:
            if storage.is_dir(target):
                raise LogExistsError(f"{target} is a directory; not replacing it")
            if not overwrite and storage.exists(target):
                raise LogExistsError(f"{target} exists (use --overwrite to replace it)")
            log = read_eval_log(source, resolve_attachments=resolve)
            try:
                write_eval_log(log, target, overwrite=overwrite)
            except LogExistsError:
                # Absent a moment ago: another writer (a concurrent convert) created it since.
                raise LogExistsError(
                    f"{target} exists (another writer created it meanwhile; use --overwrite to replace it)"
                ) from None
        except InspectCliError as ex:
            result.error = ex
        results.append(result)
    return results


def _relative(uri: str, root: str) -> str:
    if storage.is_local(uri):
        return os.path.relpath(storage.local_path(uri), os.path.abspath(storage.local_path(root)))
    base = root.rstrip("/") + "/"
    return uri[len(base) :] if uri.startswith(base) else uri.rsplit("/", 1)[-1]
