"""Results again from the samples' scores: after a score edit, or to check a log.

Which metrics each scorer gets comes from the log itself, as Inspect decides:
`eval.scorers` (each scorer's metric definitions, a list or a dict of lists
by score key), then for any other score the samples hold (one added by an
edit, or every score of a log older than `eval.scorers`) the task's
`eval.metrics`, else accuracy and stderr. Epoch reducers come from
`eval.config.epochs_reducer` (mean when there are none). The headline is
chosen again: `eval.headline_metric`, else the first metric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..errors import LogEditError
from ._headline import resolve_headline
from ._metrics import SampleScore, metric_by_name
from ._results import score_results
from ._types import (
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalSampleReductions,
    EvalScore,
    HeadlineMetric,
    Score,
    value_to_float,
)


class _MetricDef(NamedTuple):
    name: str  # as the log names it: "inspect_ai/accuracy"
    params: dict[str, Any]


class _ScorerDef(NamedTuple):
    scorer: str
    params: dict[str, Any]
    # (score name, key into dict values or None, metrics)
    groups: list[tuple[str, str | None, list[_MetricDef]]]


def recompute_metrics(log: EvalLog) -> None:
    """Recompute `log.results` and `log.reductions` from the samples' scores, in place.

    Counts are recounted (completed samples are those without an error);
    the results' metadata and early stopping are kept.
    """
    samples = log.samples or []
    reducers: Sequence[str | None] = log.eval.config.epochs_reducer or [None]
    scores: list[EvalScore] = []
    reductions: list[EvalSampleReductions] = []
    for definition in _scorer_defs(log):
        for reducer_name in reducers:
            result = score_results(samples, definition.scorer, [], reducer_name)
            reductions.append(
                EvalSampleReductions(scorer=definition.scorer, reducer=reducer_name, samples=result.reductions)
            )
            for score_name, key, metrics in definition.groups:
                scored = _scored(result.reductions, key, samples)
                scores.append(
                    EvalScore(
                        name=score_name,
                        scorer=definition.scorer,
                        reducer=reducer_name,
                        scored_samples=len(scored),
                        unscored_samples=len(result.reductions) - len(scored),
                        params=definition.params,
                        metrics={m.name: m for m in (_metric(d, scored) for d in metrics)},
                    )
                )
    old = log.results or EvalResults()
    log.results = EvalResults(
        total_samples=len(samples),
        completed_samples=sum(1 for s in samples if s.error is None),
        early_stopping=old.early_stopping,
        scores=scores,
        metadata=old.metadata,
        sample_reductions=old.sample_reductions,
    )
    log.results.__dict__.update(old.__dict__)
    log.reductions = reductions
    headline = resolve_headline(scores, log.eval.headline_metric)
    log.results.headline = (
        HeadlineMetric(
            scorer=headline.score.scorer,
            score=headline.score.name,
            metric=headline.name,
            reducer=headline.score.reducer,
        )
        if headline
        else None
    )


def _scored(reduced: Sequence[Score], key: str | None, samples: Sequence[EvalSample]) -> list[SampleScore]:
    """What metrics see: each sample's reduced score (its `key` for dict values),
    leaving out NaN values, which count as unscored."""
    metadata = {s.id: s.metadata for s in samples}
    out = []
    for r in reduced:
        value = r.value.get(key) if key is not None and isinstance(r.value, dict) else r.value
        if isinstance(value, dict) or not math.isnan(value_to_float(value)):
            sample_id = getattr(r, "sample_id", None)
            meta = metadata.get(sample_id) if sample_id is not None else None
            out.append(SampleScore(Score(value=value), sample_id, meta))
    return out


def _metric(definition: _MetricDef, scored: list[SampleScore]) -> EvalMetric:
    short = definition.name.rsplit("/", 1)[-1]
    try:
        fn = metric_by_name(definition.name, definition.params)
    except KeyError:
        raise LogEditError(f"cannot recompute metric '{definition.name}': not a metric this tool knows") from None
    return EvalMetric(name=short, value=fn(scored), params=definition.params)


# What a score without a declared scorer gets when the task declares no metrics.
_DEFAULT_METRICS = [{"name": "inspect_ai/accuracy"}, {"name": "inspect_ai/stderr"}]


def _scorer_defs(log: EvalLog) -> list[_ScorerDef]:
    """The declared scorers (one without metrics gets no results), then every
    other score the samples hold, with the task's metrics or the defaults."""
    defs = [
        _ScorerDef(s.name, s.options or {}, _groups(s.name, s.metrics))
        for s in log.eval.scorers or []
        if s.metrics is not None
    ]
    declared = {s.name for s in log.eval.scorers or []}
    others: dict[str, None] = {}
    for sample in log.samples or []:
        others.update(dict.fromkeys(k for k in sample.scores or {} if k not in declared))
    metrics = log.eval.metrics if log.eval.metrics is not None else _DEFAULT_METRICS
    return defs + [_ScorerDef(name, {}, _groups(name, metrics)) for name in others]


def _groups(scorer: str, metrics: Any) -> list[tuple[str, str | None, list[_MetricDef]]]:
    """A scorer's metric definitions: a list (over the whole value) or a dict
    of lists (one score per key of dict values, named by the key)."""
    if isinstance(metrics, dict):
        return [(key, key, _metric_defs(defs)) for key, defs in metrics.items()]
    if isinstance(metrics, list):
        return [(scorer, None, _metric_defs(metrics))]
    raise LogEditError(f"cannot recompute the metrics of scorer '{scorer}': their definition is not understood")


def _metric_defs(defs: Any) -> list[_MetricDef]:
    out = []
    for d in defs if isinstance(defs, list) else []:
        if isinstance(d, dict) and isinstance(d.get("name"), str):
            out.append(_MetricDef(d["name"], d.get("options") or {}))
        elif hasattr(d, "name") and isinstance(d.name, str):
            out.append(_MetricDef(d.name, getattr(d, "options", None) or {}))
        else:
            raise LogEditError(f"cannot recompute metric {d!r}: its definition is not understood")
    return out
