"""`inspect info ...`: the log commands as Inspect 0.3.18 to 0.3.45 spelled them."""

from typing import Annotated

import typer

from .. import storage
from . import _options as opt
from ._output import document
from .log import headers as _headers
from .log import schema as _schema
from .log import types as _types

app = typer.Typer(help="Read logs (older spelling of `inspect log`).", no_args_is_help=True)


@app.command("log-file")
def log_file(
    args: Annotated[
        list[str],
        typer.Argument(metavar="PATH [MB]", help="Log file: a path or URL (.eval or .json).", show_default=False),
    ],
    header_only: Annotated[
        bool,
        typer.Option(
            "--header-only",
            help="Print only the header. Also takes a number of MB (`--header-only 10 PATH`): "
            "header only when the file is larger than that (0: always), as Inspect 0.3.26+ does.",
        ),
    ] = False,
    strict: opt.Strict = False,
    resolve_attachments: opt.ResolveAttachments = None,
) -> None:
    """Print a log file as JSON."""
    from ..log._dump import dump_eval_log

    path, threshold_mb = _path_and_threshold(args, header_only)
    only_header = header_only and (threshold_mb == 0 or storage.info(path).size > threshold_mb * 1024 * 1024)
    with document() as write:
        dump_eval_log(
            path,
            write,
            header_only=only_header,
            strict=strict,
            resolve_attachments=resolve_attachments.value if resolve_attachments else False,
        )


def _path_and_threshold(args: list[str], header_only: bool) -> tuple[str, int]:
    """The log path and the --header-only size threshold (MB), from the arguments.

    `--header-only` is a flag in Inspect 0.3.18 and takes an optional number in
    0.3.26+; both spellings parse here, so the number arrives as an argument.
    """
    if len(args) == 1:
        return args[0], 0
    numbers = [a for a in args if a.isdigit()]
    if header_only and len(args) == 2 and len(numbers) >= 1:
        threshold = numbers[0]
        path = args[1] if args[0] == threshold else args[0]
        return path, int(threshold)
    raise typer.BadParameter("expected one log file (and, after --header-only, an optional number of MB)")


@app.command("log-file-headers")
def log_file_headers(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Log files (paths or URLs).")],
    strict: opt.Strict = False,
) -> None:
    """Print the headers of several logs as one JSON list."""
    _headers(paths, strict)


@app.command("log-schema")
def log_schema() -> None:
    """Print the JSON Schema of the log format."""
    _schema()


@app.command("log-types")
def log_types() -> None:
    """Print TypeScript declarations of the log format."""
    _types()
