"""`inspect list logs` (and its newer spelling `inspect log list`)."""

import os
import re
from typing import Annotated, Any

import typer

from .. import _secrets, settings, storage
from ..errors import ExitCode
from . import _options as opt
from ._output import display_name, error, note, write_json

app = typer.Typer(help="List logs.", no_args_is_help=True)

Long = Annotated[
    bool,
    typer.Option(
        "--long",
        "-l",
        help="Also show each log's status, model, created time, sample counts and headline metric "
        "(reads every header, concurrently).",
    ),
]


def list_logs(
    log_dir: opt.LogDir = None,
    status: opt.StatusFilter = None,
    retryable: opt.Retryable = False,
    json_: opt.Json = False,
    recursive: opt.Recursive = True,
    absolute: opt.Absolute = False,
    long: Long = False,
) -> None:
    """List the logs in the log directory, newest first (one name per line)."""
    from ..log._list import list_eval_logs, select_eval_logs

    root = settings.log_dir(log_dir)
    found = list_eval_logs(root, recursive=recursive)
    if not found and storage.is_local(root) and not storage.exists(root):
        note(f"{root}: no such log directory (nothing to list)")
    selection = select_eval_logs(found, status.value if status else None, retryable, need_headers=long)
    for log, problem in selection.failures:
        error(f"skipped {display_name(log.name, absolute)}: {problem}")
    records = [_record(log, absolute, selection.headers if long else None) for log in selection.logs]
    if json_:
        write_json(records)
    elif long:
        _table([(log.name, record) for log, record in zip(selection.logs, records)], root, absolute)
    else:
        for record in records:
            print(record["name"])
    if selection.failures:
        raise typer.Exit(ExitCode.PARTIAL)


def _record(log: Any, absolute: bool, headers: dict[str, Any] | None) -> dict[str, Any]:
    from ..log._list import log_summary

    record = {field: getattr(log, field) for field in log.__struct_fields__}
    record["name"] = display_name(log.name, absolute)
    if headers is not None:
        record.update(log_summary(headers[log.name]))
    return record


def _table(entries: list[tuple[str, dict[str, Any]]], root: str, absolute: bool) -> None:
    """A table on a terminal; tab-separated lines when piped (for scripts)."""
    import sys

    if not sys.stdout.isatty():
        for _, r in entries:
            cells = (r["name"], r["status"], r["model"], r["created"], _samples(r), _headline(r["headline"]), _error(r))
            print(_secrets.redact("\t".join(cells)))
        return
    from rich.console import Console

    console = Console()
    console.print(long_table(entries, root, absolute, console.width))


# Columns of the table, and how it narrows to fit: each step shrinks one
# column to at least its floor (0: the column goes), until the table fits.
# The name gives way first; status, samples and the result last. `result` is
# the headline metric, or for an errored log (which has none) its error,
# wrapped rather than cut.
_COLUMNS = ("name", "status", "model", "created", "samples", "result")
_NARROWING = (
    ("result", 40),
    ("name", 28),
    ("created", 0),
    ("model", 14),
    ("result", 24),
    ("name", 16),
    ("model", 0),
    ("name", 10),
    ("result", 12),
)
_GAP = 2  # spaces between columns
_STATUS_STYLE = {"success": "green", "error": "red", "cancelled": "yellow", "started": "cyan"}


