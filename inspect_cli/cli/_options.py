"""Options shared by several commands, declared once."""

from enum import Enum
from typing import Annotated, Any

import typer
from typer.core import TyperCommand


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
BundleDir = Annotated[
    str | None,
    typer.Option(
        "--bundle-dir",
        metavar="DIR",
        help="After the run, write a static viewer of the log dir here (as `inspect view bundle`).",
        show_default=False,
    ),
]
BundleOverwrite = Annotated[
    bool, typer.Option("--bundle-overwrite", help="Replace the --bundle-dir if it exists and is not empty.")
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
RunJson = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print JSON Lines on stdout: a start record, then a done record with each task's outcome "
        "(implies --display none).",
    ),
]
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


class DisplayMode(str, Enum):
    full = "full"
    plain = "plain"
    none = "none"


class LogFormat(str, Enum):
    eval = "eval"
    json = "json"


Display = Annotated[
    DisplayMode | None,
    typer.Option("--display", help="full (progress bar on a terminal), plain (lines) or none.", show_default=False),
]
MaxConnections = Annotated[
    int | None,
    typer.Option(
        "--max-connections",
        metavar="N",
        min=1,
        help="Requests in flight per model (default 10; INSPECT_EVAL_MAX_CONNECTIONS).",
        show_default=False,
    ),
]
MaxSamples = Annotated[
    int | None,
    typer.Option(
        "--max-samples",
        metavar="N",
        min=1,
        help="Samples run at once (default max connections + 1; INSPECT_EVAL_MAX_SAMPLES).",
        show_default=False,
    ),
]
MaxRetries = Annotated[
    int | None,
    typer.Option(
        "--max-retries",
        metavar="N",
        min=0,
        help="Retries of a failed model request (429, 5xx, timeouts).",
        show_default=False,
    ),
]
Timeout = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        callback=lambda value: positive(value, "--timeout"),
        help="Seconds to wait for one model request.",
        show_default=False,
    ),
]
FailOnError = Annotated[
    float | None,
    typer.Option(
        "--fail-on-error",
        metavar="N|SHARE",
        callback=lambda value: positive(value, "--fail-on-error"),
        help="Fail the eval when this many samples (a count >= 1) or this share of them (below 1) fail. Default: the first.",
        show_default=False,
    ),
]
NoFailOnError = Annotated[bool, typer.Option("--no-fail-on-error", help="Never fail the eval because samples failed.")]
LogBuffer = Annotated[
    int | None,
    typer.Option(
        "--log-buffer",
        metavar="N",
        min=1,
        help="Samples to finish before each write of the log (10 locally, 100 remote).",
        show_default=False,
    ),
]


def positive(value: float | None, option: str) -> float | None:
    if value is not None and not value > 0:
        raise typer.BadParameter(f"must be more than 0, got {value:g}", param_hint=f"'{option}'")
    return value


def _reducer(value: str | None) -> str | None:
    """An epoch reducer name, checked now (not after the samples ran)."""
    from ..errors import UsageError
    from ..log._metrics import reducer

    if value is not None:
        try:
            reducer(value)
        except UsageError as ex:
            raise typer.BadParameter(str(ex), param_hint="'--epochs-reducer'") from None
    return value


