"""`inspect eval-set`: run tasks x models to completion in one log dir, with retries."""

import shlex
import sys
from enum import Enum
from typing import Annotated, Any

import typer

from .. import settings
from ..errors import ExitCode, UsageError
from . import _generation as gen
from . import _options as opt
from . import _run_report
from .eval import Tasks, _inspect_ai_aliased, eval_options, json_run_id

Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        metavar="PROVIDER/NAME",
        help="Model as provider/name; several: repeat the option or separate them with commas "
        "(default INSPECT_EVAL_MODEL).",
        show_default=False,
    ),
]


def eval_set_command(
    ctx: typer.Context,
    tasks: Tasks,
    model: Models = None,
    model_base_url: opt.ModelBaseUrl = None,
    model_arg: opt.ModelArg = None,
    task_arg: opt.TaskArg = None,
    log_dir: Annotated[
        str | None,
        typer.Option(
            "--log-dir",
            metavar="DIR",
            help="The set's log directory (a path or URL); required, or INSPECT_LOG_DIR.",
            show_default=False,
        ),
    ] = None,
    log_format: opt.LogFormatOption = None,
    limit: opt.Limit = None,
    sample_id: opt.SampleId = None,
    epochs: opt.Epochs = None,
    epochs_reducer: opt.EpochsReducer = None,
    no_epochs_reducer: opt.NoEpochsReducer = False,
    max_tasks: Annotated[
        int,
        typer.Option(
            "--max-tasks",
            envvar="INSPECT_EVAL_MAX_TASKS",
            show_envvar=False,
            metavar="N",
            min=1,
            help=f"{opt.MAX_TASKS_HELP} (default 10).",
            show_default=False,
        ),
    ] = 10,
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
    retry_attempts: Annotated[
        int,
        typer.Option(
            "--retry-attempts",
            envvar="INSPECT_EVAL_RETRY_ATTEMPS",
            show_envvar=False,
            metavar="N",
            min=0,
            help="Retries of a failed task (default 10).",
            show_default=False,
        ),
    ] = 10,
    retry_wait: Annotated[
        float,
        typer.Option(
            "--retry-wait",
            envvar="INSPECT_EVAL_RETRY_WAIT",
            show_envvar=False,
            metavar="SECONDS",
            min=0.0,
            help="Wait before the first retry, doubled at each next one, at most an hour (default 30).",
            show_default=False,
        ),
    ] = 30.0,
    retry_connections: Annotated[
        float,
        typer.Option(
            "--retry-connections",
            envvar="INSPECT_EVAL_RETRY_CONNECTIONS",
            show_envvar=False,
            metavar="FACTOR",
            max=1.0,
            callback=lambda value: opt.positive(value, "--retry-connections"),
            help="Multiply max connections by this at each retry (default 1: no change).",
            show_default=False,
        ),
    ] = 1.0,
    retry_immediate: Annotated[
        bool,
        typer.Option(
            "--retry-immediate/--no-retry-immediate",
            envvar="INSPECT_EVAL_RETRY_IMMEDIATE",
            show_envvar=False,
            help="Retry each failed task on its own as soon as it fails, not once the round of tasks has ended.",
        ),
    ] = False,
    no_retry_cleanup: Annotated[
        bool,
        typer.Option(
            "--no-retry-cleanup",
            envvar="INSPECT_EVAL_NO_RETRY_CLEANUP",
            show_envvar=False,
            help="Keep the failed logs of tasks that later succeeded.",
        ),
    ] = False,
    id: Annotated[
        str | None,
        typer.Option(
            "--id", metavar="ID", help="The set's id (default: the log dir's, else a new one).", show_default=False
        ),
    ] = None,
    log_dir_allow_dirty: Annotated[
        bool,
        typer.Option("--log-dir-allow-dirty", help="Run even if the log dir holds logs that are not of this set."),
    ] = False,
    json_output: opt.RunJson = False,
    bundle_dir: opt.BundleDir = None,
    bundle_overwrite: opt.BundleOverwrite = False,
    embed_viewer: Annotated[
        bool,
        typer.Option(
            "--embed-viewer",
            help="After the run, write the viewer into the log dir: open its index.html to browse the logs.",
        ),
    ] = False,
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
    """Run every task against every model until all succeed, retrying failures and keeping finished samples.

    Run it again on the same log dir to resume: tasks that succeeded do not run again.
    """
    params = dict(locals())
    for own in ("ctx", "retry_attempts", "retry_wait", "retry_connections", "retry_immediate", "no_retry_cleanup"):
        params.pop(own)
    del params["id"], params["log_dir_allow_dirty"], params["embed_viewer"]
    options = eval_options(**params)
    directory = settings.log_dir(log_dir) if log_dir or settings.get(settings.LOG_DIR) else None
    if directory is None:
        raise UsageError("inspect eval-set needs a log dir: --log-dir DIR (or INSPECT_LOG_DIR)")
    models = [m.strip() for given in model or [] for m in given.split(",") if m.strip()]
    from .._engine.eval_set import eval_set
    from .._engine.run import Interrupted

    run_id = json_run_id(json_output, options)

    with _inspect_ai_aliased():
        success, logs = eval_set(
            tasks,
            directory,
            model=models or None,
            retry_attempts=retry_attempts,
            retry_wait=retry_wait,
            retry_connections=retry_connections,
            retry_immediate=retry_immediate,
            retry_cleanup=not no_retry_cleanup,
            max_tasks=max_tasks,
            eval_set_id=id,
            log_dir_allow_dirty=log_dir_allow_dirty,
            bundle_dir=bundle_dir,
            bundle_overwrite=bundle_overwrite,
            embed_viewer=embed_viewer,
            on_start=None if run_id is None else lambda set_id: _run_report.start(run_id, directory, set_id),
            **options,
        )
    _run_report.finish(run_id, logs, Interrupted.signal is not None, options["display"])
    if Interrupted.signal is not None:
        raise typer.Exit(ExitCode.INTERRUPTED)
    if success:
        return
    failed = [log for log in logs if log.status != "success"]
    print(f"{len(failed)} of {len(logs)} tasks did not succeed:", file=sys.stderr)
    for log in failed:
        reason = f": {log.error.message}" if log.error is not None else ""
        print(f"  {log.eval.task} ({log.eval.model}): {log.status}{reason}", file=sys.stderr)
    print(f"Resume with: {resume_command(ctx)}", file=sys.stderr)
    raise typer.Exit(ExitCode.ERROR)


def resume_command(ctx: typer.Context) -> str:
    """This command line again, from its parsed parameters (running it resumes the set)."""
    words = ["inspect", ctx.info_name or "eval-set"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or value == param.default or value == []:
            continue
        if param.param_type_name == "argument":
            words.extend(value)
        elif getattr(param, "is_flag", False):
            words.append(param.opts[0] if value else param.secondary_opts[0])
        else:
            name = max(param.opts, key=len)
            for item in value if isinstance(value, (list, tuple)) else [value]:
                words += [name, _text(item)]
    return shlex.join(words)


def _text(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)
