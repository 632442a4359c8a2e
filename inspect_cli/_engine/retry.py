"""`eval_retry()`: finish a failed, cancelled or crashed eval without redoing its work.

The task is re-created from what the log records (task file and name, task
arguments, model and its arguments, generation settings, limits, epochs).
Samples that finished without error are copied into the new log as they are;
only the others run again. The new log is a new file (the original is never
touched) that keeps the original's task id, so listings pair the two, and by
default goes next to the original, in its format.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .. import settings, storage
from .._console import warn
from .._ids import short_uuid
from .._secrets import REDACTED
from ..errors import InspectCliError, UsageError
from ..log._file import read_eval_log
from ..log._types import EvalConfig, EvalLog
from ..model._model import base_url_setting
from ..solver import SolverSpec
from .run import EvalOptions, run_coroutine, run_tasks
from .task import Epochs, resolve_tasks


def eval_retry(
    tasks: str | os.PathLike[str] | EvalLog | Sequence[str | os.PathLike[str] | EvalLog],
    log_dir: str | None = None,
    max_samples: int | None = None,
    max_connections: int | None = None,
    max_retries: int | None = None,
    timeout: float | None = None,
    attempt_timeout: float | None = None,
    fail_on_error: bool | float | None = None,
    log_buffer: int | None = None,
    display: str | None = None,
    run_id: str | None = None,
    **options: Any,
) -> list[EvalLog]:
    """Retry evals from their logs (paths, URLs or EvalLogs); returns the new logs,
    all under one run id (`run_id`, else a new one).

    `options`: Inspect's run options (max_tasks, continue_on_fail, retry_on_error,
    score_on_error, score, score_display, log_samples, log_realtime, log_images,
    log_model_api, log_level, log_level_transcript); those not given are the
    original eval's, as its log records them."""
    unknown = sorted(set(options) - set(RETRY_OPTIONS))
    if unknown:
        raise InspectCliError(f"unknown eval_retry option(s): {', '.join(unknown)}")
    settings.load_dotenv()
    settings.register_secrets()
    items: list[Any] = list(tasks) if isinstance(tasks, (list, tuple)) else [tasks]
    logs = []
    run_id = run_id or short_uuid()
    for item in items:
        previous = item if isinstance(item, EvalLog) else read_eval_log(os.fspath(item))
        logs.extend(
            run_coroutine(
                eval_async_retry(
                    previous,
                    log_dir=log_dir,
                    max_samples=max_samples,
                    max_connections=max_connections,
                    max_retries=max_retries,
                    timeout=timeout,
                    attempt_timeout=attempt_timeout,
                    fail_on_error=fail_on_error,
                    log_buffer=log_buffer,
                    display=display,
                    run_id=run_id,
                    **options,
                )
            )
        )
    return logs


