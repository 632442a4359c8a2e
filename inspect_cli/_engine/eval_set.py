"""`eval_set()`: run every task against every model until all succeed; run
again on the same log dir, it picks up where the last run stopped.

A member of the set is one task (with its arguments) against one model. It is
known by what changes its results, read from its log's header: task file and
name, task arguments, model and model arguments, generation settings other
than the transport ones (connections, retries, timeouts, prompt caching), and
the message, token, time, working, turn and cost limits. As in Inspect 0.3.285, `limit`,
`sample_id` and `epochs` are not part of it. So finding the members' logs in
the log dir reads headers only, never samples.

A member with a `success` log is done and does not run. One whose newest log
is `error`, `cancelled` or `started` (its process died) is retried as
`eval_retry` retries: the samples that finished are kept, the others run, and
the task id stays the same. The others run from scratch. Members that fail are
retried up to `retry_attempts` times, `retry_wait` seconds apart, doubled at
each attempt (at most an hour), with `max_connections` scaled by
`retry_connections` per attempt; all together after each round, or each on
its own as soon as it fails with `retry_immediate`. Once a member succeeds,
its failed logs are deleted (`retry_cleanup`).

The log dir holds `eval-set.json` (the set's id and members, with their task
ids and their order), `.eval-set-id` (the id alone) and the `logs.json`
manifest Inspect's viewer reads, all rewritten at every run. A log dir holding
logs of other evals is refused unless `log_dir_allow_dirty`. While a run
works, it holds the log dir's lock (`set_lock`): a second run is refused.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import settings, storage
from .._ids import short_uuid
from .._registry import jsonable
from ..errors import EvalSetError, InspectCliError, UsageError
from ..log import bundle_log_dir, list_eval_logs, write_log_dir_manifest
from ..log._bundle import check_bundle_dir
from ..log._bundle import embed_viewer as write_embedded_viewer
from ..log._list import EvalLogInfo, read_headers
from ..log._types import EvalLog, EvalSpec, GenerateConfig
from ..model._model import Model
from .display import Display, shown_location
from .retry import with_samples
from .run import (
    EvalOptions,
    Interrupted,
    LogCapture,
    Runner,
    check_selection,
    redact,
    run_coroutine,
    running,
    settle,
    solver_record,
)
from .set_lock import SetLock
from .task import Task, resolve_tasks

EVAL_SET_FILE = "eval-set.json"
EVAL_SET_ID_FILE = ".eval-set-id"
MAX_RETRY_WAIT = 3600.0

# Settings that change how requests are sent, not what the model answers.
TRANSPORT_SETTINGS = frozenset({"max_connections", "max_retries", "timeout", "attempt_timeout", "cache_prompt"})


def eval_set(
    tasks: Any,
    log_dir: str,
    model: str | Model | Sequence[str | Model] | None = None,
    *,
    retry_attempts: int = 10,
    retry_wait: float = 30,
    retry_connections: float = 1.0,
    retry_immediate: bool = False,
    retry_cleanup: bool = True,
    max_tasks: int = 10,
    eval_set_id: str | None = None,
    log_dir_allow_dirty: bool = False,
    bundle_dir: str | None = None,
    bundle_overwrite: bool = False,
    embed_viewer: bool = False,
    on_start: Callable[[str], None] | None = None,
    **options: Any,
) -> tuple[bool, list[EvalLog]]:
    """Run `tasks` x `model` in `log_dir` until every member succeeds or the
    retries run out; (whether all succeeded, each member's latest log).

    Logs of members that had succeeded before hold their header only.
    `on_start` is called with the set's id once it is known (the log dir
    locked and read), before any member runs. With `bundle_dir`, a static
    viewer of the log dir is written there at the end (see `bundle_log_dir`;
    an existing one is replaced only with `bundle_overwrite`, which is checked
    before anything runs). With `embed_viewer`, the log dir itself gets the
    viewer after the run (see `log._bundle.embed_viewer`), refreshed at
    every run. Other options are `eval()`'s.
    """
    settings.load_dotenv()
    settings.register_secrets()
    if not log_dir:
        raise UsageError("an eval set needs a log dir (--log-dir or INSPECT_LOG_DIR)")
    for name, value, ok in (
        ("retry_attempts", retry_attempts, retry_attempts >= 0),
        ("retry_wait", retry_wait, retry_wait >= 0),
        ("retry_connections", retry_connections, 0 < retry_connections <= 1),
    ):
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            expected = "more than 0 and at most 1" if name == "retry_connections" else "at least 0"
            raise UsageError(f"{name} must be {expected}, not {value}")
    if bundle_dir:
        check_bundle_dir(bundle_dir, bundle_overwrite)
    opts = EvalOptions(log_dir=log_dir, max_tasks=max_tasks, **options)
    plan = _Plan(
        retry_attempts=retry_attempts,
        retry_wait=retry_wait,
        retry_connections=retry_connections,
        retry_immediate=retry_immediate,
    )
    capture = LogCapture.of(opts)
    capture.start()  # task functions may log while they build their tasks
    try:
        resolved = resolve_tasks(tasks, opts.task_args)
        for task in resolved:
            check_selection(task, opts)
        models: list[str | Model | None] = [model] if model is None or isinstance(model, (str, Model)) else list(model)
        members = _members(resolved, models, opts)
        with SetLock(opts.log_dir):
            _find_logs(opts.log_dir, members, log_dir_allow_dirty)
            set_id = _set_id(opts.log_dir, members, eval_set_id)
            _write_set_files(opts.log_dir, set_id, members, redact(opts.model_args))
            opts.eval_set_id = set_id
            if on_start is not None:
                on_start(set_id)
            display = Display(opts.display)
            run_coroutine(_run(members, opts, plan, display, capture))
            if retry_cleanup:
                _clean_up(members)
            write_log_dir_manifest(opts.log_dir)
            if embed_viewer and Interrupted.signal is None:
                write_embedded_viewer(opts.log_dir)
    finally:
        capture.stop()
    logs = [m.log for m in members if m.log is not None]
    display.set_summary(logs)
    if bundle_dir and Interrupted.signal is None:
        bundle_log_dir(opts.log_dir, bundle_dir, bundle_overwrite)
    return all(m.done for m in members), logs


def member_key(spec: EvalSpec) -> str:
    """What identifies an eval set's member, from its log's spec."""
    config = spec.config
    return _key(
        spec.task_file,
        spec.task_registry_name or spec.task,
        spec.task_args,
        spec.model,
        spec.model_args,
        spec.model_generate_config,
        _limits(
            config.message_limit,
            config.token_limit,
            config.time_limit,
            config.working_limit,
            config.turn_limit,
            config.cost_limit,
        ),
        [spec.solver, spec.solver_args_passed] if spec.solver else None,
    )


def _planned_key(task: Task, model: str, options: EvalOptions) -> str:
    """`member_key` of the log this member's eval will write."""
    return _key(
        task.task_file,
        task.registry_name or task.name,
        task.task_args,
        model,
        redact(options.model_args),
        options.generate_config,
        _limits(
            options.message_limit or task.message_limit,
            options.token_limit or task.token_limit,
            options.time_limit or task.time_limit,
            options.working_limit or task.working_limit,
            options.turn_limit or task.turn_limit,
            options.cost_limit or task.cost_limit,
        ),
        _planned_solver(options),
    )


