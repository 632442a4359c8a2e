"""Tasks for eval-set tests: a sample named in FAIL_ONCE fails the first time
it runs against each model (before asking the model), then succeeds; markers
in FAIL_ONCE_DIR remember which failed already."""

import os

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes
from inspect_cli.solver import generate, solver


@solver
def fail_once():
    async def solve(state, generate):
        if str(state.sample_id) in os.environ.get("FAIL_ONCE", "").split(","):
            marker = os.path.join(os.environ["FAIL_ONCE_DIR"], f"{state.sample_id}@{state.model.replace('/', '-')}")
            if not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError(f"sample {state.sample_id} fails once on purpose")
        return state

    return solve


def _task(name: str, n: int) -> Task:
    samples = [Sample(input=f"Say {name} {i}", target=str(i), id=f"{name}-{i}") for i in range(1, n + 1)]
    return Task(dataset=samples, solver=[fail_once(), generate()], scorer=includes())


@task
def first(n: int = 4):
    return _task("first", n)


@task
def second(n: int = 4):
    return _task("second", n)


@task
def third(n: int = 4):
    return _task("third", n)
