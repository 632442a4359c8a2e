"""The one metric that sums up an eval (what listings and the viewer show first)."""

from __future__ import annotations

from typing import NamedTuple

from .._console import warn
from ._types import EvalLog, EvalMetric, EvalScore, HeadlineMetric


class ResolvedHeadlineMetric(NamedTuple):
    """The headline: the score it belongs to, its name there, and the metric."""

    score: EvalScore
    name: str
    metric: EvalMetric


def headline_metric(log: EvalLog) -> ResolvedHeadlineMetric | None:
    """The metric chosen by `results.headline` (else `eval.headline_metric`),
    or else the first metric of the first score; None when there is no metric.

    A choice that matches nothing is reported (a warning) and the first metric
    is taken instead.
    """
    scores = log.results.scores if log.results else []
    return resolve_headline(scores, (log.results.headline if log.results else None) or log.eval.headline_metric)


def resolve_headline(scores: list[EvalScore], choice: HeadlineMetric | None) -> ResolvedHeadlineMetric | None:
    """The metric `choice` picks among `scores`, else the first metric of the first score."""
    if choice is not None:
        found = _chosen(scores, choice)
        if found is not None:
            return found
    if not scores or not scores[0].metrics:
        return None
    name, metric = next(iter(scores[0].metrics.items()))
    return ResolvedHeadlineMetric(scores[0], name, metric)


def _chosen(scores: list[EvalScore], choice: HeadlineMetric) -> ResolvedHeadlineMetric | None:
    candidates = [
        s
        for s in scores
        if (choice.scorer is None or s.scorer == choice.scorer)
        and (choice.score is None or s.name == choice.score)
        and (choice.reducer is None or s.reducer == choice.reducer)
    ]
    if not candidates:
        for what, value in (("scorer", choice.scorer), ("score", choice.score), ("reducer", choice.reducer)):
            if value is not None:
                _fallback(what, value)
                return None
    for score in candidates:
        if choice.metric is None:
            if score.metrics:
                name, metric = next(iter(score.metrics.items()))
                return ResolvedHeadlineMetric(score, name, metric)
        elif choice.metric in score.metrics:
            return ResolvedHeadlineMetric(score, choice.metric, score.metrics[choice.metric])
    if choice.metric is not None:
        _fallback("metric", choice.metric)
    return None


def _fallback(what: str, value: str) -> None:
    warn(f"Headline {what} '{value}' not found in eval results (using the first metric of the first score instead).")
