"""Tasks for eval-retry tests: a sample fails while FAIL_SAMPLE names it."""

import os

from inspect_cli import Task, task
from inspect_cli.dataset import Dataset, Sample
from inspect_cli.scorer import includes
from inspect_cli.solver import generate, solver


@solver
def fail_when_named():
    async def solve(state, generate):
        if str(state.sample_id) == os.environ.get("FAIL_SAMPLE"):
            raise RuntimeError(f"sample {state.sample_id} failed on purpose")
        return state

    return solve


@task
def counted(n: int = 6):
    samples = [Sample(input=f"Say {i}", target=str(i), id=f"q{i:02d}") for i in range(1, n + 1)]
    return Task(dataset=samples, solver=[fail_when_named(), generate()], scorer=includes())


@task
def shuffled_without_ids(n: int = 6):
    dataset = Dataset([Sample(input=f"Say {i}", target=str(i)) for i in range(1, n + 1)], name="shuffled")
    dataset.shuffle(seed=3)
    return Task(dataset=dataset, solver=[fail_when_named(), generate()], scorer=includes())
