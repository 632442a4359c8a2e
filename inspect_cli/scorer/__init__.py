"""Scorers, metrics and epoch reducers."""

from ..log._metrics import (
    SampleScore,
    accuracy,
    mean,
    metric,
    metric_by_name,
    reducer,
    std,
    stderr,
    var,
)
from ..log._results import ScorerResult, eval_scores, score_results
from ..log._types import CORRECT, INCORRECT, NOANSWER, PARTIAL, Score, ScoreEdit, value_to_float
from ..solver._task_state import Target
from ._scorers import Scorer, choice, exact, includes, match, model_graded_qa, pattern, scorer

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NOANSWER",
    "PARTIAL",
    "SampleScore",
    "Score",
    "ScoreEdit",
    "Scorer",
    "ScorerResult",
    "Target",
    "accuracy",
    "choice",
    "eval_scores",
    "exact",
    "includes",
    "match",
    "mean",
    "metric",
    "metric_by_name",
    "model_graded_qa",
    "pattern",
    "reducer",
    "score_results",
    "scorer",
    "std",
    "stderr",
    "value_to_float",
    "var",
]
