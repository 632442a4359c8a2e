"""Static viewer bundles: the viewer's page and a log dir's data as plain
files, readable from any static host and from `file://`.

    OUT/index.html              the viewer page (data source: the files below)
    OUT/robots.txt              keeps the bundle out of search engines
    OUT/assets/                 app.js, style.css, icon.svg
    OUT/logs/...                the logs as they are, and Inspect's `listing.json`
    OUT/data/listing.js         one row per log: what the list page shows
    OUT/data/logs/<n>/header.js, summaries.js, samples/<k>.js
                                a log's page and its samples, loaded on demand

Browsers do not let a page opened from `file://` fetch files, but they run
the scripts it names: every data file is a script handing its JSON (as a
string) to the page's `inspectData(path, json, error)`, so the same files
work from disk and over HTTP. The data comes from `ViewApi`, as the live
server's does, so both show the same.

`embed_viewer(log_dir)` writes the same viewer into a log dir itself, beside
its logs, which it links to in place instead of copying:

    LOG_DIR/index.html, robots.txt, listing.json (as Inspect names them)
    LOG_DIR/assets/             app.js, style.css, icon.svg
    LOG_DIR/assets/data/...     the data files above

None of these is a log file, so listings and eval sets do not take them for logs.

The viewer's page is package data of `inspect_cli.view`, read as files (the
log layer imports nothing from the view layer).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from .. import settings, storage
from ..errors import ExistsError, InspectCliError, NotFoundError, UsageError
from . import _codec
from ._headline import headline_metric
from ._tree import to_tree
from ._types import EvalLog
from ._view_api import ViewApi

STATIC_DIR = Path(__file__).resolve().parents[1] / "view" / "static"
ASSETS = ("app.js", "style.css", "icon.svg")
LISTING = "listing.json"  # Inspect's summary of a bundle's logs, in OUT/logs
ROBOTS = b"User-agent: *\nDisallow: /\n"
# A bundle has no server to send headers: the page states its own policy. The
# page loads scripts from its own folder only (data files too), never fetches.
CSP = (
    "default-src 'none'; script-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)

Write = Callable[[str, bytes], None]
EMBED_DATA = "assets/data/"  # an embedded viewer's data files, in the log dir


def bundle_log_dir(
    log_dir: str | None = None,
    output_dir: str | None = None,
    overwrite: bool = False,
    fs_options: dict[str, Any] = {},  # noqa: B006 (Inspect's signature; never mutated)
) -> None:
    """Write a static copy of the viewer and the logs of `log_dir` (default:
    INSPECT_LOG_DIR) to `output_dir` (a path or a URL such as s3://...).

    An output dir that exists and is not empty is replaced only with
    `overwrite`; a local one is built beside it and swapped in at the end,
    so a failure leaves the old one as it was. `fs_options` go to fsspec
    for the output dir.
    """
    settings.load_dotenv()
    settings.register_secrets()
    if not output_dir:
        raise UsageError("bundle_log_dir: an output dir is needed (--output-dir)")
    source = settings.log_dir(log_dir)
    if not storage.is_dir(source):
        raise NotFoundError(f"{source}: the log dir does not exist")
    _check_apart(source, output_dir)
    api = ViewApi(source)
    if storage.is_local(output_dir):
        _bundle_local(api, source, storage.local_path(output_dir), overwrite)
    else:
        _bundle_remote(api, source, output_dir.rstrip("/"), overwrite, fs_options)


def check_bundle_dir(output_dir: str, overwrite: bool) -> None:
    """Fail now if `output_dir` holds files and may not be replaced (checked
    before an eval runs, so that a run is not wasted on a bundle refused after)."""
    if not overwrite and _occupied(output_dir, {}):
        raise ExistsError(_exists_message(output_dir))


def embed_viewer(log_dir: str, fs_options: dict[str, Any] | None = None) -> None:
    """Write the viewer into `log_dir` (a path or URL): opening its `index.html`
    (from disk or a static host) shows the logs there. Run again, it brings the
    viewer up to date with the logs (the data of logs since removed goes)."""
    if not storage.is_dir(log_dir):
        raise NotFoundError(f"{log_dir}: the log dir does not exist")
    root = log_dir.rstrip("/")
    assets = storage.join(root, "assets")
    before = {f.url for f in storage.list_files(assets, True, fs_options)}
    written: set[str] = set()

    def write(rel: str, data: bytes) -> None:
        storage.write_bytes(storage.join(root, *rel.split("/")), data)
        written.add(rel)

    _write_bundle(ViewApi(root), root, write, data=EMBED_DATA, logs="")
    # Listed files are URLs: the log dir's URL is what app.js's lacks of "assets/app.js".
    listed = storage.list_files(assets, True, fs_options)
    base = next(f.url for f in listed if f.url.endswith("/assets/app.js"))[: -len("assets/app.js")]
    for url in sorted(before - {f.url for f in listed if f.url[len(base) :] in written}):
        storage.remove(url)


def _check_apart(log_dir: str, output_dir: str) -> None:
    """The bundle may not be written into the log dir (it would bundle itself
    next time), nor the log dir lie in the bundle (overwriting would delete logs)."""
    if storage.is_local(log_dir) != storage.is_local(output_dir):
        return
    if storage.is_local(log_dir):
        logs = os.path.realpath(storage.local_path(log_dir))
        out = os.path.realpath(storage.local_path(output_dir))
        sep = os.sep
    else:
        logs, out, sep = log_dir.rstrip("/"), output_dir.rstrip("/"), "/"
    if out == logs or out.startswith(logs + sep):
        raise UsageError(f"the output dir {output_dir} cannot be the log dir or lie inside it ({log_dir})")
    if logs.startswith(out + sep):
        raise UsageError(f"the output dir {output_dir} cannot contain the log dir ({log_dir})")


def _occupied(output_dir: str, fs_options: dict[str, Any]) -> bool:
    if storage.is_local(output_dir):
        path = storage.local_path(output_dir)
        if os.path.exists(path) and not os.path.isdir(path):
            raise ExistsError(f"{output_dir}: exists and is not a directory")
        return os.path.isdir(path) and any(os.scandir(path))
    return bool(storage.list_files(output_dir, True, fs_options))


def _exists_message(output_dir: str) -> str:
    return f"the output dir {output_dir} exists and is not empty (choose another, or pass --overwrite)"


def _bundle_local(api: ViewApi, log_dir: str, output_dir: str, overwrite: bool) -> None:
    target = os.path.abspath(output_dir)
    if _occupied(target, {}) and not overwrite:
        raise ExistsError(_exists_message(output_dir))
    parent, name = os.path.split(target)
    with storage.errors(output_dir):
        os.makedirs(parent, exist_ok=True)
        build = tempfile.mkdtemp(dir=parent, prefix=f".{name}.building-")
    try:
        os.chmod(build, storage.dir_mode())

        def write(rel: str, data: bytes) -> None:
            path = os.path.join(build, *rel.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)

        with storage.errors(output_dir):
            _write_bundle(api, log_dir, write)
            _swap(build, target)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise


def _swap(build: str, target: str) -> None:
    """Put the folder `build` in the place of `target` (two renames: the old
    bundle is moved aside first, and deleted once the new one is in place)."""
    if not os.path.lexists(target):
        os.rename(build, target)
        return
    parent, name = os.path.split(target)
    old = tempfile.mkdtemp(dir=parent, prefix=f".{name}.old-")
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(build, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _bundle_remote(api: ViewApi, log_dir: str, output_dir: str, overwrite: bool, fs_options: dict[str, Any]) -> None:
    """Object stores have no rename: the files are uploaded over the old
    ones, and what the old bundle had beyond them is deleted at the end."""
    before = {f.url for f in storage.list_files(output_dir, True, fs_options)}
    if before and not overwrite:
        raise ExistsError(_exists_message(output_dir))
    fs, root = storage.filesystem(output_dir, **fs_options)
    written: set[str] = set()

    def write(rel: str, data: bytes) -> None:
        path = f"{root}/{rel}"
        with storage.errors(f"{output_dir}/{rel}"):
            fs.pipe_file(path, data)
        written.add(f"{output_dir}/{rel}")

    _write_bundle(api, log_dir, write)
    for url in sorted(before - written):
        storage.remove(url)


# -- contents -------------------------------------------------------------------


def _write_bundle(api: ViewApi, log_dir: str, write: Write, data: str = "data/", logs: str = "logs/") -> None:
    """The bundle's files; data files under `data`, the logs copied under
    `logs` (none: the page sits in the log dir, the logs are not copied)."""
    files = api.logs()["files"]
    names = [_relative(api, f["name"]) for f in files]
    headers = api.read_headers(names)
    public = _public_message(api)
    rows = []
    for n, (file, name, header) in enumerate(zip(files, names, headers)):
        tree = {"read_error": public(header)} if isinstance(header, InspectCliError) else _list_header(header)
        rows.append({**file, "name": name, "rel": name, "data": f"logs/{n}", "header": tree})
        if logs:
            _copy_log(api, name, write, logs)
        _write_log_data(api, name, f"logs/{n}", write, public, data)
    label = log_dir if not storage.is_local(log_dir) else os.path.basename(os.path.abspath(storage.local_path(log_dir)))
    write(f"{data}listing.js", data_script("listing", {"log_dir": label, "files": rows}))
    listing = {name: _listing_entry(h) for name, h in zip(names, headers) if isinstance(h, EvalLog)}
    write(f"{logs}{LISTING}", _codec.dumps(listing, indent=True))
    for asset in ASSETS:
        write(f"assets/{asset}", (STATIC_DIR / asset).read_bytes())
    write("robots.txt", ROBOTS)
    write("index.html", bundle_page(data, logs))


def _relative(api: ViewApi, name: str) -> str:
    prefix = api.log_dir + "/"
    return name[len(prefix) :] if name.startswith(prefix) else name


def _public_message(api: ViewApi) -> Callable[[Exception], str]:
    """An error's message as a bundle shows it: logs named relative to the
    log dir (a published bundle does not tell where it was made)."""
    prefixes = [api.log_dir + "/"]
    if api.local:
        prefixes.append(storage.local_path(api.log_dir) + os.sep)

    def message(ex: Exception) -> str:
        text = str(ex)
        for prefix in prefixes:
            text = text.replace(prefix, "")
        return text

    return message


def _copy_log(api: ViewApi, name: str, write: Write, logs: str) -> None:
    """The log file as it is (for download), read through the viewer's
    confinement to the log dir."""
    size = api.log_size(name)
    write(f"{logs}{name}", api.log_bytes(name, 0, size - 1) if size else b"")


def _write_log_data(
    api: ViewApi, name: str, base: str, write: Write, public: Callable[[Exception], str], data: str
) -> None:
    """A log's header, its sample summaries and each sample, as data scripts
    (an unreadable log: an error the page shows in their place)."""
    try:
        header: list[bytes] = []
        api.log(name, header.append, header_only_mb=0)
        summaries = api.sample_summaries(name)
    except InspectCliError as ex:
        for part in ("header", "summaries"):
            write(f"{data}{base}/{part}.js", error_script(f"{base}/{part}", public(ex)))
        return
    write(f"{data}{base}/header.js", _script(f"{base}/header", b"".join(header)))
    write(f"{data}{base}/summaries.js", data_script(f"{base}/summaries", summaries))
    for k, summary in enumerate(summaries):
        path = f"{base}/samples/{k}"
        try:
            sample = data_script(path, api.sample(name, str(summary["id"]), int(summary["epoch"])))
        except InspectCliError as ex:
            sample = error_script(path, public(ex))
        write(f"{data}{path}.js", sample)


def _list_header(header: EvalLog) -> dict[str, Any]:
    """What the list page reads of a header (task, model, status, times,
    sample counts, the first score's metrics), nothing more."""
    spec = header.eval
    out: dict[str, Any] = {
        "status": header.status,
        "eval": {
            "task": spec.task,
            "model": spec.model,
            "created": spec.created,
            "dataset": {"samples": spec.dataset.samples},
        },
    }
    results = header.results
    if results is not None:
        scores = results.scores[:1]
        out["results"] = {
            "total_samples": results.total_samples,
            "completed_samples": results.completed_samples,
            "scores": [{"name": s.name, "metrics": {k: to_tree(m) for k, m in s.metrics.items()}} for s in scores],
        }
    return out


def _listing_entry(header: EvalLog) -> dict[str, Any]:
    """A log's entry in Inspect's `listing.json`."""
    spec, stats = header.eval, header.stats
    entry: dict[str, Any] = {
        "eval_id": spec.eval_id,
        "run_id": spec.run_id,
        "task": spec.task,
        "task_id": spec.task_id,
        "task_version": spec.task_version,
        "version": header.version,
        "status": header.status,
        "invalidated": header.invalidated,
    }
    if header.error is not None:
        entry["error"] = to_tree(header.error)
    entry.update(model=spec.model, started_at=stats.started_at or "", completed_at=stats.completed_at or "")
    headline = headline_metric(header)
    if headline is not None:
        metric = headline.metric
        entry["primary_metric"] = {"name": metric.name, "value": metric.value, "params": metric.params or {}}
    return entry


def _script(path: str, json_text: bytes) -> bytes:
    """A data file: a script handing `json_text` (as a string) to the page."""
    text = msgspec.json.encode(json_text.decode("utf-8"))
    return b"inspectData(" + msgspec.json.encode(path) + b", " + text + b");\n"


def data_script(path: str, value: Any) -> bytes:
    return _script(path, _codec.dumps(value))


def error_script(path: str, message: str) -> bytes:
    return b"inspectData(" + msgspec.json.encode(path) + b", null, " + msgspec.json.encode(message) + b");\n"


def bundle_page(data: str = "data/", logs: str = "logs/") -> bytes:
    """The viewer's page, set to read the bundle's data files: relative
    asset paths, its own Content-Security-Policy, `data-bundle` (where the
    data files are) and `data-logs` (where the logs are) on <body>."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    edits = [
        (
            '<meta charset="utf-8">',
            f'<meta charset="utf-8">\n  <meta http-equiv="Content-Security-Policy" content="{CSP}">',
        ),
        ('"/static/', '"assets/'),
        ("<body>", f'<body data-bundle="{data}" data-logs="{logs}">'),
    ]
    for old, new in edits:
        if old not in page:
            raise InspectCliError(f"the viewer page has no {old!r} to adapt for a bundle")
        page = page.replace(old, new)
    return page.encode("utf-8")
