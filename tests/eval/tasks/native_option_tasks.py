"""Tasks for tests of run options through the Python API (inspect_cli imports)."""

import os

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.model import get_model
from inspect_cli.scorer import includes
from inspect_cli.solver import generate, solver

ATTEMPTS: dict[str, int] = {}


@solver
def fail_first(times: int = 1):
    """Sample s2 fails its first `times` attempts in this process; while
    FAIL_S3 is set, s3 fails every time."""

    async def solve(state, generate):
        if state.sample_id == "s2":
            ATTEMPTS["s2"] = ATTEMPTS.get("s2", 0) + 1
            if ATTEMPTS["s2"] <= times:
                raise RuntimeError(f"attempt {ATTEMPTS['s2']} failed")
        if state.sample_id == "s3" and os.environ.get("FAIL_S3"):
            raise RuntimeError("s3 fails while FAIL_S3 is set")
        return state

    return solve


@solver
def critic_first():
    async def solve(state, generate):
        await get_model(role="critic", default="mockllm/default-critic").generate("hello")
        return state

    return solve


@task
def flaky_once(times: int = 1):
    ATTEMPTS.clear()
    samples = [Sample(input=f"Say {i}", target=str(i), id=f"s{i}") for i in range(1, 5)]
    return Task(dataset=samples, solver=[fail_first(times), generate()], scorer=includes())
