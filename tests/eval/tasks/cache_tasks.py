"""Tasks for the model output cache tests."""

import os

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes
from inspect_cli.solver import generate, solver

QUESTIONS = [("What is 2+3?", "5"), ("What is 7*6?", "42"), ("What is 10-4?", "6"), ("What is 9+9?", "18")]


@solver
def fail_after_generate():
    """Fails the sample named by FAIL_AFTER_GENERATE once its model call is done."""

    async def solve(state, generate):
        if state.sample_id == os.environ.get("FAIL_AFTER_GENERATE"):
            raise RuntimeError(f"deliberate failure on {state.sample_id}")
        return state

    return solve


@task
def questions(n: int = 4):
    return Task(
        dataset=[Sample(input=q, target=a, id=f"q{i}") for i, (q, a) in enumerate(QUESTIONS[:n], start=1)],
        solver=[generate(), fail_after_generate()],
        scorer=includes(),
    )


@task
def cached_in_solver():
    """The task asks for the cache itself (generate(cache=...)), no --cache needed."""
    return Task(dataset=[Sample(input="What is 2+3?", target="5")], solver=generate(cache=True), scorer=includes())
