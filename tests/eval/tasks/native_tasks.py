"""Tasks for tests of the Python API (which never aliases inspect_ai)."""

import logging

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes, match
from inspect_cli.solver import generate, solver, system_message

QUESTIONS = [("What is 2+3?", "5"), ("What is 7*6?", "42"), ("What is 10-4?", "6"), ("What is 9+9?", "18")]

logger = logging.getLogger(__name__)


def _dataset(n):
    return [
        Sample(input=q, target=a, id=f"q{i:02d}", metadata={"idx": i})
        for i, (q, a) in enumerate(QUESTIONS[:n], start=1)
    ]


@task
def arith(n: int = 4, level: str = "mixed"):
    logger.info("building arith with %d questions", n)
    return Task(
        dataset=_dataset(n), solver=[system_message("Answer briefly."), generate()], scorer=[match(), includes()]
    )


@solver
def flaky(fail_id: str = "q03"):
    async def solve(state, generate):
        if state.sample_id == fail_id:
            raise RuntimeError(f"deliberate failure on {fail_id}")
        return state

    return solve


@task
def arith_flaky(n: int = 4, fail_id: str = "q03"):
    return Task(dataset=_dataset(n), solver=[flaky(fail_id), generate()], scorer=includes())


@task
def numbers(n: int = 40):
    return Task(dataset=[Sample(input=f"Say {i}", target=str(i)) for i in range(n)], scorer=includes())
