"""Samples and datasets: what a task evaluates."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any, overload

from ..log._types import ChatMessage


class Sample:
    """One input to evaluate, with its target (argument order as in Inspect)."""

    def __init__(
        self,
        input: str | list[ChatMessage],
        choices: list[str] | None = None,
        target: str | list[str] = "",
        id: int | str | None = None,
        metadata: dict[str, Any] | None = None,
        sandbox: Any = None,
        files: dict[str, str] | None = None,
        setup: str | None = None,
    ) -> None:
        self.input = input
        self.choices = choices
        self.target = target
        self.id = id
        self.metadata = metadata
        self.sandbox = sandbox
        self.files = files
        self.setup = setup

    def __repr__(self) -> str:
        return f"Sample(id={self.id!r}, input={self.input!r}, target={self.target!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sample) and vars(self) == vars(other)


class Dataset(Sequence[Sample]):
    """An ordered, named collection of samples."""

    def __init__(
        self,
        samples: Sequence[Sample],
        name: str | None = None,
        location: str | None = None,
        shuffled: bool = False,
    ) -> None:
        self.samples = list(samples)
        self.name = name
        self.location = location
        self.shuffled = shuffled

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> Dataset: ...
    def __getitem__(self, index: int | slice) -> Sample | Dataset:
        if isinstance(index, slice):
            return Dataset(self.samples[index], self.name, self.location, self.shuffled)
        return self.samples[index]

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def shuffle(self, seed: int | None = None) -> None:
        """Shuffle the samples in place (reproducibly with a seed)."""
        random.Random(seed).shuffle(self.samples)
        self.shuffled = True

    def shuffle_choices(self, seed: int | None = None) -> None:
        """Shuffle each sample's choices, keeping letter targets pointing at the right one."""
        rng = random.Random(seed)
        for sample in self.samples:
            if not sample.choices:
                continue
            order = list(range(len(sample.choices)))
            rng.shuffle(order)
            letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            old_to_new = {letters[old]: letters[new] for new, old in enumerate(order)}
            sample.choices = [sample.choices[old] for old in order]
            targets = sample.target if isinstance(sample.target, list) else [sample.target]
            remapped = [old_to_new.get(t, t) for t in targets]
            sample.target = remapped if isinstance(sample.target, list) else remapped[0]

    def filter(self, predicate: Any, name: str | None = None) -> Dataset:
        return Dataset([s for s in self.samples if predicate(s)], name or self.name, self.location, self.shuffled)


MemoryDataset = Dataset