def _limits(message: Any, token: Any, time: Any, *others: Any) -> list[Any]:
    """The limits that identify a member: the working, turn and cost limits
    only when one is set (so sets written before they existed still resume)."""
    return [message, token, time, *others] if any(v is not None for v in others) else [message, token, time]


def _planned_solver(options: EvalOptions) -> list[Any] | None:
    name, _, passed = solver_record(options)
    return [name, passed] if name else None


def _key(
    task_file: str | None,
    task: str,
    task_args: dict[str, Any],
    model: str,
    model_args: dict[str, Any],
    config: GenerateConfig,
    limits: list[Any],
    solver: list[Any] | None = None,
) -> str:
    """(A solver replacing the task's is part of the key only when there is
    one: keys of logs that ran the task's own solvers stay what they were.)"""
    generation = {
        name: value
        for name in GenerateConfig.__struct_fields__
        if name not in TRANSPORT_SETTINGS and (value := getattr(config, name)) is not None
    }
    parts: list[Any] = [task_file, task, task_args, model, model_args, generation, limits]
    if solver is not None:
        parts.append(solver)
    return json.dumps(_canonical(jsonable(parts)), sort_keys=True)


def _canonical(value: Any) -> Any:
    """Whole floats as ints: `--temperature 1` and `temperature=1` are one setting."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


@dataclass
class _Member:
    task: Task
    model: str | Model
    key: str
    task_id: str = ""
    log: EvalLog | None = None  # its latest outcome (a success found in the log dir wins)
    failed: list[str] = field(default_factory=list)  # locations of its failed logs

    @property
    def done(self) -> bool:
        return self.log is not None and self.log.status == "success"


@dataclass
class _Plan:
    retry_attempts: int
    retry_wait: float
    retry_connections: float
    retry_immediate: bool

    def wait(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1, 2, ...)."""
        return float(min(self.retry_wait * 2 ** (attempt - 1), MAX_RETRY_WAIT))


def _members(tasks: list[Task], models: list[str | Model | None], options: EvalOptions) -> list[_Member]:
    members: list[_Member] = []
    seen: dict[str, str] = {}
    for task in tasks:
        for given in models:
            model = given if given is not None else task.model or settings.get(settings.EVAL_MODEL)
            if model is None:
                raise UsageError(
                    "no model given: pass --model (e.g. --model openai/gpt-4o-mini) or set INSPECT_EVAL_MODEL"
                )
            name = model.name if isinstance(model, Model) else model
            key = _planned_key(task, name, options)
            if key in seen:
                raise EvalSetError(f"task {task.name} against {name} is in the eval set twice (as {seen[key]})")
            seen[key] = f"{task.name} against {name}"
            members.append(_Member(task, model, key))
    return members


