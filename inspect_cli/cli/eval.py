"""`inspect eval`: run tasks from Python files against a model."""

import contextlib
import json
from collections.abc import Iterator
from enum import Enum
from typing import Annotated, Any

import typer

from ..errors import ExitCode, InspectCliError
from . import _options as opt


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
        callback=lambda value: _positive(value, "--timeout"),
        help="Seconds to wait for one model request.",
        show_default=False,
    ),
]
FailOnError = Annotated[
    float | None,
    typer.Option(
        "--fail-on-error",
        metavar="N|SHARE",
        callback=lambda value: _positive(value, "--fail-on-error"),
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


def parse_assignments(items: list[str] | None, option: str) -> dict[str, Any]:
    """NAME=VALUE pairs; values parse as JSON where they can (numbers, true, lists), else strings.

    (Usage errors name the option quoted, as click does for its own checks:
    `Invalid value for '--limit': ...`.)"""
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=f"'{option}'")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def parse_limit(value: str | None) -> int | tuple[int, int] | None:
    """`N` (the first N samples) or `START-END` (1-based, inclusive)."""
    if value is None:
        return None
    first, sep, last = value.partition("-")
    try:
        start, end = (int(first), int(last)) if sep else (1, int(first))
    except ValueError:
        raise typer.BadParameter(f"expected N or START-END, got {value!r}", param_hint="'--limit'") from None
    if start < 1 or end < start:
        raise typer.BadParameter(f"expected N >= 1 or 1 <= START <= END, got {value!r}", param_hint="'--limit'")
    return (start - 1, end) if sep else end


def _positive(value: float | None, option: str) -> float | None:
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


def eval_command(
    tasks: Annotated[list[str], typer.Argument(metavar="TASKS...", help="Task files: file.py or file.py@task_name.")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="PROVIDER/NAME",
            help="Model as provider/name (default INSPECT_EVAL_MODEL).",
            show_default=False,
        ),
    ] = None,
    model_base_url: Annotated[
        str | None,
        typer.Option("--model-base-url", metavar="URL", help="Base URL of the model API.", show_default=False),
    ] = None,
    model_arg: Annotated[
        list[str] | None, typer.Option("-M", "--model-arg", metavar="NAME=VALUE", help="Model argument (repeatable).")
    ] = None,
    task_arg: Annotated[
        list[str] | None, typer.Option("-T", "--task-arg", metavar="NAME=VALUE", help="Task argument (repeatable).")
    ] = None,
    log_dir: opt.LogDir = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option("--log-format", help="eval or json (default INSPECT_LOG_FORMAT, else eval).", show_default=False),
    ] = None,
    limit: Annotated[
        str | None,
        typer.Option(
            "--limit", metavar="N|START-END", help="Run the first N samples (or START-END).", show_default=False
        ),
    ] = None,
    sample_id: Annotated[
        str | None,
        typer.Option(
            "--sample-id", metavar="ID[,ID...]", help="Run only these sample ids (comma-separated).", show_default=False
        ),
    ] = None,
    epochs: Annotated[
        int | None, typer.Option("--epochs", metavar="N", min=1, help="Times to run each sample.", show_default=False)
    ] = None,
    epochs_reducer: Annotated[
        str | None,
        typer.Option(
            "--epochs-reducer",
            metavar="REDUCER",
            callback=_reducer,
            help="mean (default), median, mode, max, at_least_K.",
            show_default=False,
        ),
    ] = None,
    max_connections: MaxConnections = None,
    max_samples: MaxSamples = None,
    max_retries: MaxRetries = None,
    timeout: Timeout = None,
    fail_on_error: FailOnError = None,
    no_fail_on_error: NoFailOnError = False,
    log_buffer: LogBuffer = None,
    display: Display = None,
    temperature: Annotated[
        float | None,
        typer.Option(
            "--temperature", metavar="T", min=0.0, help="Sampling temperature sent to the model.", show_default=False
        ),
    ] = None,
    top_p: Annotated[
        float | None,
        typer.Option(
            "--top-p",
            metavar="P",
            min=0.0,
            max=1.0,
            help="Nucleus sampling: the probability mass to sample from.",
            show_default=False,
        ),
    ] = None,
    top_k: Annotated[
        int | None,
        typer.Option(
            "--top-k", metavar="K", min=1, help="Sample from the K most likely tokens (Anthropic).", show_default=False
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            metavar="N",
            min=1,
            help="Most tokens the model may generate per request.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", metavar="N", help="Random seed for sampling (where the provider supports it).", show_default=False
        ),
    ] = None,
    system_message: Annotated[
        str | None,
        typer.Option(
            "--system-message",
            metavar="TEXT",
            help="A system message put before every sample's input.",
            show_default=False,
        ),
    ] = None,
    message_limit: Annotated[
        int | None,
        typer.Option(
            "--message-limit", metavar="N", min=1, help="Stop a sample after this many messages.", show_default=False
        ),
    ] = None,
    token_limit: Annotated[
        int | None,
        typer.Option(
            "--token-limit", metavar="N", min=1, help="Stop a sample after this many tokens.", show_default=False
        ),
    ] = None,
    time_limit: Annotated[
        int | None,
        typer.Option(
            "--time-limit", metavar="SECONDS", min=1, help="Stop a sample after this many seconds.", show_default=False
        ),
    ] = None,
) -> None:
    """Run evaluation tasks and write their logs."""
    from .._engine.run import Interrupted, eval

    failure = _fail_on_error(fail_on_error, no_fail_on_error)
    with _inspect_ai_aliased():
        logs = eval(
            tasks,
            model=model,
            model_base_url=model_base_url,
            model_args=parse_assignments(model_arg, "-M"),
            task_args=parse_assignments(task_arg, "-T"),
            log_dir=log_dir,
            log_format=log_format.value if log_format else None,
            limit=parse_limit(limit),
            sample_id=[_id(s) for s in sample_id.split(",")] if sample_id else None,
            epochs=epochs,
            epochs_reducer=epochs_reducer,
            fail_on_error=failure,
            max_samples=max_samples,
            max_connections=max_connections,
            max_retries=max_retries,
            timeout=timeout,
            log_buffer=log_buffer,
            display=display.value if display else None,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            max_tokens=max_tokens,
            seed=seed,
            system_message=system_message,
            message_limit=message_limit,
            token_limit=token_limit,
            time_limit=time_limit,
        )
    exit_for(logs, Interrupted.signal)


