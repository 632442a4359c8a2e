"""Metrics over sample scores, and the epoch reducers that come before them.

These compute what Inspect records in `results.scores[].metrics`; the tests
recompute every fixture log's metrics with them, and the eval engine uses them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

CORRECT, INCORRECT, PARTIAL, NOANSWER = "C", "I", "P", "N"

_STRING_VALUES = {CORRECT: 1.0, INCORRECT: 0.0, PARTIAL: 0.5, NOANSWER: 0.0, "yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0}

Metric = Callable[[Sequence[float]], float]
Reducer = Callable[[Sequence[Any]], Any]


def value_to_float(value: Any) -> float:
    """A score value as a number: C/I/P/N grades, booleans, yes/no, numbers.

    None (how logs before 0.3.50 stored NaN and Infinity) counts as NaN.
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        grade = _STRING_VALUES.get(text, _STRING_VALUES.get(text.lower()))
        if grade is not None:
            return grade
        try:
            return float(text)
        except ValueError:
            return 0.0
    return 0.0


def accuracy(values: Sequence[float]) -> float:
    """The mean of the values (grades already mapped: C=1, P=0.5, I=0)."""
    return _mean(values)


def mean(values: Sequence[float]) -> float:
    return _mean(values)


def stderr(values: Sequence[float]) -> float:
    """Standard error of the mean: sample standard deviation / sqrt(n)."""
    n = len(values)
    if n < 2:
        return 0.0
    mu = _mean(values)
    variance = sum((v - mu) ** 2 for v in values) / (n - 1)
    return math.sqrt(variance / n)


def std(values: Sequence[float]) -> float:
    """Sample standard deviation."""
    n = len(values)
    if n < 2:
        return 0.0
    mu = _mean(values)
    return math.sqrt(sum((v - mu) ** 2 for v in values) / (n - 1))


def var(values: Sequence[float]) -> float:
    """Sample variance."""
    n = len(values)
    if n < 2:
        return 0.0
    mu = _mean(values)
    return sum((v - mu) ** 2 for v in values) / (n - 1)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "mean": mean,
    "stderr": stderr,
    "std": std,
    "var": var,
}


def metric(name: str) -> Metric:
    """A metric by its log name ('accuracy' or 'inspect_ai/accuracy')."""
    try:
        return METRICS[name.rsplit("/", 1)[-1]]
    except KeyError:
        raise KeyError(f"unknown metric '{name}' (known: {', '.join(METRICS)})") from None


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
    raise KeyError(f"unknown epoch reducer '{name}'")
