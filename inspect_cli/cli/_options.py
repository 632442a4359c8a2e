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
        envvar="INSPECT_EVAL_JSON",
        show_envvar=False,
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
        envvar="INSPECT_EVAL_MAX_RETRIES",
        show_envvar=False,
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
        envvar="INSPECT_EVAL_TIMEOUT",
        show_envvar=False,
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
        envvar="INSPECT_EVAL_FAIL_ON_ERROR",
        show_envvar=False,
        metavar="N|SHARE",
        callback=lambda value: positive(value, "--fail-on-error"),
        help="Fail the eval when this many samples (a count >= 1) or this share of them (below 1) fail. Default: the first.",
        show_default=False,
    ),
]
NoFailOnError = Annotated[
    bool,
    typer.Option(
        "--no-fail-on-error",
        envvar="INSPECT_EVAL_NO_FAIL_ON_ERROR",
        show_envvar=False,
        help="Never fail the eval because samples failed.",
    ),
]
LogBuffer = Annotated[
    int | None,
    typer.Option(
        "--log-buffer",
        envvar="INSPECT_EVAL_LOG_BUFFER",
        show_envvar=False,
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
    list[str] | None,
    typer.Option(
        "-M",
        "--model-arg",
        envvar="INSPECT_EVAL_MODEL_ARGS",
        show_envvar=False,
        metavar="NAME=VALUE",
        help="Model argument (repeatable).",
    ),
]
TaskArg = Annotated[
    list[str] | None,
    typer.Option(
        "-T",
        "--task-arg",
        envvar="INSPECT_EVAL_TASK_ARGS",
        show_envvar=False,
        metavar="NAME=VALUE",
        help="Task argument (repeatable).",
    ),
]
LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option("--log-format", help="eval or json (default INSPECT_LOG_FORMAT, else eval).", show_default=False),
]
Limit = Annotated[
    str | None,
    typer.Option(
        "--limit",
        envvar="INSPECT_EVAL_LIMIT",
        show_envvar=False,
        metavar="N|START-END",
        help="Run the first N samples (or START-END).",
        show_default=False,
    ),
]
SampleId = Annotated[
    str | None,
    typer.Option(
        "--sample-id",
        envvar="INSPECT_EVAL_SAMPLE_ID",
        show_envvar=False,
        metavar="ID[,ID...]",
        help="Run only these sample ids (comma-separated).",
        show_default=False,
    ),
]
Epochs = Annotated[
    int | None,
    typer.Option(
        "--epochs",
        envvar="INSPECT_EVAL_EPOCHS",
        show_envvar=False,
        metavar="N",
        min=1,
        help="Times to run each sample.",
        show_default=False,
    ),
]
EpochsReducer = Annotated[
    str | None,
    typer.Option(
        "--epochs-reducer",
        envvar="INSPECT_EVAL_EPOCHS_REDUCER",
        show_envvar=False,
        metavar="REDUCER",
        callback=_reducer,
        help="mean (default), median, mode, max, at_least_K.",
        show_default=False,
    ),
]
Temperature = Annotated[
    float | None,
    typer.Option(
        "--temperature",
        envvar="INSPECT_EVAL_TEMPERATURE",
        show_envvar=False,
        metavar="T",
        min=0.0,
        help="Sampling temperature sent to the model.",
        show_default=False,
    ),
]
TopP = Annotated[
    float | None,
    typer.Option(
        "--top-p",
        envvar="INSPECT_EVAL_TOP_P",
        show_envvar=False,
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
        "--top-k",
        envvar="INSPECT_EVAL_TOP_K",
        show_envvar=False,
        metavar="K",
        min=1,
        help="Sample from the K most likely tokens (Anthropic).",
        show_default=False,
    ),
]
MaxTokens = Annotated[
    int | None,
    typer.Option(
        "--max-tokens",
        envvar="INSPECT_EVAL_MAX_TOKENS",
        show_envvar=False,
        metavar="N",
        min=1,
        help="Most tokens the model may generate per request.",
        show_default=False,
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(
        "--seed",
        envvar="INSPECT_EVAL_SEED",
        show_envvar=False,
        metavar="N",
        help="Random seed for sampling (where the provider supports it).",
        show_default=False,
    ),
]
SystemMessage = Annotated[
    str | None,
    typer.Option(
        "--system-message",
        envvar="INSPECT_EVAL_SYSTEM_MESSAGE",
        show_envvar=False,
        metavar="TEXT",
        help="A system message put before every sample's input.",
        show_default=False,
    ),
]
MessageLimit = Annotated[
    int | None,
    typer.Option(
        "--message-limit",
        envvar="INSPECT_EVAL_MESSAGE_LIMIT",
        show_envvar=False,
        metavar="N",
        min=1,
        help="Stop a sample after this many messages.",
        show_default=False,
    ),
]
TokenLimit = Annotated[
    int | None,
    typer.Option(
        "--token-limit",
        envvar="INSPECT_EVAL_TOKEN_LIMIT",
        show_envvar=False,
        metavar="N",
        min=1,
        help="Stop a sample after this many tokens.",
        show_default=False,
    ),
]
TimeLimit = Annotated[
    int | None,
    typer.Option(
        "--time-limit",
        envvar="INSPECT_EVAL_TIME_LIMIT",
        show_envvar=False,
        metavar="SECONDS",
        min=1,
        help="Stop a sample after this many seconds.",
        show_default=False,
    ),
]


MAX_TASKS_HELP = "Tasks (task and model pairs) run at once, sharing each model's connections"
MaxTasks = Annotated[
    int | None,
    typer.Option(
        "--max-tasks",
        envvar="INSPECT_EVAL_MAX_TASKS",
        show_envvar=False,
        metavar="N",
        min=1,
        help=f"{MAX_TASKS_HELP} (default 1).",
        show_default=False,
    ),
]


# -- Inspect's run and task options (tags, metadata, solver, roles, logging, ...) --

Tags = Annotated[
    str | None,
    typer.Option(
        "--tags",
        metavar="TAG[,TAG...]",
        envvar="INSPECT_EVAL_TAGS",
        show_envvar=False,
        help="Tags recorded in the log (comma-separated).",
        show_default=False,
    ),
]
Metadata = Annotated[
    list[str] | None,
    typer.Option(
        "--metadata",
        metavar="NAME=VALUE",
        envvar="INSPECT_EVAL_METADATA",
        show_envvar=False,
        help="Metadata recorded in the log (repeatable).",
        show_default=False,
    ),
]
TaskConfig = Annotated[
    str | None,
    typer.Option(
        "--task-config",
        metavar="FILE",
        envvar="INSPECT_EVAL_TASK_CONFIG",
        show_envvar=False,
        help="Task arguments from a YAML or JSON file (-T wins).",
        show_default=False,
    ),
]
Solver = Annotated[
    str | None,
    typer.Option(
        "--solver",
        metavar="FILE.PY@NAME",
        envvar="INSPECT_EVAL_SOLVER",
        show_envvar=False,
        help="Run this @solver instead of the task's solvers.",
        show_default=False,
    ),
]
SolverArg = Annotated[
    list[str] | None,
    typer.Option(
        "-S",
        "--solver-arg",
        metavar="NAME=VALUE",
        envvar="INSPECT_EVAL_SOLVER_ARGS",
        show_envvar=False,
        help="Argument of --solver (repeatable).",
        show_default=False,
    ),
]
SolverConfig = Annotated[
    str | None,
    typer.Option(
        "--solver-config",
        metavar="FILE",
        envvar="INSPECT_EVAL_SOLVER_CONFIG",
        show_envvar=False,
        help="Arguments of --solver from a YAML or JSON file (-S wins).",
        show_default=False,
    ),
]
ModelConfig = Annotated[
    str | None,
    typer.Option(
        "--model-config",
        metavar="FILE",
        envvar="INSPECT_EVAL_MODEL_CONFIG",
        show_envvar=False,
        help="Model arguments from a YAML or JSON file (-M wins).",
        show_default=False,
    ),
]
GenerateConfigFile = Annotated[
    str | None,
    typer.Option(
        "--generate-config",
        metavar="FILE",
        envvar="INSPECT_EVAL_GENERATE_CONFIG",
        show_envvar=False,
        help="Generation settings from a YAML or JSON file (options given on the command line win).",
        show_default=False,
    ),
]
ModelRole = Annotated[
    list[str] | None,
    typer.Option(
        "--model-role",
        metavar="ROLE=MODEL",
        envvar="INSPECT_EVAL_MODEL_ROLE",
        show_envvar=False,
        help="A model for a role tasks ask for with get_model(role=ROLE) (repeatable).",
        show_default=False,
    ),
]
SampleShuffle = Annotated[
    str | None,
    typer.Option(
        "--sample-shuffle",
        metavar="[SEED]",
        envvar="INSPECT_EVAL_SAMPLE_SHUFFLE",
        show_envvar=False,
        help="Shuffle the samples before --limit picks them (with SEED: the same order every run).",
        show_default=False,
    ),
]
NoEpochsReducer = Annotated[
    bool,
    typer.Option(
        "--no-epochs-reducer",
        envvar="INSPECT_EVAL_NO_EPOCHS_REDUCER",
        show_envvar=False,
        help="Do not combine each sample's epochs: metrics see every epoch's score.",
    ),
]
NoScore = Annotated[
    bool,
    typer.Option(
        "--no-score", envvar="INSPECT_EVAL_NO_SCORE", show_envvar=False, help="Do not score the samples (score later)."
    ),
]
NoScoreDisplay = Annotated[
    bool,
    typer.Option(
        "--no-score-display",
        envvar="INSPECT_EVAL_SCORE_DISPLAY",
        show_envvar=False,
        help="Do not show scores when the eval ends.",
    ),
]
ScoreOnError = Annotated[
    bool,
    typer.Option(
        "--score-on-error",
        envvar="INSPECT_EVAL_SCORE_ON_ERROR",
        show_envvar=False,
        help="Score samples that failed too.",
    ),
]
ContinueOnFail = Annotated[
    bool,
    typer.Option(
        "--continue-on-fail",
        envvar="INSPECT_EVAL_CONTINUE_ON_FAIL",
        show_envvar=False,
        help="When sample errors fail the eval, still run the remaining samples.",
    ),
]
RetryOnError = Annotated[
    str | None,
    typer.Option(
        "--retry-on-error",
        metavar="[N]",
        envvar="INSPECT_EVAL_RETRY_ON_ERROR",
        show_envvar=False,
        help="Run a failed sample again, up to N times (bare: once).",
        show_default=False,
    ),
]
NoLogSamples = Annotated[
    bool,
    typer.Option(
        "--no-log-samples",
        envvar="INSPECT_EVAL_NO_LOG_SAMPLES",
        show_envvar=False,
        help="Write the log without its samples.",
    ),
]
NoLogRealtime = Annotated[
    bool,
    typer.Option(
        "--no-log-realtime",
        envvar="INSPECT_EVAL_NO_LOG_REALTIME",
        show_envvar=False,
        help="Write the samples once the eval ends, not as they finish.",
    ),
]
LogImages = Annotated[
    bool | None,
    typer.Option(
        "--log-images/--no-log-images",
        envvar="INSPECT_EVAL_LOG_IMAGES",
        show_envvar=False,
        help="Keep images in the log (default), or replace them with a placeholder.",
        show_default=False,
    ),
]
LogModelApi = Annotated[
    bool | None,
    typer.Option(
        "--log-model-api/--no-log-model-api",
        envvar="INSPECT_EVAL_LOG_MODEL_API",
        show_envvar=False,
        help="Record each model request and response in the log's model events (default), or not.",
        show_default=False,
    ),
]


class LogLevel(str, Enum):
    debug = "debug"
    trace = "trace"
    http = "http"
    info = "info"
    warning = "warning"
    error = "error"
    critical = "critical"
    notset = "notset"


LogLevelOption = Annotated[
    LogLevel | None,
    typer.Option(
        "--log-level",
        envvar="INSPECT_LOG_LEVEL",
        show_envvar=False,
        help="Show what tasks log at this level and above on stderr (default warning).",
        show_default=False,
    ),
]
LogLevelTranscript = Annotated[
    LogLevel | None,
    typer.Option(
        "--log-level-transcript",
        envvar="INSPECT_LOG_LEVEL_TRANSCRIPT",
        show_envvar=False,
        help="Record what tasks log at this level and above in the log (default info).",
        show_default=False,
    ),
]
TracebackLocals = Annotated[
    bool,
    typer.Option(
        "--traceback-locals",
        envvar="INSPECT_TRACEBACK_LOCALS",
        show_envvar=False,
        help="Include local variables in the tracebacks of sample errors.",
    ),
]
Env = Annotated[
    list[str] | None,
    typer.Option(
        "--env",
        metavar="NAME=VALUE",
        envvar="INSPECT_EVAL_ENV",
        show_envvar=False,
        help="Set an environment variable for the run (repeatable).",
        show_default=False,
    ),
]


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
        envvar="INSPECT_EVAL_CACHE",
        callback=_cache_value,
        help="Answer repeated model requests from the local cache, keeping new outputs for EXPIRY "
        "(a number and a unit: s, m, h, D, W, M, Y; default 7D). EXPIRY may also be a YAML or JSON "
        "file of CachePolicy fields (expiry, per_epoch, scopes).",
        show_default=False,
    ),
]
