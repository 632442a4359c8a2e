"""`inspect list logs` (and its newer spelling `inspect log list`)."""

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
        _table(records)
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


def _table(records: list[dict[str, Any]]) -> None:
    """A table on a terminal; tab-separated lines when piped (for scripts)."""
    rows = [
        tuple(
            _secrets.redact(cell)
            for cell in (
                r["name"],
                r["status"],
                r["model"],
                r["created"],
                "" if r["total_samples"] is None else f"{r['completed_samples'] or 0}/{r['total_samples']}",
                _headline(r["headline"]),
            )
        )
        for r in records
    ]
    import sys

    if not sys.stdout.isatty():
        for row in rows:
            print("\t".join(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("name", no_wrap=True, overflow="ellipsis", ratio=3)
    for column in ("status", "model", "created", "samples", "headline"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


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
