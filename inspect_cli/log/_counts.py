"""How many samples an eval finished, also when it has no results.

An eval that errs (or is still running, or was killed) writes no `results`,
yet the samples it finished are in the log. Listings and the end-of-eval
panel show that count: taken from the samples when they are loaded, else
from the sample summaries a `.eval` log stores beside them (`summaries.json`,
or the journal's flushes), never by reading the samples themselves. A sample
that ended in an error is not counted as finished (as Inspect counts them).
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import InspectCliError
from ._file import _reading, log_format
from ._types import EvalLog


class SampleCounts(NamedTuple):
    finished: int | None  # None: not known without reading the samples
    planned: int | None  # samples x epochs the eval was to run; None if the header does not say


def sample_counts(log: EvalLog) -> SampleCounts:
    """Finished and planned samples of a log (its header is enough)."""
    results = log.results
    if results is not None:
        return SampleCounts(results.completed_samples, results.total_samples)
    planned = _planned(log)
    if log.samples is not None:
        return SampleCounts(sum(1 for s in log.samples if s.error is None), planned)
    location = log.location
    if not location:
        return SampleCounts(None, planned)
    try:
        with _reading(location):
            stored = log_format(location).read_summaries(location)
    except InspectCliError:
        stored = None
    if stored is None:
        return SampleCounts(None, planned)
    return SampleCounts(sum(1 for s in stored if isinstance(s, dict) and not s.get("error")), planned)


def _planned(log: EvalLog) -> int | None:
    dataset = log.eval.dataset
    samples = len(dataset.sample_ids) if dataset.sample_ids is not None else dataset.samples
    if samples is None:
        return None
    return samples * (log.eval.config.epochs or 1)
