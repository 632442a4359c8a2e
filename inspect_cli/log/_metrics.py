"""Metrics over sample scores, and the epoch reducers that come before them.

These compute what Inspect records in `results.scores[].metrics`; the eval
engine and `recompute_metrics` use them, and the tests recompute every fixture
log's metrics with them. They live with the log model because recomputing a
log's results must not need the task API (scorers, solvers, models).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from .._registry import factory
from ..errors import UsageError
from ._types import Score, value_to_float

Reducer = Callable[[Sequence[Any]], Any]


class SampleScore:
    """A sample's (epoch-reduced) score, as metrics receive it."""

    def __init__(
        self, score: Score, sample_id: int | str | None = None, sample_metadata: dict[str, Any] | None = None
    ) -> None:
        self.score = score
        self.sample_id = sample_id
        self.sample_metadata = sample_metadata


MetricFn = Callable[[list[SampleScore]], float]
_METRICS: dict[str, Callable[..., MetricFn]] = {}


def metric(name: str | Callable[..., MetricFn] | None = None) -> Any:
    """Decorate a function that returns a metric (a function of a list of
    SampleScore to a number): `@metric` or `@metric(name="my_metric")`."""

    def register(fn: Callable[..., MetricFn], registered: str | None) -> Callable[..., MetricFn]:
        made = factory(registered)(fn)
        _METRICS[registered or fn.__name__] = made
        return made

    if callable(name):
        return register(name, None)
    return lambda fn: register(fn, name)


def metric_by_name(name: str, params: dict[str, Any] | None = None) -> MetricFn:
    """A metric by its log name ('accuracy' or 'inspect_ai/accuracy')."""
    key = name.rsplit("/", 1)[-1]
    if key not in _METRICS:
        raise KeyError(f"unknown metric '{name}' (known: {', '.join(sorted(_METRICS))})")
    return _METRICS[key](**(params or {}))


def _floats(scores: list[SampleScore]) -> list[float]:
    return [value_to_float(s.score.value) for s in scores]


@metric
def accuracy() -> MetricFn:
    """The mean of the scores (grades mapped: C=1, P=0.5, I=0)."""
    return lambda scores: _mean(_floats(scores))


@metric
def mean() -> MetricFn:
    """The mean of the scores."""
    return lambda scores: _mean(_floats(scores))


@metric
def stderr() -> MetricFn:
    """Standard error of the mean: sample standard deviation / sqrt(n)."""
    return lambda scores: _stderr(_floats(scores))


@metric
def std() -> MetricFn:
    """Sample standard deviation."""
    return lambda scores: _std(_floats(scores))


@metric
def var() -> MetricFn:
    """Sample variance."""
    return lambda scores: _var(_floats(scores))


def _var(values: Sequence[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    mu = _mean(values)
    return sum((v - mu) ** 2 for v in values) / (n - 1)


def _std(values: Sequence[float]) -> float:
    return math.sqrt(_var(values))


def _stderr(values: Sequence[float]) -> float:
    # std / sqrt(n), in that order: Inspect's figures to the last bit
    return _std(values) / math.sqrt(len(values)) if len(values) >= 2 else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


# ---------------------------------------------------------------------------
# Epoch reducers: one value per sample from its values over the epochs.


def _reduce_with(fn: Callable[[list[float]], float]) -> Reducer:
    def reduce(values: Sequence[Any]) -> Any:
        if values and all(isinstance(v, dict) for v in values):
            keys = list(values[0])
            return {k: fn([value_to_float(v.get(k)) for v in values]) for k in keys}
        return fn([value_to_float(v) for v in values])

    return reduce


def _mode(values: list[float]) -> float:
    return statistics.multimode(values)[0]


def _at_least(k: int) -> Callable[[list[float]], float]:
    return lambda values: 1.0 if sum(1 for v in values if v >= 1.0) >= k else 0.0


REDUCERS: dict[str, Reducer] = {
    "mean": _reduce_with(_mean),
    "median": _reduce_with(statistics.median),
    "mode": _reduce_with(_mode),
    "max": _reduce_with(max),
}


def reducer(name: str | None) -> Reducer:
    """An epoch reducer by name: mean (the default), median, mode, max, at_least_<k>."""
    name = (name or "mean").rsplit("/", 1)[-1]
    if name in REDUCERS:
        return REDUCERS[name]
    if name.startswith("at_least_") and name[len("at_least_") :].isdigit():
        return _reduce_with(_at_least(int(name[len("at_least_") :])))
    raise UsageError(f"unknown epoch reducer '{name}' (use {', '.join(REDUCERS)} or at_least_K)")
