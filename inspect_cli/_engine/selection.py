"""Which samples an eval runs, and which finished samples a retry keeps."""

from __future__ import annotations

from collections.abc import Sequence

from ..dataset import Sample
from ..log._types import EvalSample


def select_samples(
    samples: list[Sample], sample_id: list[int | str] | None, limit: int | tuple[int, int] | None
) -> tuple[list[Sample], bool]:
    """The samples to run, and whether any got an automatic id (1..N, in dataset order)."""
    assigned = False
    for index, sample in enumerate(samples, start=1):
        if sample.id is None:
            sample.id = index
            assigned = True
    if sample_id is not None:
        wanted = {str(i) for i in sample_id}
        samples = [s for s in samples if str(s.id) in wanted]
    if isinstance(limit, int):
        samples = samples[:limit]
    elif isinstance(limit, tuple):
        samples = samples[limit[0] : limit[1]]
    return samples, assigned


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
