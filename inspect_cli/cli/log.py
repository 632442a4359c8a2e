"""`inspect log ...`: the log commands (Inspect 0.3.46+ spelling)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..log._dump import dump_eval_log
from . import _options as opt
from ._output import write_bytes
from .list import list_logs

app = typer.Typer(help="Query, read and convert logs.", no_args_is_help=True)

app.command("list")(list_logs)


@app.command("dump")
def dump(
    path: opt.LogPath,
    header_only: Annotated[bool, typer.Option("--header-only", help="Read and print only the log header.")] = False,
    strict: opt.Strict = False,
    resolve_attachments: opt.ResolveAttachments = False,
) -> None:
    """Print a log file as JSON."""
    dump_eval_log(path, write_bytes, header_only=header_only, strict=strict, resolve_attachments=resolve_attachments)
