"""Scoring a finished log again, with other scorers (`inspect score`, `score()`).

Each sample is scored from what the log holds (its messages and output), so
no model is asked again unless a scorer itself asks one (a model-graded
scorer). As Inspect does: every sample is scored, the failed ones too; the
new scores are appended to the sample's (or replace them, with action
"overwrite"), each scorer's events are added inside the sample's scorers
span, and the results and reductions of the new scorers are computed over
all samples (appended to those already there, or replacing them). A new
scorer whose name is taken gets a number (`match1`). Everything else (status,
stats, the other samples' fields) stays as it was.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from .._ids import short_uuid
from .._registry import name_of, params_of
from ..errors import InspectCliError, LogError, UsageError
from ..log._edit import copy_struct
from ..log._headline import resolve_headline
from ..log._results import eval_scores
from ..log._types import (
    EvalLog,
    EvalResults,
    EvalSample,
    EvalScorer,
    Event,
    HeadlineMetric,
    Score,
    ScoreEvent,
    SpanBeginEvent,
    SpanEndEvent,
)
from ..scorer._scorers import Scorer, is_scorer_factory, metrics_of
from ..solver._task_state import Target, TaskState

ScoreAction = Literal["append", "overwrite"]
ACTIONS: tuple[ScoreAction, ...] = ("append", "overwrite")
SCORING_CONCURRENCY = 16  # samples scored at once (a model-graded scorer asks a model for each)


def score(
    log: EvalLog,
    scorers: Scorer | Sequence[Scorer],
    metrics: Sequence[Any] | None = None,
    epochs_reducer: str | None = None,
    model: Any = None,
    model_roles: dict[str, Any] | None = None,
    action: ScoreAction | None = None,
    display: str | None = None,
    copy: bool = True,
) -> EvalLog:
    """Score `log`'s samples again with `scorers` and return the scored log (not
    written: see `write_eval_log`).

    `metrics` (metric functions or names) replace the scorers' own; `epochs_reducer`
    reduces each sample's epochs (default: the log's, else mean); `model` is the
    model a model-graded scorer asks (default: the log's); `model_roles` (role:
    model name, Model or {"model": ..., settings}) go over the roles the log
    records; `action` is "append" (default) or "overwrite"; with `copy` False,
    `log` itself is changed. `display` is accepted as Inspect's `score()` takes
    it; nothing is displayed.
    """
    from .run import run_coroutine

    scored: EvalLog = run_coroutine(
        score_async(log, scorers, metrics, epochs_reducer, model, model_roles, action, display, copy)
    )
    return scored


async def score_async(
    log: EvalLog,
    scorers: Scorer | Sequence[Scorer],
    metrics: Sequence[Any] | None = None,
    epochs_reducer: str | None = None,
    model: Any = None,
    model_roles: dict[str, Any] | None = None,
    action: ScoreAction | None = None,
    display: str | None = None,
    copy: bool = True,
) -> EvalLog:
    """`score()` in a running event loop."""
    from ..log._metrics import reducer
    from .display import Display

    Display.check(display)
    action = action or "append"
    if action not in ACTIONS:
        raise UsageError(f"action must be append or overwrite, not {action!r}")
    if epochs_reducer is not None:
        reducer(epochs_reducer)  # an unknown name fails before any scoring
    chosen: list[Scorer] = list(scorers) if isinstance(scorers, (list, tuple)) else [scorers]  # type: ignore[list-item]  # one scorer
    if not chosen:
        raise UsageError("no scorers given")
    if not log.samples:
        raise LogError("there are no samples to score in the log")
    if copy:
        log = log.model_copy(deep=True)
    samples = log.samples or []
    taken = set() if action == "overwrite" else _names_in(log)
    names = [_unique(name_of(s), taken) for s in chosen]
    metric_specs = [_metric_specs(metrics if metrics is not None else metrics_of(s)) for s in chosen]

    roles = {**(log.eval.model_roles or {}), **(model_roles or {})}
    with _scoring_model(model, log.eval.model, roles, model_roles or {}):
        semaphore = asyncio.Semaphore(SCORING_CONCURRENCY)

        async def one(sample: EvalSample) -> None:
            async with semaphore:
                await _score_sample(log, sample, chosen, action)

        await asyncio.gather(*(one(s) for s in samples))

    reducer_name = epochs_reducer or next(iter(log.eval.config.epochs_reducer or []), None)
    specs = [(name, specs, params_of(s)[1]) for name, specs, s in zip(names, metric_specs, chosen)]
    new_scores, new_reductions = eval_scores(samples, specs, reducer_name, skip_errors=False)
    new_scorers = [
        EvalScorer(
            name=name_of(s),
            options=params_of(s)[1],
            metrics=[{"name": _log_metric_name(m), "options": p} for m, p in specs_],
            metadata={},
        )
        for s, specs_ in zip(chosen, metric_specs)
    ]
    old = log.results if action == "append" else None
    if old is not None:
        scores = [*old.scores, *new_scores]
        log.results = copy_struct(old, scores=scores, headline=old.headline or _headline(scores, log))
    else:
        log.results = EvalResults(
            total_samples=len(samples),
            completed_samples=sum(1 for s in samples if s.error is None),
            scores=new_scores,
            headline=_headline(new_scores, log),
        )
    log.reductions = [*((log.reductions or []) if action == "append" else []), *new_reductions]
    # As Inspect does, the scorers of a log without results (a failed eval) are not kept.
    kept = (log.eval.scorers or []) if old is not None else []
    log.eval.scorers = [*kept, *new_scorers]
    if epochs_reducer is not None:
        log.eval.config.epochs_reducer = [epochs_reducer]
    return log


def score_log_file(
    log_file: str,
    scorers: Sequence[Scorer] | None = None,
    *,
    metrics: Sequence[Any] | None = None,
    model: str | None = None,
    model_base_url: str | None = None,
    model_args: dict[str, Any] | None = None,
    model_roles: dict[str, Any] | None = None,
    action: ScoreAction | None = None,
    output_file: str | None = None,
    output_dir: str | None = None,
    overwrite: bool = False,
) -> EvalLog:
    """Score the log at `log_file` again (see `score()`) and write the result: to
    `output_file`, into `output_dir` under the same name, over the original with
    `overwrite`, else beside it as NAME-scored.EXT. The original is never
    changed unless `overwrite`; an existing file of another run is never replaced.
    Without `scorers`, the scorers the log records are made again (see
    `logged_scorers`). `model_base_url` and `model_args` apply to `model` (or,
    without it, to the log's model). Returns the scored log (its `location` is
    where it was written)."""
    from ..log._file import read_eval_log, write_eval_log
    from ..model._model import get_model

    given = [
        name
        for name, value in (("output file", output_file), ("output dir", output_dir), ("overwrite", overwrite))
        if value
    ]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} exclude each other: give one")
    target = scored_location(log_file, output_file, output_dir, overwrite)
    log = read_eval_log(log_file)
    chosen = list(scorers) if scorers is not None else logged_scorers(log)
    grader: Any = model
    if model_base_url is not None or model_args:
        grader = get_model(model or log.eval.model or None, base_url=model_base_url, **(model_args or {}))
    scored = score(log, chosen, metrics=metrics, model=grader, model_roles=model_roles, action=action, copy=False)
    write_eval_log(scored, target)
    return scored


def logged_scorers(log: EvalLog) -> list[Scorer]:
    """The scorers `log` records (`eval.scorers`), made again with the arguments
    recorded: built-ins by name, others from the log's task file (its path as
    recorded, relative to the current folder). As in Inspect, the task itself is
    not made again, and each scorer computes its own metrics."""
    recorded = log.eval.scorers or []
    if not recorded:
        raise UsageError("the log records no scorers: give one with --scorer")
    from_file: dict[str, Callable[..., Scorer]] | None = None
    made: list[Scorer] = []
    for entry in recorded:
        name = entry.name.removeprefix("inspect_ai/")
        factory = _builtin_scorer_or_none(name)
        if factory is None:
            if from_file is None:
                from_file = _task_file_scorers(log, name)
            factory = from_file.get(name)
            if factory is None:
                raise UsageError(
                    f"scorer '{name}' is not in the log's task file {log.eval.task_file}: give one with --scorer"
                )
        made.append(_made(factory, name, dict(entry.options or {})))
    return made


def _task_file_scorers(log: EvalLog, wanted: str) -> dict[str, Callable[..., Scorer]]:
    """The scorer factories a task file's module holds (defined or imported there)."""
    from .task import load_module

    path = log.eval.task_file
    if not path or not os.path.isfile(path):
        where = f"the log's task file {path} is not there" if path else "the log records no task file"
        raise UsageError(
            f"scorer '{wanted}' is not built in and {where} (run from the folder the eval ran in, or give --scorer)"
        )
    module = load_module(path, "task")
    return {name_of(obj): obj for obj in vars(module).values() if is_scorer_factory(obj)}


