"""The built-in scorers on answers of every shape they are meant for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inspect_cli.log import ModelOutput
from inspect_cli.scorer import choice, exact, includes, match, pattern
from inspect_cli.solver import Target, TaskState


def _score(scorer: Any, completion: str, target: str | list[str]) -> str:
    state = TaskState(model="m", sample_id=1, epoch=1, input="q", messages=[], target=Target(target))
    state.output = ModelOutput(model="m", completion=completion)
    return asyncio.run(scorer(state, Target(target))).value


@pytest.mark.parametrize(
    "scorer, completion, target, value",
    [
        (match(), "The answer is 5.", "5", "C"),
        (match(), "The answer is 15.", "5", "I"),  # whole words only
        (match(), "5 is the answer", "5", "I"),
        (match("begin"), "5 is the answer", "5", "C"),
        (match("any"), "I think 5 is right", "5", "C"),
        (match("exact"), " Paris. ", "paris", "C"),
        (match("exact"), "Paris, France", "paris", "I"),
        (match(numeric=True), "It comes to 1,000.0 exactly", "1000", "C"),
        (match(ignore_case=False), "The answer is PARIS", "Paris", "I"),
        (includes(), "I believe the capital is Paris, yes", "paris", "C"),
        (includes(ignore_case=False), "paris", "Paris", "I"),
        (includes(), "no idea", ["maybe", "idea"], "C"),
        (exact(), "  Paris!  ", "paris", "C"),
        (exact(), "Paris is nice", "paris", "I"),
        (pattern(r"ANSWER:\s*(\w+)"), "reasoning... ANSWER: Blue", "blue", "C"),
        (pattern(r"ANSWER:\s*(\w+)"), "no answer here", "blue", "I"),
        (pattern(r"(\d+)\D+(\d+)", match_all=True), "3 and 3", "3", "C"),
        (pattern(r"(\d+)\D+(\d+)", match_all=True), "3 and 4", "3", "I"),
        (choice(), "Let me think.\nANSWER: B", "B", "C"),
        (choice(), "ANSWER: A, C", ["A", "C"], "C"),
        (choice(), "ANSWER: A", ["A", "C"], "I"),
        (choice(), "I refuse", "A", "I"),
    ],
)
def test_scorer(scorer: Any, completion: str, target: Any, value: str) -> None:
    assert _score(scorer, completion, target) == value
