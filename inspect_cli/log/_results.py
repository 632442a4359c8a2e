"""From sample scores to `results` and `reductions`: reduce epochs, then metrics."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ._metrics import SampleScore, metric_by_name, reducer
from ._types import EvalMetric, EvalSample, EvalSampleReductions, EvalSampleScore, EvalScore, Score, value_to_float

MetricSpec = str | tuple[str, dict[str, Any]]


class ScorerResult(NamedTuple):
    scorer: str
    reduced: dict[int | str, Any]  # sample id -> reduced value
    reductions: list[EvalSampleScore]
    scored_samples: int
    unscored_samples: int
    metrics: dict[str, float]


def score_results(
    samples: Iterable[EvalSample],
    scorer: str,
    metrics: Sequence[MetricSpec],
    epoch_reducer: str | None = None,
    reduce_epochs: bool = True,
    skip_errors: bool = True,
) -> ScorerResult:
    """Reduce one scorer's scores over epochs, then compute `metrics` over the samples.

    Samples that lack this scorer's score are left out, and those that failed
    (have an error) unless `skip_errors` is False (a re-scored log's are scored).
    A reduced value that is NaN counts as unscored, as in Inspect. Without
    `reduce_epochs` (`--no-epochs-reducer`), each epoch's score counts as a sample.
    """
    by_id: dict[Any, list[Score]] = {}
    metadata: dict[Any, dict[str, Any]] = {}
    for sample in samples:
        if (skip_errors and sample.error is not None) or not sample.scores or scorer not in sample.scores:
            continue
        key = sample.id if reduce_epochs else (sample.id, sample.epoch)
        by_id.setdefault(key, []).append(sample.scores[scorer])
        metadata.setdefault(key, sample.metadata)
    reduce = reducer(epoch_reducer)
    reductions: list[EvalSampleScore] = []
    for key, scores in by_id.items():
        first = scores[0]
        reductions.append(
            EvalSampleScore(
                value=reduce([s.value for s in scores]) if reduce_epochs else first.value,
                answer=first.answer,
                explanation=first.explanation,
                reason=first.reason,
                metadata=first.metadata,
                sample_id=key if reduce_epochs else key[0],
            )
        )
    scored = [
        SampleScore(r, r.sample_id, metadata.get(key))
        for key, r in zip(by_id, reductions)
        if isinstance(r.value, dict) or not math.isnan(value_to_float(r.value))
    ]
    computed = {}
    for spec in metrics:
        name, params = (spec, {}) if isinstance(spec, str) else spec
        computed[name.rsplit("/", 1)[-1]] = metric_by_name(name, params)(scored)
    return ScorerResult(
        scorer=scorer,
        reduced={sample_id: r.value for sample_id, r in zip(by_id, reductions)},
        reductions=reductions,
        scored_samples=len(scored),
        unscored_samples=len(reductions) - len(scored),
        metrics=computed,
    )


def eval_scores(
    samples: Sequence[EvalSample],
    scorers: Sequence[tuple[str, Sequence[MetricSpec], dict[str, Any]]],
    epoch_reducer: str | None,
    reduce_epochs: bool = True,
    skip_errors: bool = True,
) -> tuple[list[EvalScore], list[EvalSampleReductions]]:
    """`results.scores` and `reductions` for scorers given as (name, metrics, params);
    without `reduce_epochs`, metrics see every epoch's score and there are no reductions."""
    scores, reductions = [], []
    for name, metrics, params in scorers:
        result = score_results(samples, name, metrics, epoch_reducer, reduce_epochs, skip_errors)
        scores.append(
            EvalScore(
                name=name,
                scorer=name,
                reducer=epoch_reducer if reduce_epochs else None,
                scored_samples=result.scored_samples,
                unscored_samples=result.unscored_samples,
                params=params,
                metrics={m: EvalMetric(name=m, value=v) for m, v in result.metrics.items()},
            )
        )
        if reduce_epochs:
            reductions.append(EvalSampleReductions(scorer=name, reducer=epoch_reducer, samples=result.reductions))
    return scores, reductions
