"""`inspect eval`: run tasks from Python files against a model."""

import contextlib
import json
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from .. import settings
from .._ids import short_uuid
from ..errors import ExitCode, InspectCliError
from . import _generation as gen
from . import _inspect_options, _run_report
from . import _options as opt


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


Tasks = Annotated[list[str], typer.Argument(metavar="TASKS...", help="Task files: file.py or file.py@task_name.")]


def eval_command(
    tasks: Tasks,
    model: opt.Model = None,
    model_base_url: opt.ModelBaseUrl = None,
    model_arg: opt.ModelArg = None,
    task_arg: opt.TaskArg = None,
    log_dir: opt.LogDir = None,
    log_format: opt.LogFormatOption = None,
    limit: opt.Limit = None,
    sample_id: opt.SampleId = None,
    epochs: opt.Epochs = None,
    epochs_reducer: opt.EpochsReducer = None,
    no_epochs_reducer: opt.NoEpochsReducer = False,
    max_tasks: opt.MaxTasks = None,
    max_connections: opt.MaxConnections = None,
    max_samples: opt.MaxSamples = None,
    max_retries: opt.MaxRetries = None,
    timeout: opt.Timeout = None,
    fail_on_error: opt.FailOnError = None,
    no_fail_on_error: opt.NoFailOnError = False,
    log_buffer: opt.LogBuffer = None,
    display: opt.Display = None,
    temperature: opt.Temperature = None,
    top_p: opt.TopP = None,
    top_k: opt.TopK = None,
    max_tokens: opt.MaxTokens = None,
    seed: opt.Seed = None,
    system_message: opt.SystemMessage = None,
    message_limit: opt.MessageLimit = None,
    token_limit: opt.TokenLimit = None,
    time_limit: opt.TimeLimit = None,
    cache: opt.Cache = None,
    tags: opt.Tags = None,
    metadata: opt.Metadata = None,
    task_config: opt.TaskConfig = None,
    model_config: opt.ModelConfig = None,
    generate_config: opt.GenerateConfigFile = None,
    model_role: opt.ModelRole = None,
    solver: opt.Solver = None,
    solver_arg: opt.SolverArg = None,
    solver_config: opt.SolverConfig = None,
    sample_shuffle: opt.SampleShuffle = None,
    no_score: opt.NoScore = False,
    no_score_display: opt.NoScoreDisplay = False,
    score_on_error: opt.ScoreOnError = False,
    continue_on_fail: opt.ContinueOnFail = False,
    retry_on_error: opt.RetryOnError = None,
    no_log_samples: opt.NoLogSamples = False,
    no_log_realtime: opt.NoLogRealtime = False,
    log_images: opt.LogImages = None,
    log_model_api: opt.LogModelApi = None,
    log_level: opt.LogLevelOption = None,
    log_level_transcript: opt.LogLevelTranscript = None,
    traceback_locals: opt.TracebackLocals = False,
    env: opt.Env = None,
    json_output: opt.RunJson = False,
    bundle_dir: opt.BundleDir = None,
    bundle_overwrite: opt.BundleOverwrite = False,
    # -- generation settings and limits (cli/_generation.py) --
    best_of: gen.BestOf = None,
    frequency_penalty: gen.FrequencyPenalty = None,
    presence_penalty: gen.PresencePenalty = None,
    logit_bias: gen.LogitBias = None,
    stop_seqs: gen.StopSeqs = None,
    num_choices: gen.NumChoices = None,
    logprobs: gen.Logprobs = False,
    top_logprobs: gen.TopLogprobs = None,
    prompt_logprobs: gen.PromptLogprobs = None,
    cache_prompt: gen.CachePromptOption = None,
    verbosity: gen.VerbosityOption = None,
    effort: gen.EffortOption = None,
    reasoning_effort: gen.ReasoningEffortOption = None,
    reasoning_mode: gen.ReasoningModeOption = None,
    reasoning_tokens: gen.ReasoningTokens = None,
    reasoning_summary: gen.ReasoningSummaryOption = None,
    reasoning_history: gen.ReasoningHistoryOption = None,
    response_schema: gen.ResponseSchema = None,
    extra_headers: gen.ExtraHeaders = None,
    extra_body: gen.ExtraBody = None,
    modalities: gen.Modalities = None,
    fallback_models: gen.FallbackModels = None,
    working_limit: gen.WorkingLimit = None,
    turn_limit: gen.TurnLimit = None,
    cost_limit: gen.CostLimit = None,
    model_cost_config: gen.ModelCostConfig = None,
    attempt_timeout: gen.AttemptTimeout = None,
) -> None:
    """Run evaluation tasks and write their logs."""
    options = eval_options(**locals())
    from .._engine.run import Interrupted, eval
    from ..log._bundle import check_bundle_dir

    if bundle_dir:
        check_bundle_dir(bundle_dir, bundle_overwrite)

    run_id = json_run_id(json_output, options)
    if run_id is not None:
        _run_report.start(run_id, settings.log_dir(log_dir))
    with _inspect_ai_aliased():
        logs = eval(tasks, model=model, log_dir=log_dir, max_tasks=max_tasks, **options)
    _run_report.finish(run_id, logs, Interrupted.signal is not None, options["display"])
    if bundle_dir and Interrupted.signal is None:
        from ..log import bundle_log_dir

        bundle_log_dir(log_dir, bundle_dir, bundle_overwrite)
    exit_for(logs, Interrupted.signal)