def _find_logs(log_dir: str, members: list[_Member], allow_dirty: bool) -> None:
    """Give each member its logs in the log dir (headers only), refusing logs
    of other evals unless `allow_dirty`."""
    infos: list[EvalLogInfo] = list_eval_logs(log_dir)  # newest first
    by_key = {m.key: m for m in members}
    for info, header in zip(infos, read_headers(infos)):
        member = by_key.get(member_key(header.eval)) if isinstance(header, EvalLog) else None
        if member is None:
            if allow_dirty:
                continue
            raise EvalSetError(
                f"{shown_location(info.name)} is not a log of this eval set (its task, model or settings differ, or it cannot be "
                "read): use a new log dir, or --log-dir-allow-dirty to leave such logs alone"
            )
        assert isinstance(header, EvalLog)
        if header.status != "success":
            member.failed.append(info.name)
        if member.log is None or (header.status == "success" and not member.done):
            member.log = header
    for member in members:
        member.task_id = member.log.eval.task_id if member.log is not None else short_uuid()


def _set_id(log_dir: str, members: list[_Member], given: str | None) -> str:
    """The set's id: the log dir's (from eval-set.json or its logs), which
    `given` must match; else `given`, else a new one."""
    current = None
    path = storage.join(log_dir, EVAL_SET_FILE)
    if storage.exists(path):
        try:
            current = json.loads(storage.read_bytes(path)).get("eval_set_id")
        except (ValueError, AttributeError):
            raise EvalSetError(f"{path} is not an eval set file (not the JSON object Inspect writes)") from None
    if current is None:
        current = next((m.log.eval.eval_set_id for m in members if m.log is not None and m.log.eval.eval_set_id), None)
    if given is not None and current is not None and given != current:
        raise EvalSetError(f"the eval set id {given!r} is not the one of the set in {log_dir} ({current!r})")
    return given or current or short_uuid()


def _write_set_files(log_dir: str, set_id: str, members: list[_Member], model_args: dict[str, Any]) -> None:
    record = {
        "eval_set_id": set_id,
        "tasks": [
            {
                "name": m.task.name,
                "task_id": m.task_id,
                "task_file": m.task.task_file,
                "task_args": m.task.task_args_passed,
                "model": m.model.name if isinstance(m.model, Model) else m.model,
                "model_args": model_args,
                "sequence": sequence,
            }
            for sequence, m in enumerate(members)
        ],
    }
    storage.write_bytes(storage.join(log_dir, EVAL_SET_FILE), json.dumps(record, indent=2).encode())
    storage.write_bytes(storage.join(log_dir, EVAL_SET_ID_FILE), set_id.encode())


async def _run(members: list[_Member], base: EvalOptions, plan: _Plan, display: Display, capture: LogCapture) -> None:
    """Run the members that are not done, retrying as `plan` says; Ctrl-C ends
    the run (the interrupted evals' logs say `cancelled`)."""
    pending = [m for m in members if not m.done]
    if not pending:
        return
    with running(capture):
        runner = Runner(base.max_tasks or 1, display, capture, base.run_id)

        async def attempt(member: _Member, number: int) -> EvalLog:
            options = copy.copy(base)
            options.model = member.model
            options.task_id = member.task_id
            options.connections_factor = plan.retry_connections**number
            previous = member.log
            options.retry_of = None if previous is None else await asyncio.to_thread(with_samples, previous)
            log = await runner.run(member.task, options)
            member.log = log
            if log.status != "success" and log.location:
                member.failed.append(log.location)
            return log

        async def until_done(member: _Member) -> None:
            for number in range(plan.retry_attempts + 1):
                if number:
                    await asyncio.sleep(plan.wait(number))
                if (await attempt(member, number)).status in ("success", "cancelled"):
                    return

        if plan.retry_immediate:
            await settle([asyncio.create_task(until_done(m)) for m in pending])
            return
        for number in range(plan.retry_attempts + 1):
            if number:
                try:
                    await asyncio.sleep(plan.wait(number))
                except asyncio.CancelledError:
                    current = asyncio.current_task()
                    if current is not None:
                        current.uncancel()
                    return
            logs = await settle([asyncio.create_task(attempt(m, number)) for m in pending])
            if len(logs) < len(pending) or any(log.status == "cancelled" for log in logs):
                return  # interrupted
            pending = [m for m in pending if not m.done]
            if not pending:
                return


def _clean_up(members: list[_Member]) -> None:
    """Delete the failed logs of members that succeeded (the success holds
    their finished samples)."""
    for member in members:
        if member.done:
            for location in member.failed:
                try:
                    storage.remove(location)
                except InspectCliError:
                    pass  # a log left behind costs nothing but space
            member.failed = []
