"""From sample scores to the metrics of `results.scores`."""

from __future__ import annotations

from typing import NamedTuple

import math
from collections.abc import Iterable, Sequence

from ..log._types import EvalSample
from ._metric import metric, reducer, value_to_float


class ScorerResult(NamedTuple):
    scorer: str
    reduced: dict[int | str, object]  # sample id -> reduced value
    scored_samples: int
    unscored_samples: int
    metrics: dict[str, float]


def score_results(
    samples: Iterable[EvalSample],
    scorer: str,
    metrics: Sequence[str],
    epoch_reducer: str | None = None,
) -> ScorerResult:
    """Reduce one scorer's scores over epochs, then compute `metrics` over the samples.

    Samples that failed (have an error) or lack this scorer's score are left out.
    A reduced value that is NaN counts as unscored, as in Inspect.
    """
    by_id: dict[int | str, list[object]] = {}
    for sample in samples:
        if sample.error is not None or not sample.scores or scorer not in sample.scores:
            continue
        by_id.setdefault(sample.id, []).append(sample.scores[scorer].value)
    reduce = reducer(epoch_reducer)
    reduced = {sample_id: reduce(values) for sample_id, values in by_id.items()}
    numbers = [value_to_float(v) for v in reduced.values() if not isinstance(v, dict)]
    scored = [v for v in numbers if not math.isnan(v)]
    return ScorerResult(
        scorer=scorer,
        reduced=reduced,
        scored_samples=len(scored),
        unscored_samples=len(numbers) - len(scored),
        metrics={name.rsplit("/", 1)[-1]: metric(name)(scored) for name in metrics},
    )