async def eval_async_retry(previous: EvalLog, log_dir: str | None = None, **overrides: Any) -> list[EvalLog]:
    spec = previous.eval
    location = previous.location or ""
    if previous.status == "success":
        warn(f"{location} already succeeded; running it again reuses all of its samples")
    elif previous.status == "started":
        warn(f"{location} has status 'started': its eval may still be running (or was killed)")
    previous = with_samples(previous)
    task_file = spec.task_file
    if not task_file:
        raise InspectCliError(f"{location}: the log names no task file, so its task cannot be re-created")
    if not os.path.isfile(task_file):
        raise InspectCliError(
            f"task file not found: {task_file} (recorded in {location}; run from the folder the eval ran in)"
        )
    task_args = spec.task_args_passed if spec.task_args_passed is not None else spec.task_args
    name = spec.task_registry_name or spec.task
    [task] = resolve_tasks(f"{task_file}@{name}", dict(task_args))
    config = spec.config
    generate = {k: getattr(spec.model_generate_config, k) for k in spec.model_generate_config.__struct_fields__}
    generate = {k: v for k, v in generate.items() if v is not None}
    for key in ("max_connections", "max_retries", "timeout", "attempt_timeout"):
        if overrides.get(key) is not None:
            generate[key] = overrides[key]
    options = EvalOptions(
        model=spec.model,
        model_base_url=_base_url(spec.model, spec.model_base_url, location),
        model_args={k: v for k, v in spec.model_args.items() if v != REDACTED},
        log_dir=log_dir or _folder(location),
        log_format="json" if location.lower().endswith(".json") else "eval",
        limit=config.limit if isinstance(config.limit, int) else None,
        sample_id=config.sample_id
        if config.sample_id is None or isinstance(config.sample_id, list)
        else [config.sample_id],
        epochs=Epochs(config.epochs, config.epochs_reducer) if config.epochs else None,
        fail_on_error=overrides.get("fail_on_error")
        if overrides.get("fail_on_error") is not None
        else config.fail_on_error,
        max_samples=overrides.get("max_samples"),
        log_buffer=overrides.get("log_buffer") or config.log_buffer,
        display=overrides.get("display"),
        run_id=overrides.get("run_id"),
        message_limit=config.message_limit,
        token_limit=config.token_limit,
        time_limit=config.time_limit,
        working_limit=config.working_limit,
        turn_limit=config.turn_limit,
        cost_limit=config.cost_limit,
        metadata=spec.metadata,
        tags=spec.tags,
        sample_shuffle=config.sample_shuffle,
        model_roles={
            name: {**role, "args": {k: v for k, v in (role.get("args") or {}).items() if v != REDACTED}}
            for name, role in (spec.model_roles or {}).items()
        }
        or None,
        solver=SolverSpec(spec.solver, dict(spec.solver_args_passed or {})) if spec.solver else None,
        **_run_options(config, overrides),
        **generate,
    )
    options.retry_of = previous
    return await run_tasks([task], options)


# eval_retry()'s options beyond the transport ones, by the name the log's config records them under (if it does).
RETRY_OPTIONS = {
    "max_tasks": "max_tasks",
    "continue_on_fail": "continue_on_fail",
    "retry_on_error": "retry_on_error",
    "score_on_error": "score_on_error",
    "score": None,
    "score_display": "score_display",
    "log_samples": "log_samples",
    "log_realtime": "log_realtime",
    "log_images": "log_images",
    "log_model_api": "log_model_api",
    "log_level": None,
    "log_level_transcript": None,
    "traceback_locals": None,
}


def _run_options(config: EvalConfig, overrides: dict[str, Any]) -> dict[str, Any]:
    """The run options of a retry: those given, else those the original eval recorded."""
    out = {}
    for name, recorded in RETRY_OPTIONS.items():
        value = overrides.get(name)
        if value is None and recorded is not None:
            value = getattr(config, recorded)
        if value is not None:
            out[name] = value
    return out


def with_samples(previous: EvalLog) -> EvalLog:
    """The log to retry with its samples (a header from a listing is read whole):
    those that finished are what a retry keeps."""
    return previous if previous.samples is not None else read_eval_log(previous.location or "")


def _base_url(model: str, recorded: str | None, location: str) -> str | None:
    """The model base URL to retry with: the recorded one, unless it held
    credentials (logs record them as <redacted>): then the one the provider's
    setting names, if it is set; never the redacted URL, nor the provider's
    public default in place of the private server the eval used."""
    if recorded is None or REDACTED not in recorded:
        return recorded
    setting = base_url_setting(model)
    if setting is not None and settings.get(setting):
        warn(f"{location} ran against {recorded}; retrying against {setting} from the environment")
        return None
    raise UsageError(
        f"{location} ran against {recorded}, whose credentials logs never record: "
        f"set {setting or 'the base URL setting of its provider'} to that URL, credentials included, to retry it"
    )


def _folder(location: str) -> str:
    if storage.is_local(location):
        return os.path.dirname(storage.local_path(location)) or "."
    return location.rsplit("/", 1)[0]
