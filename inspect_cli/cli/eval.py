"""`inspect eval`: run tasks from Python files against a model."""

import contextlib
import json
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from ..errors import ExitCode, InspectCliError
from . import _options as opt

Display = Annotated[
    str | None,
    typer.Option(
        "--display",
        metavar="full|plain|none",
        help="full (progress bar on a terminal), plain (lines) or none.",
        show_default=False,
    ),
]
MaxConnections = Annotated[
    int | None,
    typer.Option(
        "--max-connections",
        metavar="N",
        help="Requests in flight per model (default 10; INSPECT_EVAL_MAX_CONNECTIONS).",
        show_default=False,
    ),
]
MaxSamples = Annotated[
    int | None,
    typer.Option(
        "--max-samples",
        metavar="N",
        help="Samples run at once (default max connections + 1; INSPECT_EVAL_MAX_SAMPLES).",
        show_default=False,
    ),
]
MaxRetries = Annotated[
    int | None,
    typer.Option(
        "--max-retries", metavar="N", help="Retries of a failed model request (429, 5xx, timeouts).", show_default=False
    ),
]
Timeout = Annotated[
    float | None,
    typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for one model request.", show_default=False),
]
FailOnError = Annotated[
    float | None,
    typer.Option(
        "--fail-on-error",
        metavar="N|SHARE",
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
        help="Samples to finish before each write of the log (10 locally, 100 remote).",
        show_default=False,
    ),
]


def parse_assignments(items: list[str] | None, option: str) -> dict[str, Any]:
    """NAME=VALUE pairs; values parse as JSON where they can (numbers, true, lists), else strings."""
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=option)
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def parse_limit(value: str | None) -> int | tuple[int, int] | None:
    if value is None:
        return None
    first, sep, last = value.partition("-")
    try:
        return (int(first) - 1, int(last)) if sep else int(first)
    except ValueError:
        raise typer.BadParameter("expected N or START-END", param_hint="--limit") from None


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
        str | None,
        typer.Option(
            "--log-format",
            metavar="eval|json",
            help="eval or json (default INSPECT_LOG_FORMAT, else eval).",
            show_default=False,
        ),
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
        int | None, typer.Option("--epochs", metavar="N", help="Times to run each sample.", show_default=False)
    ] = None,
    epochs_reducer: Annotated[
        str | None,
        typer.Option(
            "--epochs-reducer",
            metavar="REDUCER",
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
        typer.Option("--temperature", metavar="T", help="Sampling temperature sent to the model.", show_default=False),
    ] = None,
    top_p: Annotated[
        float | None,
        typer.Option(
            "--top-p", metavar="P", help="Nucleus sampling: the probability mass to sample from.", show_default=False
        ),
    ] = None,
    top_k: Annotated[
        int | None,
        typer.Option(
            "--top-k", metavar="K", help="Sample from the K most likely tokens (Anthropic).", show_default=False
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens", metavar="N", help="Most tokens the model may generate per request.", show_default=False
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
            "--message-limit", metavar="N", help="Stop a sample after this many messages.", show_default=False
        ),
    ] = None,
    token_limit: Annotated[
        int | None,
        typer.Option("--token-limit", metavar="N", help="Stop a sample after this many tokens.", show_default=False),
    ] = None,
    time_limit: Annotated[
        int | None,
        typer.Option(
            "--time-limit", metavar="SECONDS", help="Stop a sample after this many seconds.", show_default=False
        ),
    ] = None,
) -> None:
    """Run evaluation tasks and write their logs."""
    from .._engine.run import Interrupted, eval
    from .._engine.task import Epochs

    failure = _fail_on_error(fail_on_error, no_fail_on_error)
    with _inspect_ai_aliased():
        logs = eval(
            tasks,
            model=model,
            model_base_url=model_base_url,
            model_args=parse_assignments(model_arg, "-M"),
            task_args=parse_assignments(task_arg, "-T"),
            log_dir=log_dir,
            log_format=log_format,
            limit=parse_limit(limit),
            sample_id=[_id(s) for s in sample_id.split(",")] if sample_id else None,
            epochs=Epochs(epochs, epochs_reducer) if epochs else None,
            fail_on_error=failure,
            max_samples=max_samples,
            max_connections=max_connections,
            max_retries=max_retries,
            timeout=timeout,
            log_buffer=log_buffer,
            display=display,
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
            display=display,
        )
    exit_for(results, Interrupted.signal)