# -- running evals (`eval`, `eval-set`) ----------------------------------------

Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="PROVIDER/NAME",
        help="Model as provider/name (default INSPECT_EVAL_MODEL).",
        show_default=False,
    ),
]
ModelBaseUrl = Annotated[
    str | None,
    typer.Option("--model-base-url", metavar="URL", help="Base URL of the model API.", show_default=False),
]
ModelArg = Annotated[
    list[str] | None, typer.Option("-M", "--model-arg", metavar="NAME=VALUE", help="Model argument (repeatable).")
]
TaskArg = Annotated[
    list[str] | None, typer.Option("-T", "--task-arg", metavar="NAME=VALUE", help="Task argument (repeatable).")
]
LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option("--log-format", help="eval or json (default INSPECT_LOG_FORMAT, else eval).", show_default=False),
]
Limit = Annotated[
    str | None,
    typer.Option("--limit", metavar="N|START-END", help="Run the first N samples (or START-END).", show_default=False),
]
SampleId = Annotated[
    str | None,
    typer.Option(
        "--sample-id", metavar="ID[,ID...]", help="Run only these sample ids (comma-separated).", show_default=False
    ),
]
Epochs = Annotated[
    int | None, typer.Option("--epochs", metavar="N", min=1, help="Times to run each sample.", show_default=False)
]
EpochsReducer = Annotated[
    str | None,
    typer.Option(
        "--epochs-reducer",
        metavar="REDUCER",
        callback=_reducer,
        help="mean (default), median, mode, max, at_least_K.",
        show_default=False,
    ),
]
Temperature = Annotated[
    float | None,
    typer.Option(
        "--temperature", metavar="T", min=0.0, help="Sampling temperature sent to the model.", show_default=False
    ),
]
TopP = Annotated[
    float | None,
    typer.Option(
        "--top-p",
        metavar="P",
        min=0.0,
        max=1.0,
        help="Nucleus sampling: the probability mass to sample from.",
        show_default=False,
    ),
]
TopK = Annotated[
    int | None,
    typer.Option(
        "--top-k", metavar="K", min=1, help="Sample from the K most likely tokens (Anthropic).", show_default=False
    ),
]
MaxTokens = Annotated[
    int | None,
    typer.Option(
        "--max-tokens", metavar="N", min=1, help="Most tokens the model may generate per request.", show_default=False
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(
        "--seed", metavar="N", help="Random seed for sampling (where the provider supports it).", show_default=False
    ),
]
SystemMessage = Annotated[
    str | None,
    typer.Option(
        "--system-message", metavar="TEXT", help="A system message put before every sample's input.", show_default=False
    ),
]
MessageLimit = Annotated[
    int | None,
    typer.Option(
        "--message-limit", metavar="N", min=1, help="Stop a sample after this many messages.", show_default=False
    ),
]
TokenLimit = Annotated[
    int | None,
    typer.Option("--token-limit", metavar="N", min=1, help="Stop a sample after this many tokens.", show_default=False),
]
TimeLimit = Annotated[
    int | None,
    typer.Option(
        "--time-limit", metavar="SECONDS", min=1, help="Stop a sample after this many seconds.", show_default=False
    ),
]


MAX_TASKS_HELP = "Tasks (task and model pairs) run at once, sharing each model's connections"
MaxTasks = Annotated[
    int | None,
    typer.Option("--max-tasks", metavar="N", min=1, help=f"{MAX_TASKS_HELP} (default 1).", show_default=False),
]


# Options that may be given without a value, and the value they then take
# (`--cache` alone caches for 7 days), as in Inspect's command line.
OPTIONAL_VALUES = {"--cache": "7D"}


def with_optional_values(args: list[str]) -> list[str]:
    """`args` with the implied value put after each option of OPTIONAL_VALUES
    given bare: last, or followed by another option."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + args[i:]
        out.append(arg)
        implied = OPTIONAL_VALUES.get(arg)
        if implied is not None and (i + 1 == len(args) or (args[i + 1].startswith("-") and args[i + 1] != "-")):
            out.append(implied)
    return out


class RunCommand(TyperCommand):
    """The run commands (`eval`, `eval-set`): they take OPTIONAL_VALUES options."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, with_optional_values(list(args)))


def _cache_value(value: str | None) -> str | None:
    """An expiry or a policy file, checked now (not at the first request)."""
    from ..errors import UsageError
    from ..model._cache import load_policy

    if value is not None:
        try:
            load_policy(value)
        except UsageError as ex:
            raise typer.BadParameter(str(ex), param_hint="'--cache'") from None
    return value


Cache = Annotated[
    str | None,
    typer.Option(
        "--cache",
        metavar="[EXPIRY]",
        callback=_cache_value,
        help="Answer repeated model requests from the local cache, keeping new outputs for EXPIRY "
        "(a number and a unit: s, m, h, D, W, M, Y; default 7D). EXPIRY may also be a YAML or JSON "
        "file of CachePolicy fields (expiry, per_epoch, scopes).",
        show_default=False,
    ),
]