def _fail_on_error(count_or_share: float | None, never: bool) -> bool | float | None:
    """The eval's fail_on_error from --fail-on-error N / --no-fail-on-error."""
    if count_or_share is not None and never:
        raise typer.BadParameter("use --fail-on-error or --no-fail-on-error, not both")
    if never:
        return False
    if count_or_share is not None and count_or_share >= 1 and count_or_share.is_integer():
        return int(count_or_share)
    return count_or_share


@contextlib.contextmanager
def _inspect_ai_aliased() -> Iterator[None]:
    """Within the eval commands only, task files' `inspect_ai` imports resolve to this package."""
    from .. import _compat

    _compat.install()
    try:
        yield
    finally:
        _compat.uninstall()


def _id(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def exit_for(logs: list[Any], interrupted: int | None) -> None:
    """130 when interrupted; 1 when an eval ended in error; else 0."""
    if interrupted is not None:
        raise typer.Exit(ExitCode.INTERRUPTED)
    if any(log.status == "error" for log in logs):
        raise typer.Exit(ExitCode.ERROR)
    if not logs:
        raise InspectCliError("no tasks ran")


def eval_retry_command(
    logs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="LOG_FILES...", help="Logs to retry (e.g. $(inspect list logs --retryable)).", show_default=False
        ),
    ] = None,
    log_dir: Annotated[
        str | None,
        typer.Option(
            "--log-dir",
            metavar="DIR",
            help="Where to write the new logs (default: next to each original).",
            show_default=False,
        ),
    ] = None,
    max_connections: MaxConnections = None,
    max_samples: MaxSamples = None,
    max_retries: MaxRetries = None,
    timeout: Timeout = None,
    fail_on_error: FailOnError = None,
    no_fail_on_error: NoFailOnError = False,
    log_buffer: LogBuffer = None,
    display: Display = None,
) -> None:
    """Retry failed, cancelled or interrupted evals: samples that finished are kept, the rest run again."""
    import sys

    from .._engine.retry import eval_retry
    from .._engine.run import Interrupted

    if not logs:
        print("Nothing to retry.", file=sys.stderr)
        return
    failure = _fail_on_error(fail_on_error, no_fail_on_error)
    with _inspect_ai_aliased():
        results = eval_retry(
            logs,
            log_dir=log_dir,
            max_samples=max_samples,
            max_connections=max_connections,
            max_retries=max_retries,
            timeout=timeout,
            fail_on_error=failure,
            log_buffer=log_buffer,
            display=display.value if display else None,
        )
    exit_for(results, Interrupted.signal)
