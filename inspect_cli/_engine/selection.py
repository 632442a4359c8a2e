"""Which samples an eval runs, and which finished samples a retry keeps."""

from __future__ import annotations

from collections.abc import Sequence

from ..dataset import Sample
from ..log._types import EvalSample


def select_samples(
    samples: list[Sample], sample_id: list[int | str] | None, limit: int | tuple[int, int] | None
) -> tuple[list[Sample], bool]:
    """The samples to run, and whether any got an automatic id (1..N, in
    dataset order; given to the samples themselves)."""
    ids = sample_ids(samples)
    assigned = False
    for sample, id in zip(samples, ids):
        if sample.id is None:
            sample.id = id
            assigned = True
    return [samples[i] for i in selected(ids, sample_id, limit)], assigned


def sample_ids(samples: list[Sample]) -> list[int | str]:
    """Each sample's id, or the automatic one it gets (its place, from 1)."""
    return [s.id if s.id is not None else index for index, s in enumerate(samples, start=1)]


def selected(ids: list[int | str], sample_id: list[int | str] | None, limit: int | tuple[int, int] | None) -> list[int]:
    """The places of the samples that `sample_id` and `limit` select."""
    places = list(range(len(ids)))
    if sample_id is not None:
        wanted = {str(i) for i in sample_id}
        places = [i for i in places if str(ids[i]) in wanted]
    if isinstance(limit, int):
        places = places[:limit]
    elif isinstance(limit, tuple):
        places = places[limit[0] : limit[1]]
    return places


def id_of(sample: Sample) -> int | str:
    """The id of a selected sample (`select_samples` gives every sample one)."""
    if sample.id is None:
        raise ValueError("sample has no id: select_samples() was not called")
    return sample.id


SampleKey = tuple[str, int]


def reusable_samples(
    previous: Sequence[EvalSample] | None,
    current_ids: Sequence[int | str],
    ids_were_assigned: bool,
    shuffled: bool,
) -> tuple[dict[SampleKey, EvalSample], str | None]:
    """The samples of a previous run that a retry can keep, and why not, if none.

    A sample is kept when it finished without error and its (id, epoch) is
    one the task still has. Ids given to samples automatically (1..N) only
    name the same sample again if the order is the same: when the dataset is
    shuffled and any sample relied on an automatic id, nothing is kept.
    """
    if not previous:
        return {}, None
    if shuffled and ids_were_assigned:
        return {}, (
            "the dataset is shuffled and some samples have no id, so samples cannot be matched "
            "to the previous run: all samples will run again (give samples ids to avoid this)"
        )
    wanted = {str(i) for i in current_ids}
    keep: dict[SampleKey, EvalSample] = {}
    for sample in previous:
        key = (str(sample.id), sample.epoch)
        if sample.error is None and key[0] in wanted:
            keep[key] = sample
    return keep, None