def scored_location(log_file: str, output_file: str | None, output_dir: str | None, overwrite: bool) -> str:
    """Where the re-scored log goes (see `score_log_file`)."""
    if output_file is not None:
        return output_file
    if overwrite:
        return log_file
    folder, sep, name = log_file.rpartition("/")
    if os.sep != "/" and os.sep in name:
        folder, sep, name = log_file.rpartition(os.sep)
    if output_dir is not None:
        return f"{output_dir.rstrip('/')}/{name}"
    stem, dot, ext = name.rpartition(".")
    scored = f"{stem}-scored.{ext}" if dot and stem else f"{name}-scored"
    return f"{folder}{sep}{scored}"


def _names_in(log: EvalLog) -> set[str]:
    """Score names the log already uses (which new scorers must not reuse)."""
    names = {s.name for s in (log.results.scores if log.results else [])}
    for sample in log.samples or []:
        names.update(sample.scores or {})
    return names


def _unique(name: str, taken: set[str]) -> str:
    chosen, n = name, 0
    while chosen in taken:
        n += 1
        chosen = f"{name}{n}"
    taken.add(chosen)
    return chosen


def _metric_specs(metrics: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, arguments) of each metric: metric functions, or their names."""
    from ..log._metrics import metric_by_name

    out: list[tuple[str, dict[str, Any]]] = []
    for m in metrics:
        if isinstance(m, str):
            try:
                metric_by_name(m)
            except KeyError as ex:
                raise UsageError(str(ex.args[0])) from None
            out.append((m.rsplit("/", 1)[-1], {}))
        else:
            out.append((name_of(m), params_of(m)[0]))
    return out


def _log_metric_name(name: str) -> str:
    """A metric's name as `eval.scorers` records it (builtins under inspect_ai/)."""
    from ..log import _metrics

    builtin = getattr(_metrics, name, None)
    return f"inspect_ai/{name}" if builtin is not None and name_of(builtin, "") == name else name


