"""Options shared by several commands, declared once."""

from enum import Enum
from typing import Annotated

import typer


class Status(str, Enum):
    started = "started"
    success = "success"
    cancelled = "cancelled"
    error = "error"


LogDir = Annotated[
    str | None,
    typer.Option(
        "--log-dir",
        metavar="DIR",
        help="Log directory (a path or URL). Default: INSPECT_LOG_DIR (environment or .env), else ./logs.",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
StatusFilter = Annotated[
    Status | None, typer.Option("--status", help="Only logs with this status (reads each log's header).")
]
Retryable = Annotated[
    bool,
    typer.Option(
        "--retryable",
        help="Only error/cancelled logs whose task has no successful log (newest per task); applied after --status.",
    ),
]
Recursive = Annotated[bool, typer.Option("--recursive/--no-recursive", help="Include logs in subdirectories.")]
Absolute = Annotated[
    bool, typer.Option("--absolute", help="Print absolute paths instead of paths relative to the cwd.")
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help='Write NaN and +/-Infinity as the strings "NaN", "Infinity", "-Infinity" (strict JSON).',
    ),
]


class AttachmentDepth(str, Enum):
    full = "full"
    core = "core"


ResolveAttachments = Annotated[
    AttachmentDepth | None,
    typer.Option(
        "--resolve-attachments",
        metavar="[full|core]",
        help="Replace attachment:// references with their content: full everywhere, core everywhere "
        "but in model events' raw API calls.",
        show_default=False,
    ),
]
LogPath = Annotated[
    str, typer.Argument(metavar="PATH", help="Log file: a path or URL (.eval or .json).", show_default=False)
]