def long_table(entries: list[tuple[str, dict[str, Any]]], root: str, absolute: bool, width: int) -> Any:
    """The `--long` table of (log URI, record) for a terminal `width` columns
    wide: log names relative to the log dir `root` (absolute with `absolute`),
    the created time to the minute, the error's first line."""
    from rich.table import Table
    from rich.text import Text

    rows = [
        {
            "name": r["name"] if absolute else _within(uri, root),
            "status": r["status"],
            "model": r["model"],
            "created": r["created"][:16].replace("T", " "),
            "samples": _samples(r),
            "result": _error(r) if r["status"] == "error" else _headline(r["headline"]),
        }
        for uri, r in entries
    ]
    rows = [{k: _secrets.redact(v) for k, v in row.items()} for row in rows]
    widths = fit_columns({c: max([len(c), *(len(row[c]) for row in rows)]) for c in _COLUMNS}, width)
    shown = [c for c in _COLUMNS if widths[c] > 0]
    title = None if absolute else f"in {_shown_root(root)}"
    table = Table(box=None, pad_edge=False, padding=(0, _GAP // 2), header_style="bold", title=title)
    table.title_justify = "left"
    for column in shown:
        table.add_column(column, width=widths[column], no_wrap=True, overflow="ellipsis")
    for row in rows:
        row["name"] = short_name(row["name"], widths["name"])
        cells: dict[str, Any] = {**row, "status": Text(row["status"], style=_STATUS_STYLE.get(row["status"], ""))}
        if row["status"] == "error":  # an error wraps: its end says what went wrong
            cells["result"] = Text(row["result"], style="red", no_wrap=False, overflow="fold")
        table.add_row(*(cells[c] for c in shown))
    return table


def fit_columns(widths: dict[str, int], width: int) -> dict[str, int]:
    """Column widths narrowed (see `_NARROWING`) to fit `width` characters."""
    out = dict(widths)

    def total() -> int:
        shown = [w for w in out.values() if w > 0]
        return sum(shown) + _GAP * (len(shown) - 1)

    for column, floor in _NARROWING:
        excess = total() - width
        if excess <= 0:
            break
        if out[column] <= floor:
            continue
        out[column] = 0 if floor == 0 else max(floor, out[column] - excess)
    out["name"] = min(widths["name"], out["name"] + max(0, width - total()))  # room a dropped column left
    return out


def short_name(name: str, width: int) -> str:
    """A log name cut to `width`: its creation time goes first (the table is
    sorted by it and names start with it), then its folder, then its end, so
    that the task stays readable."""
    if len(name) <= width:
        return name
    folder, _, base = name.rpartition("/")
    folder = folder + "/" if folder else ""
    if _CREATED_PREFIX.match(base):
        core = _CREATED_PREFIX.sub("", base)
        if len(folder) + 1 + len(core) <= width:
            return folder + "…" + core
        name = "…" + core  # the task before the folder
    return name[: max(0, width - 1)] + "…"


_CREATED_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d-]+_")


def _within(uri: str, root: str) -> str:
    """A log's name relative to the log dir (as given when it is not under it)."""
    if storage.is_local(uri) and storage.is_local(root):
        path = os.path.abspath(storage.local_path(uri))
        base = os.path.abspath(storage.local_path(root))
        return os.path.relpath(path, base) if path.startswith(base + os.sep) else os.path.relpath(path)
    prefix = root.rstrip("/") + "/"
    return uri[len(prefix) :] if uri.startswith(prefix) else uri


def _shown_root(root: str) -> str:
    if not storage.is_local(root):
        return root
    path = storage.local_path(root)
    return os.path.relpath(path) if os.path.isabs(path) else path


def _samples(record: dict[str, Any]) -> str:
    """`finished/planned`; `?` where the log does not tell (a `.json` log without results)."""
    if record["total_samples"] is None:
        return ""
    finished = record["completed_samples"]
    return f"{'?' if finished is None else finished}/{record['total_samples']}"


def _error(record: dict[str, Any]) -> str:
    message = record.get("error") or ""
    return " ".join(message.split("\n", 1)[0].split())


def _headline(headline: dict[str, Any] | None) -> str:
    if not headline or not isinstance(headline["value"], (int, float)):
        return ""
    return f"{headline['scorer']}/{headline['metric']}={headline['value']:.4g}"


app.command("logs")(list_logs)


def list_tasks(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PATHS]...", help="Files and folders to search (default: the current folder).", show_default=False
        ),
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "-F",
            "--filter",
            metavar="NAME=VALUE",
            help="Only tasks whose @task attribute NAME equals VALUE (NAME~=VALUE: does not); repeatable, all must hold.",
            show_default=False,
        ),
    ] = None,
    absolute: opt.Absolute = False,
    json_: opt.Json = False,
    long: Annotated[bool, typer.Option("--long", "-l", help="Also show each task's parameters and defaults.")] = False,
) -> None:
    """List the @task functions in files and folders (read, never run), as FILE@NAME."""
    from .._engine.discovery import attribute_filter, list_tasks, signature_text

    tasks = list_tasks(paths or [], absolute=absolute, filter=attribute_filter(filters or []))
    if json_:
        write_json(tasks)
        return
    for info in tasks:
        print(f"{info.file}@{info.name}" + (f"({signature_text(info)})" if long else ""))


app.command("tasks")(list_tasks)
