"""`inspect list logs` (and its newer spelling `inspect log list`)."""

from __future__ import annotations

import typer

from ..errors import ExitCode
from ..log._list import list_eval_logs, select_eval_logs
from . import _options as opt
from ._output import display_name, error, write_json

app = typer.Typer(help="List logs.", no_args_is_help=True)


def list_logs(
    log_dir: opt.LogDir = None,
    status: opt.StatusFilter = None,
    retryable: opt.Retryable = False,
    json_: opt.Json = False,
    recursive: opt.Recursive = True,
    absolute: opt.Absolute = False,
) -> None:
    """List the logs in the log directory, newest first (one name per line)."""
    logs = list_eval_logs(log_dir, recursive=recursive)
    logs, failures = select_eval_logs(logs, status.value if status else None, retryable)
    for log, problem in failures:
        error(f"skipped {display_name(log.name, absolute)}: {problem}")
    if json_:
        records = []
        for log in logs:
            record = {f: getattr(log, f) for f in log.__struct_fields__}
            record["name"] = display_name(log.name, absolute)
            records.append(record)
        write_json(records)
    else:
        for log in logs:
            print(display_name(log.name, absolute))
    if failures:
        raise typer.Exit(ExitCode.PARTIAL)


app.command("logs")(list_logs)