def _headline(scores: list[Any], log: EvalLog) -> HeadlineMetric | None:
    headline = resolve_headline(scores, log.eval.headline_metric)
    if headline is None:
        return None
    return HeadlineMetric(
        scorer=headline.score.scorer, score=headline.score.name, metric=headline.name, reducer=headline.score.reducer
    )


class _scoring_model:
    """The models model-graded scorers ask while scoring: `model` if given, else
    the log's, and the log's model roles with `roles` over them. What the log
    names but cannot be made here (a provider without its API key set) is left
    out: such scorers get the usual default, INSPECT_EVAL_MODEL."""

    def __init__(self, model: Any, logged: str, roles: dict[str, Any], given_roles: dict[str, Any]) -> None:
        self.model, self.logged, self.roles, self.given_roles = model, logged, roles, given_roles
        self.tokens: tuple[Any, Any] = (None, None)

    def __enter__(self) -> None:
        from ..model._context import set_active_model, set_model_roles
        from ..model._model import Model, get_model
        from .run import role_model

        active: Model | None = None
        if self.model is not None:
            active = get_model(self.model)
        else:
            try:
                active = get_model(self.logged) if self.logged else None
            except InspectCliError:
                active = None
        roles: dict[str, Model] = {}
        for name, value in self.roles.items():
            try:
                roles[name] = role_model(name, value)[0]
            except InspectCliError:
                if name in self.given_roles:
                    raise
        self.tokens = (
            set_active_model(active) if active is not None else None,
            set_model_roles(roles) if roles else None,
        )

    def __exit__(self, *exc: object) -> None:
        from ..model._context import _model, _roles

        model_token, roles_token = self.tokens
        if roles_token is not None:
            _roles.reset(roles_token)
        if model_token is not None:
            _model.reset(model_token)


async def _score_sample(log: EvalLog, sample: EvalSample, scorers: list[Scorer], action: ScoreAction) -> None:
    """Score one sample. As in Inspect, a new score's name is made unique among
    this sample's scores (the results' name, among all the log's): a sample
    that had no score named like the scorer gets the plain name."""
    state = TaskState(
        model=log.eval.model,
        sample_id=sample.id,
        epoch=sample.epoch,
        input=sample.input,
        messages=list(sample.messages),
        target=Target(sample.target),
        choices=sample.choices,
        output=sample.output,
        metadata=dict(sample.metadata or {}),
        sample_uuid=sample.uuid,
    )
    state.store = dict(sample.store or {})
    new: dict[str, Score] = {}
    events: list[Event] = []
    taken = set(sample.scores or {}) if action == "append" else set()
    for s in scorers:
        name = _unique(name_of(s), taken)
        try:
            result = await s(state, Target(sample.target))
        except Exception as ex:
            raise InspectCliError(
                f"scorer {name} failed on sample {sample.id} (epoch {sample.epoch}): {type(ex).__name__}: {ex}"
            ) from None
        if not isinstance(result, Score):
            raise InspectCliError(f"scorer {name} returned {type(result).__name__}, not a Score")
        new[name] = result
        events.extend(_scorer_span(sample, name, name_of(s), params_of(s)[1], result))
    sample.scores = new if action == "overwrite" else {**(sample.scores or {}), **new}
    sample.events = _placed(list(sample.events), events, action)