def json_run_id(json_output: bool, options: dict[str, Any]) -> str | None:
    """With --json: the run's id, set in `options` (so the records and the
    logs agree), and no progress display; else None."""
    if not json_output:
        return None
    run_id = short_uuid()
    options["run_id"] = run_id
    options["display"] = "none"
    return run_id


def eval_options(
    model_base_url: str | None,
    model_arg: list[str] | None,
    task_arg: list[str] | None,
    log_format: opt.LogFormat | None,
    limit: str | None,
    sample_id: str | None,
    fail_on_error: float | None,
    no_fail_on_error: bool,
    display: opt.DisplayMode | None,
    cache: str | None = None,
    tags: str | None = None,
    metadata: list[str] | None = None,
    task_config: str | None = None,
    model_config: str | None = None,
    generate_config: str | None = None,
    model_role: list[str] | None = None,
    solver: str | None = None,
    solver_arg: list[str] | None = None,
    solver_config: str | None = None,
    no_epochs_reducer: bool = False,
    **same: Any,
) -> dict[str, Any]:
    """The library's options from the command line's, shared by `eval` and
    `eval-set` (the tasks, model, log dir, max tasks and --json are each command's own)."""
    for own in ("tasks", "model", "log_dir", "max_tasks", "json_output", "bundle_dir", "bundle_overwrite"):
        same.pop(own, None)
    generation = gen.library_values({name: same.pop(name, None) for name in gen.NAMES})
    if no_epochs_reducer:
        if same.get("epochs_reducer") is not None:
            raise typer.BadParameter("use --epochs-reducer or --no-epochs-reducer, not both")
        same["epochs_reducer"] = []
    for name, value in generation_settings(generate_config).items():
        if same.get(name) is None and name not in generation:  # the command line's own option wins
            same[name] = value
    return {
        "model_base_url": model_base_url,
        "model_args": {**config_file(model_config, "--model-config"), **parse_assignments(model_arg, "-M")},
        "task_args": {**config_file(task_config, "--task-config"), **parse_assignments(task_arg, "-T")},
        "tags": [t.strip() for t in tags.split(",") if t.strip()] or None if tags else None,
        "metadata": parse_assignments(metadata, "--metadata") or None,
        "solver": solver_spec(solver, solver_arg, solver_config),
        "model_roles": model_roles(model_role),
        **run_options(**{k: same.pop(k) for k in RUN_OPTIONS if k in same}),
        "log_format": log_format.value if log_format else None,
        "limit": parse_limit(limit),
        "sample_id": [_id(s) for s in sample_id.split(",")] if sample_id else None,
        "fail_on_error": _fail_on_error(fail_on_error, no_fail_on_error),
        "display": display.value if display else None,
        "cache": _cache_policy(cache),
        **same,
        **generation,
    }


def _cache_policy(value: str | None) -> Any:
    from ..model._cache import load_policy

    return load_policy(value) if value is not None else None


RUN_OPTIONS = (
    "sample_shuffle",
    "no_score",
    "no_score_display",
    "score_on_error",
    "continue_on_fail",
    "retry_on_error",
    "no_log_samples",
    "no_log_realtime",
    "log_images",
    "log_model_api",
    "log_level",
    "log_level_transcript",
    "traceback_locals",
    "env",
)


def run_options(
    sample_shuffle: str | None = None,
    no_score: bool = False,
    no_score_display: bool = False,
    score_on_error: bool = False,
    continue_on_fail: bool = False,
    retry_on_error: str | None = None,
    no_log_samples: bool = False,
    no_log_realtime: bool = False,
    log_images: bool | None = None,
    log_model_api: bool | None = None,
    log_level: opt.LogLevel | None = None,
    log_level_transcript: opt.LogLevel | None = None,
    traceback_locals: bool = False,
    env: list[str] | None = None,
) -> dict[str, Any]:
    """eval()'s keyword arguments (Inspect's names) from Inspect's run options;
    --env is set here, before anything runs."""
    for name, value in parse_assignments(env, "--env").items():
        settings.set_env(name, value if isinstance(value, str) else json.dumps(value))
    options: dict[str, Any] = {
        "sample_shuffle": _inspect_options.shuffle_value(sample_shuffle),
        "retry_on_error": _inspect_options.retry_value(retry_on_error),
        "log_images": log_images,
        "log_model_api": log_model_api,
        "log_level": log_level.value if log_level else None,
        "log_level_transcript": log_level_transcript.value if log_level_transcript else None,
    }
    for name, given, value in (
        ("score", no_score, False),
        ("score_display", no_score_display, False),
        ("score_on_error", score_on_error, True),
        ("continue_on_fail", continue_on_fail, True),
        ("log_samples", no_log_samples, False),
        ("log_realtime", no_log_realtime, False),
        ("traceback_locals", traceback_locals, True),
    ):
        if given:
            options[name] = value
    return {k: v for k, v in options.items() if v is not None}


