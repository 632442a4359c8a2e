"""Tasks for tests of Inspect's run options, written as for Inspect (`inspect_ai` imports)."""

import logging
import os

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.scorer import includes, model_graded_qa
from inspect_ai.solver import solver

logger = logging.getLogger(__name__)
ATTEMPTS: dict[str, int] = {}


def _samples(n):
    return [Sample(input=f"Say {i}", target=str(i), id=f"s{i}") for i in range(1, n + 1)]


@solver
def flaky(fail_id: str = "s2", failures: int = 1_000_000):
    """Fails on sample `fail_id` for its first `failures` attempts in this process."""

    async def solve(state, generate):
        logger.debug("debug from sample %s", state.sample_id)
        logger.warning("warning from sample %s", state.sample_id)
        if state.sample_id == fail_id:
            ATTEMPTS[fail_id] = ATTEMPTS.get(fail_id, 0) + 1
            if ATTEMPTS[fail_id] <= failures:
                secret_local = "local-value-42"  # noqa: F841  (shown by --traceback-locals)
                raise RuntimeError(f"attempt {ATTEMPTS[fail_id]} on {fail_id} failed")
        return await generate(state)

    return solve


@task
def opts(n: int = 4, failures: int = 0):
    ATTEMPTS.clear()
    return Task(
        dataset=_samples(n),
        solver=[flaky(failures=failures)],
        scorer=includes(),
        metadata={"env": os.environ.get("OPTION_TEST_ENV")},
    )


@solver
def ask_critic():
    """Asks the model of the "critic" role (the evaluated model when no role is given) first."""

    async def solve(state, generate):
        await get_model(role="critic").generate(state.user_prompt.text)
        return await generate(state)

    return solve


@task
def with_roles():
    return Task(dataset=_samples(1), solver=[ask_critic()], scorer=model_graded_qa())
