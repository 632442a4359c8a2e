"""Run tasks: every sample through the solvers and scorers, the log written as it goes.

Concurrency: at most `max_tasks` tasks run at once (default 1), at most
`max_samples` samples of each (default max_connections + 1), and each model
allows `max_connections` requests in flight, shared by the tasks using it.
A sample error fails the eval (status `error`) unless
`fail_on_error` allows it; Ctrl-C or SIGTERM ends it as `cancelled`. Either
way the samples that finished are in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import msgspec

from .. import __version__, _secrets, settings
from .._console import warn
from .._ids import short_uuid
from .._registry import jsonable, name_of, params_of
from .._secrets import REDACTED
from ..dataset import Sample
from ..errors import InspectCliError, UsageError
from ..log._file import FORMATS
from ..log._results import eval_scores
from ..log._types import (
    CachePolicy,
    ChatMessage,
    ChatMessageUser,
    ErrorEvent,
    EvalConfig,
    EvalDataset,
    EvalError,
    EvalLog,
    EvalPlan,
    EvalPlanStep,
    EvalResults,
    EvalRetryError,
    EvalSample,
    EvalSampleLimit,
    EvalScorer,
    EvalSpec,
    EvalStats,
    GenerateConfig,
    LoggingMessage,
    ModelEvent,
    ModelUsage,
    SampleInitEvent,
    SampleLimitEvent,
    ScoreEvent,
)
from ..model._cache import cache_policy
from ..model._context import (
    LimitExceeded,
    SampleContext,
    enter_sample,
    exit_sample,
    set_active_model,
    set_model_roles,
)
from ..model._cost import model_cost
from ..model._model import Model, get_model, merge_config
from ..scorer._scorers import metrics_of
from ..solver._solvers import SolverSpec, plan_steps, step_record
from ..solver._task_state import Target, TaskState
from .display import Display
from .selection import id_of, reusable_samples, sample_ids, select_samples, selected
from .task import Epochs, Task, resolve_solver, resolve_tasks
from .writer import LogWriter, default_buffer

# Inspect's log levels, by the number Python's logging gives each.
LOG_LEVELS = {
    "debug": logging.DEBUG,
    "trace": 5,
    "http": 3,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "notset": logging.NOTSET,
}


def redact(values: dict[str, Any]) -> dict[str, Any]:
    """Model args as the log records them: values of secret-looking names hidden."""
    return {k: (REDACTED if _secrets.is_secret_name(k) else jsonable(v)) for k, v in values.items()}


class EvalOptions:
    """Everything about how to run, from the command line or eval()'s arguments."""

    def __init__(self, **values: Any) -> None:
        self.model: str | Model | None = values.pop("model", None)
        self.model_base_url: str | None = values.pop("model_base_url", None)
        self.model_args: dict[str, Any] = values.pop("model_args", None) or {}
        self.log_dir: str = settings.log_dir(values.pop("log_dir", None))
        self.log_format: str = (
            values.pop("log_format", None) or settings.get_choice(settings.LOG_FORMAT, list(FORMATS)) or "eval"
        )
        if self.log_format not in FORMATS:
            raise UsageError(f"log format must be {' or '.join(FORMATS)}, not {self.log_format!r}")
        self.limit: int | tuple[int, int] | None = values.pop("limit", None)
        sample_id = values.pop("sample_id", None)
        self.sample_id: list[int | str] | None = (
            None if sample_id is None else list(sample_id) if isinstance(sample_id, (list, tuple)) else [sample_id]
        )
        given: Epochs | int | None = values.pop("epochs", None)
        reducer = values.pop("epochs_reducer", None)
        if isinstance(given, Epochs):
            reducer = reducer or given.reducer
            given = given.epochs
        # Checked now, not after the samples ran (a task's own epochs too, by Epochs()).
        self.epochs: int | None = Epochs(given).epochs if given is not None else None
        self.epochs_reducer: list[str] | None = Epochs(1, reducer).reducer
        self.fail_on_error: bool | float | None = values.pop("fail_on_error", None)
        self.max_samples: int | None = values.pop("max_samples", None)
        self.log_buffer: int | None = values.pop("log_buffer", None)
        self.display: str | None = values.pop("display", None)
        self.tags: list[str] | None = values.pop("tags", None)
        self.metadata: dict[str, Any] | None = values.pop("metadata", None)
        self.message_limit: int | None = values.pop("message_limit", None)
        self.token_limit: int | None = values.pop("token_limit", None)
        self.time_limit: int | None = values.pop("time_limit", None)
        self.working_limit: int | None = values.pop("working_limit", None)
        self.turn_limit: int | None = values.pop("turn_limit", None)
        self.cost_limit: float | None = values.pop("cost_limit", None)
        self.model_cost_config: str | dict[str, Any] | None = values.pop("model_cost_config", None)
        self.task_args: dict[str, Any] = values.pop("task_args", None) or {}
        self.max_tasks: int | None = values.pop("max_tasks", None)
        self.run_id: str | None = values.pop("run_id", None)  # a caller's (reported before the run), else a new one
        # Inspect's run options, recorded in the log's config where Inspect records them:
        self.sample_shuffle: bool | int | None = values.pop("sample_shuffle", None)
        self.continue_on_fail: bool | None = values.pop("continue_on_fail", None)
        self.retry_on_error: int | None = values.pop("retry_on_error", None)
        self.score_on_error: bool | None = values.pop("score_on_error", None)
        self.score: bool = values.pop("score", True)
        self.score_display: bool | None = values.pop("score_display", None)
        self.log_samples: bool | None = values.pop("log_samples", None)
        self.log_realtime: bool | None = values.pop("log_realtime", None)
        self.log_images: bool | None = values.pop("log_images", None)
        self.log_model_api: bool | None = values.pop("log_model_api", None)
        self.log_level: str | None = values.pop("log_level", None)
        self.log_level_transcript: str | None = values.pop("log_level_transcript", None)
        self.traceback_locals: bool = values.pop("traceback_locals", False) or settings.get_flag(
            settings.TRACEBACK_LOCALS
        )
        self.model_roles: dict[str, Any] | None = values.pop("model_roles", None)
        solver = values.pop("solver", None)  # replaces the tasks' solvers
        self.solver_name: str | None = (
            solver.solver if isinstance(solver, SolverSpec) else solver if isinstance(solver, str) else None
        )
        self.solver: Any = resolve_solver(solver) if solver is not None else None
        self.retry_of: EvalLog | None = None  # set by eval_retry: the log being retried
        # Set by eval_set for each of its members:
        self.eval_set_id: str | None = None
        self.task_id: str | None = None  # the member's, kept by every attempt
        self.connections_factor = 1.0  # retries may use fewer connections
        config_fields = set(GenerateConfig.__struct_fields__)
        unknown = sorted(set(values) - config_fields)
        if unknown:
            raise InspectCliError(f"unknown eval option(s): {', '.join(unknown)}")
        cache = values.get("cache")
        if isinstance(cache, str):  # an expiry: `eval(cache="1D")`
            values["cache"] = CachePolicy(expiry=cache)
        cache_policy(values.get("cache"))  # a bad expiry fails now, not at the first request
        self.generate_config = GenerateConfig(**{k: v for k, v in values.items() if v is not None})
        for name, value, minimum in (
            ("max_samples", self.max_samples, 1),
            ("max_tasks", self.max_tasks, 1),
            ("max_connections", self.generate_config.max_connections, 1),
            ("max_retries", self.generate_config.max_retries, 0),
            ("log_buffer", self.log_buffer, 1),
            ("message_limit", self.message_limit, 1),
            ("token_limit", self.token_limit, 1),
            ("time_limit", self.time_limit, 1),
            ("working_limit", self.working_limit, 1),
            ("turn_limit", self.turn_limit, 1),
            ("retry_on_error", self.retry_on_error, 0),
        ):
            if value is not None and not value >= minimum:
                raise UsageError(f"{name} must be at least {minimum}, not {value}")
        for name in ("timeout", "attempt_timeout"):
            seconds = getattr(self.generate_config, name)
            if seconds is not None and not seconds > 0:
                raise UsageError(f"{name} must be more than 0, not {seconds}")
        if self.cost_limit is not None and not self.cost_limit > 0:
            raise UsageError(f"cost_limit must be more than 0, not {self.cost_limit}")
        if self.model_cost_config is not None:
            from ..model._cost import load_model_cost_config

            load_model_cost_config(self.model_cost_config)
        if (
            isinstance(self.limit, int)
            and self.limit < 1
            or isinstance(self.limit, tuple)
            and not (0 <= self.limit[0] < self.limit[1])
        ):
            raise UsageError(f"limit must be at least 1 (or a range of samples), not {self.limit}")
        Display.check(self.display)
        for name, level in (("log_level", self.log_level), ("log_level_transcript", self.log_level_transcript)):
            if level is not None and level.lower() not in LOG_LEVELS:
                raise UsageError(f"{name} must be one of {', '.join(LOG_LEVELS)}, not {level!r}")


