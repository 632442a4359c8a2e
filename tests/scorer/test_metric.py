"""Metrics are facts: recompute every fixture log's metrics from its samples."""

from __future__ import annotations

import math

import pytest

from inspect_cli.errors import UsageError
from inspect_cli.log import Score, read_eval_log
from inspect_cli.scorer import SampleScore, accuracy, mean, reducer, score_results, stderr, value_to_float

from support.helpers import FIXTURES, entry_id, manifest_entries

# bootstrap_std (0.3.17/0.3.18's default) resamples at random: not recomputable.
RANDOM_METRICS = {"bootstrap_std"}

WITH_RESULTS = [
    item
    for item in manifest_entries()
    if item[1]["status"] == "success" and "/unreadable/" not in f"/{item[1]['path']}"
]


@pytest.mark.parametrize("item", WITH_RESULTS, ids=entry_id)
def test_recomputed_metrics_match_the_recorded_ones(item: tuple[str, dict]) -> None:
    version, entry = item
    log = read_eval_log(FIXTURES / version / entry["path"])
    assert log.results is not None and log.results.scores
    checked = 0
    for score in log.results.scores:
        names = [name for name in score.metrics if name not in RANDOM_METRICS]
        epochs_reducer = score.reducer or (log.eval.config.epochs_reducer or [None])[0]
        result = score_results(log.samples or [], score.scorer, names, epochs_reducer)
        for name in names:
            recorded = score.metrics[name].value
            assert recorded is not None
            computed = result.metrics[name]
            assert computed == pytest.approx(recorded, rel=1e-12, nan_ok=True), (score.name, name)
            checked += 1
        if score.scored_samples is not None:
            assert result.scored_samples == score.scored_samples
        if score.unscored_samples is not None:
            assert result.unscored_samples == score.unscored_samples
    assert checked > 0


def test_reductions_match_the_recorded_epoch_reductions() -> None:
    log = read_eval_log(
        FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
    )
    assert log.reductions
    for reduction in log.reductions:
        result = score_results(log.samples or [], reduction.scorer, ["accuracy"], reduction.reducer)
        assert {s.sample_id: s.value for s in reduction.samples} == result.reduced


def test_value_to_float() -> None:
    assert [value_to_float(v) for v in ["C", "I", "P", "N", True, False, 3, 2.5, "yes", "No", "0.25"]] == [
        1.0,
        0.0,
        0.5,
        0.0,
        1.0,
        0.0,
        3.0,
        2.5,
        1.0,
        0.0,
        0.25,
    ]
    assert math.isnan(value_to_float(None))


def _scores(*values: object) -> list[SampleScore]:
    return [SampleScore(Score(value=v), i) for i, v in enumerate(values)]


def test_metric_functions() -> None:
    assert accuracy()(_scores("C", "C", "I", "C")) == 0.75
    assert stderr()(_scores(1.0, 1.0, 0.0, 1.0)) == pytest.approx(0.25)
    assert stderr()(_scores(1.0)) == 0.0
    assert math.isnan(mean()(_scores(math.inf, 0.5, -math.inf)))
    assert mean()(_scores(2.0, 2.0, math.inf)) == math.inf


def test_reducers() -> None:
    assert reducer(None)(["C", "I"]) == 0.5
    assert reducer("median")([1, 2, 10]) == 2
    assert reducer("mode")(["C", "C", "I"]) == 1.0
    assert reducer("max")([0.1, 0.9]) == 0.9
    assert reducer("at_least_2")(["C", "I", "C"]) == 1.0
    assert reducer("mean")([{"a": 1, "b": "C"}, {"a": 3, "b": "I"}]) == {"a": 2.0, "b": 0.5}
    with pytest.raises(UsageError, match="unknown epoch reducer 'nonsense' .*at_least_K"):
        reducer("nonsense")
