"""Scorers, metrics and epoch reducers."""

from ._metric import (
    CORRECT,
    INCORRECT,
    NOANSWER,
    PARTIAL,
    accuracy,
    mean,
    metric,
    reducer,
    std,
    stderr,
    value_to_float,
    var,
)
from ._results import ScorerResult, score_results

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NOANSWER",
    "PARTIAL",
    "ScorerResult",
    "accuracy",
    "mean",
    "metric",
    "reducer",
    "score_results",
    "std",
    "stderr",
    "value_to_float",
    "var",
]
