"""`inspect view` (and Inspect's spelling `inspect view start`): serve the log viewer."""

import sys
from typing import Annotated

import typer

from .. import settings
from ..errors import UsageError
from . import _options as opt

Host = Annotated[
    str,
    typer.Option(
        "--host",
        metavar="HOST",
        help="Address to listen on. Beyond loopback (e.g. 0.0.0.0), set INSPECT_VIEW_AUTHORIZATION_TOKEN "
        "or pass --unsafe-allow-unauthenticated.",
    ),
]
Port = Annotated[
    int, typer.Option("--port", metavar="PORT", help="Port to listen on (0: any free port).", min=0, max=65535)
]
TrustedHost = Annotated[
    list[str] | None,
    typer.Option(
        "--trusted-host",
        metavar="HOST[:PORT]",
        help="Another Host header to answer besides loopback names (a tunnel or proxy); repeatable.",
    ),
]
Unauthenticated = Annotated[
    bool,
    typer.Option("--unsafe-allow-unauthenticated", help="Listen beyond loopback without an authorization token."),
]

OutputDir = Annotated[
    str | None,
    typer.Option(
        "--output-dir",
        metavar="DIR",
        help="Where to write the bundle (a path or URL). Default: INSPECT_VIEW_BUNDLE_OUTPUT_DIR.",
        show_default=False,
    ),
]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace the output dir if it exists and is not empty.")]

app = typer.Typer()


def view_command(
    ctx: typer.Context,
    log_dir: opt.LogDir = None,
    host: Host = "127.0.0.1",
    port: Port = 7575,
    recursive: opt.Recursive = True,
    trusted_host: TrustedHost = None,
    unsafe_allow_unauthenticated: Unauthenticated = False,
) -> None:
    """Serve a web viewer of the logs in the log dir; it follows new evaluations live.

    With INSPECT_VIEW_AUTHORIZATION_TOKEN set, API requests must carry the token
    in their Authorization header (the page asks for it once).
    """
    if ctx.invoked_subcommand is None:  # `inspect view start` serves from `start`
        _serve(log_dir, host, port, recursive, trusted_host, unsafe_allow_unauthenticated)


# `inspect view` and Inspect's spelling `inspect view start`: one command, twice.
app.callback(invoke_without_command=True)(view_command)
app.command("start")(view_command)


@app.command("bundle")
def bundle_command(log_dir: opt.LogDir = None, output_dir: OutputDir = None, overwrite: Overwrite = False) -> None:
    """Write a static copy of the viewer and the logs: open its index.html from disk, or publish it on any static host."""
    from ..log import bundle_log_dir

    target = output_dir or settings.get(settings.VIEW_BUNDLE_OUTPUT_DIR)
    if not target:
        raise UsageError("inspect view bundle needs --output-dir DIR (or INSPECT_VIEW_BUNDLE_OUTPUT_DIR)")
    bundle_log_dir(log_dir, target, overwrite)
    print(f"View bundle '{target}' created", flush=True)


def _serve(
    log_dir: str | None, host: str, port: int, recursive: bool, trusted_hosts: list[str] | None, unsafe: bool
) -> None:
    from ..view import ViewServer

    server = ViewServer(log_dir, host, port, recursive, trusted_hosts=trusted_hosts, allow_unauthenticated=unsafe)
    print(f"Inspect view: {server.url}", flush=True)
    print(f"Serving logs from {server.api.log_dir} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    server.serve_forever()