def _scorer_span(sample: EvalSample, name: str, scorer: str, args: dict[str, Any], result: Score) -> list[Event]:
    span = short_uuid()
    at = sample.working_time
    return [
        SpanBeginEvent(
            uuid=short_uuid(), span_id=span, timestamp=_now(), working_start=at, id=span, type="scorer", name=scorer
        ),
        ScoreEvent(
            uuid=short_uuid(),
            span_id=span,
            timestamp=_now(),
            working_start=at,
            score=result,
            target=list(Target(sample.target)),
            scorer=name,
            scorer_args=args,
            model_usage=sample.model_usage or None,
        ),
        SpanEndEvent(uuid=short_uuid(), span_id=span, timestamp=_now(), working_start=at, id=span),
    ]


def _placed(events: list[Event], new: list[Event], action: ScoreAction) -> list[Event]:
    """The sample's events with the new scorer spans inside its scorers span
    (after what is there, or in place of it); a log without that span gets one."""
    begin = next((i for i, e in enumerate(events) if isinstance(e, SpanBeginEvent) and e.type == "scorers"), None)
    if begin is None:
        if action == "overwrite":
            events = [e for e in events if not (isinstance(e, ScoreEvent) and not e.intermediate)]
        span, at = short_uuid(), getattr(new[0], "working_start", None) if new else None
        opened = SpanBeginEvent(
            uuid=short_uuid(), span_id=span, timestamp=_now(), working_start=at, id=span, type="scorers", name="scorers"
        )
        closed = SpanEndEvent(uuid=short_uuid(), span_id=span, timestamp=_now(), working_start=at, id=span)
        events, begin = [*events, opened, closed], len(events)
    opening = events[begin]
    span_id = opening.id if isinstance(opening, SpanBeginEvent) else ""
    end = next(
        (i for i, e in enumerate(events) if i > begin and isinstance(e, SpanEndEvent) and e.id == span_id), len(events)
    )
    for e in new:
        if isinstance(e, SpanBeginEvent) and e.type == "scorer":
            e.parent_id = span_id
    kept = events[begin + 1 : end] if action == "append" else []
    return [*events[: begin + 1], *kept, *new, *events[end:]]


def _now() -> str:
    return datetime.now(UTC).isoformat()


# -- scorers by name (the command line's --scorer) ------------------------------


def resolve_scorer(spec: str, args: dict[str, Any] | None = None) -> Scorer:
    """A scorer from `--scorer`: a built-in by name (`match`, `inspect_ai/match`),
    or `file.py@name` / `file.py` (a file with one @scorer function), made with `args`."""
    path, at, wanted = spec.partition("@")
    if at or path.endswith(".py") or os.sep in path:
        factories = _file_scorers(path)
        if wanted:
            if wanted not in factories:
                known = ", ".join(sorted(factories)) or "none"
                raise UsageError(f"no @scorer named '{wanted}' in {path} (scorers there: {known})")
            factory = factories[wanted]
        elif len(factories) == 1:
            factory = next(iter(factories.values()))
        elif not factories:
            raise UsageError(f"no @scorer functions in {path}")
        else:
            raise UsageError(f"{path} has several @scorer functions ({', '.join(sorted(factories))}): use {path}@NAME")
    else:
        factory = _builtin_scorer(spec)
    return _made(factory, spec, args or {})


def _builtin_scorer_or_none(name: str) -> Callable[..., Scorer] | None:
    from .. import scorer as builtins

    factory: Callable[..., Scorer] | None = getattr(builtins, name, None)
    return factory if factory is not None and is_scorer_factory(factory) else None


def _builtin_scorer(spec: str) -> Callable[..., Scorer]:
    from .. import scorer as builtins

    factory = _builtin_scorer_or_none(spec.removeprefix("inspect_ai/"))
    if factory is None:
        known = ", ".join(sorted(n for n in builtins.__all__ if is_scorer_factory(getattr(builtins, n))))
        raise UsageError(f"unknown scorer '{spec}' (built-in scorers: {known}; or give file.py@name)")
    return factory


def _file_scorers(path: str) -> dict[str, Callable[..., Scorer]]:
    from .task import load_module

    module = load_module(path, "scorer")
    return {
        name_of(obj): obj
        for obj in vars(module).values()
        if is_scorer_factory(obj) and getattr(obj, "__module__", None) == module.__name__
    }


def _made(factory: Callable[..., Scorer], spec: str, args: dict[str, Any]) -> Scorer:
    import inspect

    try:
        inspect.signature(factory).bind(**args)
    except TypeError as ex:
        raise UsageError(f"scorer {spec}: {ex} (-S NAME=VALUE)") from None
    try:
        made: Scorer | Awaitable[Any] = factory(**args)
    except InspectCliError:
        raise
    except Exception as ex:
        raise UsageError(f"scorer {spec}: {type(ex).__name__}: {ex}") from None
    if not callable(made):
        raise UsageError(f"scorer {spec} did not make a scorer (it returned {type(made).__name__})")
    return made