def eval(tasks: Any, **options: Any) -> list[EvalLog]:
    """Run tasks and return their logs (one per task), written to the log dir.

    `tasks`: a Task, a @task function, "file.py" or "file.py@name", or a list.
    Options: model, model_base_url, model_args, task_args, log_dir, log_format,
    limit, sample_id, epochs, fail_on_error, max_tasks, max_samples, max_connections,
    max_retries, timeout, log_buffer, display, message_limit, token_limit,
    time_limit, working_limit, turn_limit, cost_limit, model_cost_config (a
    file or a mapping of model names to ModelCost), tags, metadata, run_id,
    generation settings (temperature, best_of, response_schema, ...), cache;
    Inspect's run options: solver (a Solver, a list, or a SolverSpec), model_roles,
    sample_shuffle, score, score_display, score_on_error, continue_on_fail,
    retry_on_error, log_samples, log_realtime, log_images, log_model_api,
    log_level, log_level_transcript, traceback_locals.
    """
    settings.load_dotenv()
    settings.register_secrets()
    opts = EvalOptions(**options)
    capture = LogCapture.of(opts)
    capture.start()  # task functions may log while they build their tasks
    try:
        resolved = resolve_tasks(tasks, opts.task_args)
        return run_coroutine(run_tasks(resolved, opts, capture))
    finally:
        capture.stop()