def model_roles(items: list[str] | None) -> dict[str, Any] | None:
    """--model-role ROLE=MODEL, or ROLE={model: MODEL, temperature: 0.5} (YAML or JSON)."""
    roles: dict[str, Any] = {}
    for item in items or []:
        role, sep, value = item.partition("=")
        if not sep or not role or not value:
            raise typer.BadParameter(f"expected ROLE=MODEL, got {item!r}", param_hint="'--model-role'")
        if value.lstrip().startswith("{"):
            import yaml

            try:
                roles[role] = yaml.safe_load(value)
            except yaml.YAMLError:
                raise typer.BadParameter(f"{role}: not YAML or JSON: {value}", param_hint="'--model-role'") from None
        else:
            roles[role] = value
    return roles or None


def solver_spec(solver: str | None, solver_arg: list[str] | None, solver_config: str | None) -> Any:
    """--solver with its arguments (-S wins over --solver-config), as eval()'s `solver`."""
    if solver is None:
        if solver_arg or solver_config:
            raise typer.BadParameter("-S and --solver-config need --solver (the solver they are arguments of)")
        return None
    from ..solver import SolverSpec

    args = {**config_file(solver_config, "--solver-config"), **parse_assignments(solver_arg, "-S")}
    return SolverSpec(solver, args, dict(args))


def generation_settings(path: str | None) -> dict[str, Any]:
    """--generate-config: generation settings by their names in the log (`temperature`, `max_tokens`, ...)."""
    from ..log._types import GenerateConfig

    values = config_file(path, "--generate-config")
    unknown = sorted(set(values) - set(GenerateConfig.__struct_fields__))
    if unknown:
        raise typer.BadParameter(
            f"{path}: no generation setting {', '.join(unknown)}", param_hint="'--generate-config'"
        )
    return values


def config_file(path: str | None, option: str) -> dict[str, Any]:
    """NAME: VALUE pairs from a YAML or JSON file (JSON is YAML too)."""
    if path is None:
        return {}
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            values = yaml.safe_load(f)
    except OSError as ex:
        raise typer.BadParameter(f"cannot read {path}: {ex.strerror}", param_hint=f"'{option}'") from None
    except yaml.YAMLError as ex:
        raise typer.BadParameter(f"{path} is not YAML or JSON: {ex}", param_hint=f"'{option}'") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise typer.BadParameter(f"{path} must hold NAME: VALUE pairs", param_hint=f"'{option}'")
    return {str(k): v for k, v in values.items()}


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
    max_connections: opt.MaxConnections = None,
    max_samples: opt.MaxSamples = None,
    max_retries: opt.MaxRetries = None,
    timeout: opt.Timeout = None,
    fail_on_error: opt.FailOnError = None,
    no_fail_on_error: opt.NoFailOnError = False,
    log_buffer: opt.LogBuffer = None,
    display: opt.Display = None,
    max_tasks: opt.MaxTasks = None,
    no_score: opt.NoScore = False,
    no_score_display: opt.NoScoreDisplay = False,
    score_on_error: opt.ScoreOnError = False,
    continue_on_fail: opt.ContinueOnFail = False,
    retry_on_error: opt.RetryOnError = None,
    no_log_samples: opt.NoLogSamples = False,
    no_log_realtime: opt.NoLogRealtime = False,
    log_images: opt.LogImages = None,
    log_model_api: opt.LogModelApi = None,
    log_level: opt.LogLevelOption = None,
    log_level_transcript: opt.LogLevelTranscript = None,
    traceback_locals: opt.TracebackLocals = False,
    env: opt.Env = None,
    json_output: opt.RunJson = False,
    attempt_timeout: gen.AttemptTimeout = None,
) -> None:
    """Retry failed, cancelled or interrupted evals: samples that finished are kept, the rest run again."""
    import sys

    from .._engine.retry import eval_retry
    from .._engine.run import Interrupted

    options: dict[str, Any] = {
        "display": display.value if display else None,
        "max_tasks": max_tasks,
        **run_options(
            no_score=no_score,
            no_score_display=no_score_display,
            score_on_error=score_on_error,
            continue_on_fail=continue_on_fail,
            retry_on_error=retry_on_error,
            no_log_samples=no_log_samples,
            no_log_realtime=no_log_realtime,
            log_images=log_images,
            log_model_api=log_model_api,
            log_level=log_level,
            log_level_transcript=log_level_transcript,
            traceback_locals=traceback_locals,
            env=env,
        ),
    }
    run_id = json_run_id(json_output, options)
    if run_id is not None:
        _run_report.start(run_id, log_dir)
    if not logs:
        print("Nothing to retry.", file=sys.stderr)
        if run_id is not None:
            _run_report.done(run_id, [], False)
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
            **gen.library_values({"attempt_timeout": attempt_timeout}),
            fail_on_error=failure,
            log_buffer=log_buffer,
            **options,
        )
    _run_report.finish(run_id, results, Interrupted.signal is not None, options["display"])
    exit_for(results, Interrupted.signal)
