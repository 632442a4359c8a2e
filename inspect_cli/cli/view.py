"""`inspect view`: serve the log viewer."""

import sys
from typing import Annotated

import typer

from . import _options as opt


def view_command(
    log_dir: opt.LogDir = None,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (0.0.0.0 makes the viewer reachable from other machines)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).", min=0, max=65535)] = 7575,
    recursive: opt.Recursive = True,
) -> None:
    """Serve a web viewer of the logs in the log dir; it follows new evaluations live.

    With INSPECT_VIEW_AUTHORIZATION_TOKEN set, API requests must carry the token
    in their Authorization header (the page asks for it once).
    """
    from ..view import ViewServer

    server = ViewServer(log_dir, host, port, recursive)
    print(f"Inspect view: {server.url}", flush=True)
    print(f"Serving logs from {server.api.log_dir} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    server.serve_forever()