class Interrupted:
    """Set when Ctrl-C or SIGTERM stopped the run (the CLI then exits 130)."""

    signal: int | None = None


def run_coroutine(coro: Any) -> Any:
    """Run the eval's event loop; SIGINT and SIGTERM cancel it gracefully."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()  # never to run: no "never awaited" warning
        raise InspectCliError("eval() cannot run inside a running event loop: use `await eval_async(...)`")

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        installed = []
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):

                def stop(signum: int = signum) -> None:
                    Interrupted.signal = signum
                    if current is not None:
                        current.cancel()

                try:
                    loop.add_signal_handler(signum, stop)
                    installed.append(signum)
                except (NotImplementedError, RuntimeError):
                    pass
        try:
            return await coro
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    Interrupted.signal = None
    return asyncio.run(main())


async def eval_async(tasks: Any, **options: Any) -> list[EvalLog]:
    """`eval()` for code that already runs an event loop (notebooks, async
    apps): the same tasks and options, awaited; Ctrl-C is the caller's."""
    settings.load_dotenv()
    settings.register_secrets()
    opts = EvalOptions(**options)
    capture = LogCapture.of(opts)
    capture.start()
    try:
        resolved = resolve_tasks(tasks, opts.task_args)
        return await run_tasks(resolved, opts, capture)
    finally:
        capture.stop()


async def run_tasks(tasks: Sequence[Task], options: EvalOptions, capture: LogCapture | None = None) -> list[EvalLog]:
    """Run resolved tasks in a running event loop (what `eval()` does in its own)."""
    display = Display(options.display)
    for task in tasks:
        check_selection(task, options)
    with running(capture) as capture:
        runner = Runner(options.max_tasks or 1, display, capture, options.run_id)
        logs = await runner.run_all([(task, options) for task in tasks])
    display.summary(logs)
    return logs


@contextlib.contextmanager
def running(capture: LogCapture | None) -> Iterator[LogCapture]:
    """The setting of a run: what tasks log is captured (into `capture`, or
    one of its own) and the cyclic GC spared the objects loaded so far."""
    # Everything loaded so far (modules, the tasks) lives for the whole run:
    # keep the cyclic GC from walking it again at every collection.
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 10_000), *threshold[1:])
    own = capture is None
    capture = capture or LogCapture()
    if own:
        capture.start()
    try:
        yield capture
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
        if own:
            capture.stop()


class Runner:
    """Runs evals in one event loop under one run id: at most `max_tasks` at
    once, each model's connection limit shared by the evals using it."""

    def __init__(self, max_tasks: int, display: Display, capture: LogCapture, run_id: str | None = None) -> None:
        self.run_id = run_id or short_uuid()
        self.display, self.capture = display, capture
        self._slots = asyncio.Semaphore(max_tasks)
        self._limits: dict[tuple[Any, ...], asyncio.Semaphore] = {}

    async def run(self, task: Task, options: EvalOptions) -> EvalLog:
        async with self._slots:
            return await _run_task(task, options, self.run_id, self.display, self.capture, self._limits)

    async def run_all(self, members: Sequence[tuple[Task, EvalOptions]]) -> list[EvalLog]:
        """The logs of the members' evals, in order (after Ctrl-C, of those that ran)."""
        return await settle([asyncio.create_task(self.run(task, options)) for task, options in members])


