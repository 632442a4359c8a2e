"""An example task: arithmetic questions, answered by a model and scored by match()."""

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes, match
from inspect_cli.solver import generate, system_message

QUESTIONS = [
    ("What is 2+3?", "5"),
    ("What is 7*6?", "42"),
    ("What is 10-4?", "6"),
    ("What is 9+9?", "18"),
]


@task
def arith(n: int = 4):
    return Task(
        dataset=[Sample(input=q, target=a, id=f"q{i:02d}") for i, (q, a) in enumerate(QUESTIONS[:n], start=1)],
        solver=[system_message("Answer with the number only."), generate()],
        scorer=[match(), includes()],
    )
