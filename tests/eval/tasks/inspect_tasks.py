"""Task files as written for Inspect (`inspect_ai` imports): the CLI runs them unchanged."""

import logging

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes, match
from inspect_ai.solver import generate, system_message

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