T = TypeVar("T")


async def settle(jobs: Sequence[asyncio.Task[T]]) -> list[T]:
    """What the jobs return, in order. Cancelled (Ctrl-C), they are cancelled
    too and what those that finished returned is kept (a running eval returns
    its `cancelled` log); the first job to raise cancels the others, then its
    exception is raised."""
    try:
        await asyncio.wait(jobs, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        for job in jobs:
            job.cancel()
        await asyncio.wait(jobs)
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            current.uncancel()  # handled: the logs say "cancelled"
        return [job.result() for job in jobs if not job.cancelled() and job.exception() is None]
    failed = [job.exception() for job in jobs if job.done() and not job.cancelled() and job.exception() is not None]
    if failed:
        for job in jobs:
            job.cancel()
        await asyncio.wait(jobs)
        raise failed[0]  # type: ignore[misc]
    return [job.result() for job in jobs]


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def check_selection(task: Task, options: EvalOptions) -> None:
    """Refuse, before anything runs, a task of which no sample would run."""
    samples = list(task.dataset)
    ids = sample_ids(samples)
    if selected(ids, options.sample_id, options.limit):
        return
    if not samples:
        raise UsageError(f"task {task.name} has no samples")
    if options.sample_id is not None:
        known = ", ".join(str(i) for i in ids[:10]) + (", ..." if len(ids) > 10 else "")
        wanted = ",".join(str(i) for i in options.sample_id)
        raise UsageError(f"sample id {wanted} matches none of the {len(samples)} samples of task {task.name} ({known})")
    raise UsageError(f"limit {options.limit} selects none of the {len(samples)} samples of task {task.name}")


def effective_epochs(task: Task, options: EvalOptions) -> tuple[int, str | None]:
    """How many times each sample runs, and the reducer of its scores: the
    options', else the task's (a reducer alone applies to the task's epochs)."""
    count = options.epochs or (task.epochs.epochs if task.epochs else 1)
    reducers = options.epochs_reducer or (task.epochs.reducer if task.epochs else None)
    return count, reducers[0] if reducers else None


def _failed(fail_on_error: bool | float | None, errors: int, total: int) -> bool:
    """Whether sample errors fail the eval: True (default) at the first; False never;
    a fraction below 1 when errors reach that share of the samples; N >= 1 at N errors."""
    if errors == 0 or fail_on_error is False:
        return False
    if fail_on_error is None or fail_on_error is True:
        return True
    if fail_on_error < 1:
        return errors / max(total, 1) >= fail_on_error
    return errors >= fail_on_error


def _scorer_specs(task: Task) -> list[tuple[str, list[tuple[str, dict[str, Any]]], dict[str, Any]]]:
    specs = []
    for s in task.scorer:
        metrics = task.metrics if task.metrics is not None else metrics_of(s)
        named = [(name_of(m), params_of(m)[0]) for m in metrics]
        specs.append((name_of(s), named, params_of(s)[0]))
    return specs


def _scorer_records(task: Task) -> list[EvalScorer]:
    """`eval.scorers` as Inspect records them: built-in metrics by their
    registry names (`inspect_ai/accuracy`), a task file's own by theirs."""

    def logged(metric: Any) -> str:
        name = name_of(metric)
        return f"inspect_ai/{name}" if getattr(metric, "__module__", "").startswith("inspect_cli.") else name

    return [
        EvalScorer(
            name=name_of(s),
            options=params_of(s)[0],
            metrics=[
                {"name": logged(m), "options": params_of(m)[0]}
                for m in (task.metrics if task.metrics is not None else metrics_of(s))
            ],
            metadata={},
        )
        for s in task.scorer
    ]


async def _run_task(
    task: Task,
    options: EvalOptions,
    run_id: str,
    display: Display,
    capture: LogCapture,
    connection_limits: dict[tuple[Any, ...], asyncio.Semaphore],
) -> EvalLog:
    generate_config = merge_config(task.config, options.generate_config)
    model = get_model(
        options.model or task.model,
        config=generate_config,
        base_url=options.model_base_url,
        **options.model_args,
    )
    set_active_model(model)
    limits = SampleLimits(
        message=options.message_limit or task.message_limit,
        token=options.token_limit or task.token_limit,
        time=options.time_limit or task.time_limit,
        working=options.working_limit or task.working_limit,
        turn=options.turn_limit or task.turn_limit,
        cost=options.cost_limit or task.cost_limit,
    )
    if limits.cost is not None and model_cost(model.name) is None:
        raise UsageError(
            f"a cost limit needs the price of every model, and {model.name} has none: "
            "give prices with --model-cost-config FILE (or set_model_cost())"
        )
    roles = {name: role_model(name, value) for name, value in (options.model_roles or {}).items()}
    set_model_roles({name: role for name, (role, _) in roles.items()})
    auto_ids = any(s.id is None for s in task.dataset)
    dataset, shuffled = shuffled_samples(list(task.dataset), options.sample_shuffle)
    samples, ids_assigned = select_samples(dataset, options.sample_id, options.limit)
    ids_assigned = ids_assigned or auto_ids
    reuse: dict[tuple[str, int], EvalSample] = {}
    if options.retry_of is not None:
        reuse, why = reusable_samples(
            options.retry_of.samples, [id_of(s) for s in samples], ids_assigned, task.dataset.shuffled or shuffled
        )
        if why:
            warn(why)
    epochs, reducer = effective_epochs(task, options)
    max_connections = max(1, int(model.connections() * options.connections_factor))
    model_key = (model.name, options.model_base_url, repr(sorted(options.model_args.items())), max_connections)
    model.share_connections(connection_limits.setdefault(model_key, asyncio.Semaphore(max_connections)))
    max_samples = options.max_samples or settings.get_int(settings.MAX_SAMPLES) or max_connections + 1
    fail_on_error = options.fail_on_error if options.fail_on_error is not None else task.fail_on_error
    buffer = options.log_buffer or default_buffer(options.log_dir)
    scorers = _scorer_specs(task)
    steps = plan_steps(options.solver if options.solver is not None else task.solver)
    solver_name, solver_args, solver_args_passed = solver_record(options)
    started_at = _now()
    log = EvalLog(
        status="started",
        eval=EvalSpec(
            eval_set_id=options.eval_set_id,
            eval_id=short_uuid(),
            run_id=run_id,
            created=started_at,
            task=task.name,
            task_id=options.task_id
            or (options.retry_of.eval.task_id if options.retry_of is not None else short_uuid()),
            task_version=task.version,
            task_file=task.task_file,
            task_display_name=task.display_name or task.name,
            task_registry_name=task.registry_name,
            task_attribs=task.task_attribs,
            task_args=task.task_args,
            task_args_passed=task.task_args_passed,
            solver=solver_name,
            solver_args=solver_args,
            solver_args_passed=solver_args_passed or {},
            dataset=EvalDataset(
                name=task.dataset.name,
                location=task.dataset.location,
                samples=len(task.dataset),
                sample_ids=[id_of(s) for s in samples],
                shuffled=task.dataset.shuffled or shuffled,
            ),
            model=model.name,
            model_generate_config=options.generate_config,
            model_base_url=_secrets.redact_url(options.model_base_url) if options.model_base_url else None,
            model_args=redact(options.model_args),
            model_roles={
                name: {"model": role.name, "config": _set_fields(role.config), "args": redact(args)}
                for name, (role, args) in roles.items()
            }
            or None,
            config=EvalConfig(
                limit=options.limit if isinstance(options.limit, int) else None,
                sample_id=options.sample_id,
                sample_shuffle=options.sample_shuffle,
                epochs=epochs,
                epochs_reducer=[] if options.epochs_reducer == [] else [reducer] if reducer else None,
                fail_on_error=fail_on_error if fail_on_error is not None else True,
                continue_on_fail=bool(options.continue_on_fail),
                retry_on_error=options.retry_on_error or None,
                score_on_error=bool(options.score_on_error),
                message_limit=limits.message,
                token_limit=limits.token,
                time_limit=limits.time,
                working_limit=limits.working,
                cost_limit=limits.cost,
                turn_limit=limits.turn,
                max_samples=max_samples,
                max_tasks=options.max_tasks,
                log_buffer=buffer,
                log_samples=options.log_samples is not False,
                log_realtime=options.log_realtime is not False,
                log_images=options.log_images is not False,
                log_model_api=options.log_model_api,
                score_display=options.score_display is not False,
            ),
            packages={"inspect_cli": __version__},
            metadata={**(options.metadata or {}), **(task.metadata or {})} or None,  # the task's win, as in Inspect
            tags=options.tags,
            scorers=_scorer_records(task) or None,
        ),
        plan=EvalPlan(steps=[EvalPlanStep(**step_record(s)) for s in steps], config=options.generate_config),
    )
    if options.log_realtime is False:
        buffer = max(1, len(samples) * epochs)  # one write, once every sample is done
    writer = LogWriter(options.log_dir, options.log_format, buffer, explicit_buffer=options.log_buffer is not None)
    writer.start(log)
    progress = display.task(task.name, model.name, len(samples) * epochs)
    done: list[EvalSample] = []
    errors: list[EvalSample] = []
    stop = asyncio.Event()
    semaphore = asyncio.Semaphore(max_samples)
    total = len(samples) * epochs

    async def worker(sample: Sample, epoch: int) -> None:
        reused = reuse.get((str(sample.id), epoch))
        if reused is not None:
            result = reused
        else:
            async with semaphore:
                if stop.is_set():
                    return
                result = await _run_sample(task, steps, model, sample, epoch, limits, options)
                retried: list[EvalError] = []
                while result.error is not None and len(retried) < (options.retry_on_error or 0) and not stop.is_set():
                    retried.append(result.error)
                    result = await _run_sample(task, steps, model, sample, epoch, limits, options)
                if retried:
                    result.error_retries = [EvalRetryError(**msgspec.structs.asdict(e)) for e in retried]
        done.append(result)
        if options.log_samples is not False:
            writer.add(result)
        progress.sample_done(result.error is not None, sum(u.total_tokens for u in result.model_usage.values()))
        if result.error is not None:
            errors.append(result)
            if _failed(fail_on_error, len(errors), total) and not options.continue_on_fail:
                stop.set()
                for other in workers:
                    if other is not asyncio.current_task():
                        other.cancel()

    workers = [asyncio.create_task(worker(s, e)) for e in range(1, epochs + 1) for s in samples]
    cancelled = False
    try:
        await asyncio.gather(*workers, return_exceptions=True)
    except asyncio.CancelledError:
        cancelled = True
        stop.set()
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    finally:
        await _close(model)
        for role, _ in roles.values():
            if role is not model:
                await _close(role)
    failed = _failed(fail_on_error, len(errors), total) and not cancelled
    log.status = "cancelled" if cancelled else "error" if failed else "success"
    if failed:
        reported = [e.error for e in errors if e.error is not None]
        log.error = next((e for e in reported if not e.message.startswith("CancelledError")), reported[0])
    completed = [s for s in done if s.error is None]
    if not failed and options.score:
        reduce_epochs = options.epochs_reducer != []  # [] is --no-epochs-reducer
        scores, reductions = eval_scores(_ordered(done, samples), scorers, reducer, reduce_epochs)
        log.results = EvalResults(total_samples=total, completed_samples=len(completed), scores=scores)
        log.reductions = reductions
    log.stats = EvalStats(started_at=started_at, completed_at=_now(), model_usage=_usage(done))
    log.logging = capture.drain() or None
    writer.finish(log)
    progress.close(log.status)
    current = asyncio.current_task()
    if cancelled and current is not None and current.cancelling():
        current.uncancel()  # the cancellation is handled: the log says "cancelled"
    return log


def solver_record(options: EvalOptions) -> tuple[str | None, dict[str, Any] | None, dict[str, Any] | None]:
    """The solver that replaces the tasks' (`eval.solver`), its arguments and those passed."""
    if options.solver is None:
        return None, None, None
    name = options.solver_name or (None if isinstance(options.solver, list) else name_of(options.solver))
    params, passed = params_of(options.solver)
    return name, params, passed


def role_model(name: str, value: Any) -> tuple[Model, dict[str, Any]]:
    """The model for a role, and its model args, from what `model_roles` gives
    it: a Model, a name, or a dict: {"model": name, generation settings...}
    or, as logs record roles, {"model", "config", "base_url", "args"}."""
    if isinstance(value, Model):
        return value, {}
    if isinstance(value, str):
        return get_model(value), {}
    if not isinstance(value, dict) or not isinstance(value.get("model"), str):
        raise UsageError(f"model role {name}: expected a model name or a dict with its model, not {value!r}")
    rest = {k: v for k, v in value.items() if k != "model"}
    base_url = rest.pop("base_url", None)
    args = dict(rest.pop("args", None) or {})
    settings_given = dict(rest.pop("config", None) or {}) | rest
    unknown = sorted(set(settings_given) - set(GenerateConfig.__struct_fields__))
    if unknown:
        raise UsageError(f"model role {name}: no generation setting {', '.join(unknown)}")
    config = GenerateConfig(**settings_given) if settings_given else None
    return get_model(value["model"], config, base_url, **args), args


def _set_fields(config: GenerateConfig) -> dict[str, Any]:
    return {k: v for k, v in msgspec.to_builtins(config).items() if v is not None}


def _ordered(done: list[EvalSample], samples: list[Sample]) -> list[EvalSample]:
    order = {s.id: i for i, s in enumerate(samples)}
    return sorted(done, key=lambda s: (s.epoch, order.get(s.id, 0)))


def _usage(samples: list[EvalSample]) -> dict[str, ModelUsage]:
    from ..model._model import _add_usage

    total: dict[str, ModelUsage] = {}
    for sample in samples:
        for name, usage in sample.model_usage.items():
            _add_usage(total.setdefault(name, ModelUsage()), usage)
    return total


async def _close(model: Model) -> None:
    try:
        await model.api.close()
    except Exception:  # closing must not hide the eval's own outcome
        pass


class SampleLimits(NamedTuple):
    """The limits of each sample of an eval (None: no limit)."""

    message: int | None = None
    token: int | None = None
    time: int | None = None
    working: int | None = None
    turn: int | None = None
    cost: float | None = None


def _error(ex: BaseException, with_locals: bool = False) -> EvalError:
    text = "".join(traceback.TracebackException.from_exception(ex, capture_locals=with_locals).format())
    return EvalError(message=repr(ex), traceback=text, traceback_ansi=text)


async def _score(
    task: Task, state: TaskState, target: Target, sample: Sample, context: SampleContext, scores: dict[str, Any]
) -> None:
    for s in task.scorer:
        score = await s(state, target)
        scores[name_of(s)] = score
        context.events.append(
            ScoreEvent(timestamp=_now(), working_start=context.working_time(), score=score, target=sample.target)
        )


def shuffled_samples(samples: list[Sample], shuffle: bool | int | None) -> tuple[list[Sample], bool]:
    """The samples in the order they run: shuffled when `shuffle` is True (a
    new order each run) or a seed (the same order for the same seed). Samples
    without an id get their automatic one first (their place in the dataset),
    so a sample keeps its id whatever the order."""
    if shuffle is None or shuffle is False:
        return samples, False
    for sample, id in zip(samples, sample_ids(samples)):
        if sample.id is None:
            sample.id = id
    order = list(samples)
    random.Random(None if shuffle is True else int(shuffle)).shuffle(order)
    return order, True


async def _run_sample(
    task: Task,
    steps: list[Any],
    model: Model,
    sample: Sample,
    epoch: int,
    limits: SampleLimits,
    options: EvalOptions,
) -> EvalSample:
    message_limit, token_limit, time_limit = limits.message, limits.token, limits.time
    context = SampleContext(epoch, turn_limit=limits.turn, cost_limit=limits.cost)
    token = enter_sample(context)
    started_at = _now()
    started = context.started
    messages: list[ChatMessage] = (
        [ChatMessageUser(content=sample.input)] if isinstance(sample.input, str) else list(sample.input)
    )
    target = Target(sample.target)
    state = TaskState(
        model=model.name,
        sample_id=id_of(sample),
        epoch=epoch,
        input=sample.input,
        messages=messages,
        target=target,
        choices=sample.choices,
        metadata=dict(sample.metadata or {}),
        message_limit=message_limit,
        token_limit=token_limit,
    )
    context.events.append(
        SampleInitEvent(
            timestamp=started_at,
            working_start=0.0,
            sample={
                "input": sample.input if isinstance(sample.input, str) else "(messages)",
                "target": sample.target,
                "id": sample.id,
            },
            state={"messages": len(messages)},
        )
    )

    async def generate(state: TaskState, **config: Any) -> TaskState:
        output = await model.generate(state.messages, GenerateConfig(**config) if config else None)
        state.output = output
        if output.choices:
            state.messages.append(output.choices[0].message)
        if message_limit is not None and len(state.messages) >= message_limit:
            raise LimitExceeded("message", message_limit, f"message limit of {message_limit} reached")
        used = sum(u.total_tokens for u in context.model_usage.values())
        if token_limit is not None and used >= token_limit:
            raise LimitExceeded("token", token_limit, f"token limit of {token_limit} reached")
        return state

    error: EvalError | None = None
    limit: EvalSampleLimit | None = None
    scores: dict[str, Any] = {}
    try:
        wall, working = asyncio.timeout(time_limit), asyncio.timeout(None)
        try:
            async with wall, working:
                if limits.working is not None:
                    # moved later by the time the sample waits (see SampleContext)
                    working.reschedule(asyncio.get_running_loop().time() + limits.working)
                    context.working_deadline, context.working_limit = working, limits.working
                for step in steps:
                    state = await step(state, generate)
                    if state.completed:
                        break
        except TimeoutError:
            if working.expired():
                exceeded = LimitExceeded(
                    "working", limits.working or 0, f"Working time limit exceeded. limit: {limits.working} seconds"
                )
            else:
                exceeded = LimitExceeded("time", time_limit or 0, f"Time limit exceeded. limit: {time_limit} seconds")
            limit = _limit_reached(context, exceeded)
        except LimitExceeded as ex:
            limit = _limit_reached(context, ex)
        finally:
            context.working_deadline, context.solving = None, False
        if options.score:
            await _score(task, state, target, sample, context, scores)
    except asyncio.CancelledError as ex:
        error = _error(ex, options.traceback_locals)
        scores = {}
    except Exception as ex:
        error = _error(ex, options.traceback_locals)
        scores = {}
        context.events.append(ErrorEvent(timestamp=_now(), working_start=context.working_time(), error=error))
        if options.score and options.score_on_error:
            with contextlib.suppress(Exception):  # the sample's own error is the one to report
                await _score(task, state, target, sample, context, scores)
    finally:
        exit_sample(token)
    if options.log_model_api is False:
        for event in context.events:
            if isinstance(event, ModelEvent):
                event.call = None
    elapsed = time.monotonic() - started
    return EvalSample(
        id=id_of(sample),
        epoch=epoch,
        input=sample.input,
        target=sample.target,
        choices=sample.choices,
        messages=state.messages,
        output=state.output,
        scores=scores,
        metadata=dict(sample.metadata or {}),
        store=state.store,
        events=context.events,
        model_usage=context.model_usage,
        started_at=started_at,
        completed_at=_now(),
        total_time=round(elapsed, 3),
        working_time=round(context.working_time(), 3),
        turn_count=context.turns,
        uuid=state.uuid,
        error=error,
        limit=limit,
    )


def _limit_reached(context: SampleContext, exceeded: LimitExceeded) -> EvalSampleLimit:
    """The sample's record of the limit that stopped it, and its event."""
    context.events.append(
        SampleLimitEvent(
            timestamp=_now(),
            working_start=context.working_time(),
            type=exceeded.kind,
            message=exceeded.message,
            limit=float(exceeded.limit),
        )
    )
    return EvalSampleLimit(type=exceeded.kind, limit=float(exceeded.limit), reason=exceeded.message)


class LogCapture(logging.Handler):
    """Records what tasks log with Python's logging (info and above, or
    `level`) for `log.logging`; with `console`, also shows on stderr what they
    log at that level and above."""

    def __init__(self, level: int = logging.INFO, console: int | None = None) -> None:
        super().__init__(level)
        self.records: list[LoggingMessage] = []
        self._level: int | None = None
        self._console: logging.Handler | None = None
        if console is not None:
            self._console = logging.StreamHandler()  # stderr
            self._console.setLevel(console)
            self._console.addFilter(lambda record: not _ours(record))

    @classmethod
    def of(cls, options: EvalOptions) -> LogCapture:
        """The capture the options ask for (--log-level-transcript, --log-level)."""
        transcript = LOG_LEVELS[options.log_level_transcript.lower()] if options.log_level_transcript else logging.INFO
        console = LOG_LEVELS[options.log_level.lower()] if options.log_level else None
        return cls(transcript, console)

    def emit(self, record: logging.LogRecord) -> None:
        if _ours(record):
            return
        self.records.append(
            LoggingMessage(
                name=record.name,
                level=record.levelname.lower(),
                message=record.getMessage(),
                created=record.created * 1000,
                filename=record.filename,
                module=record.module,
                lineno=record.lineno,
            )
        )

    def drain(self) -> list[LoggingMessage]:
        """The records captured since the last drain."""
        records, self.records = self.records, []
        return records

    def start(self) -> None:
        root = logging.getLogger()
        self._level = root.level
        lowest = min(self.level, self._console.level if self._console is not None else self.level) or 1
        if root.level > lowest or root.level == logging.NOTSET:
            root.setLevel(lowest)
        root.addHandler(self)
        if self._console is not None:
            root.addHandler(self._console)

    def stop(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        if self._console is not None:
            root.removeHandler(self._console)
        if self._level is not None:
            root.setLevel(self._level)


def _ours(record: logging.LogRecord) -> bool:
    """Records of this package and the libraries it uses, not of the task."""
    return record.name.split(".")[0] in ("asyncio", "aiohttp", "botocore", "s3fs", "fsspec", "urllib3", "inspect_cli")
