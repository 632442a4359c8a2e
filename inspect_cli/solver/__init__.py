"""Solvers: the steps that take a sample from its input to the model's answer."""

from ._solvers import (
    SolverSpec,
    chain,
    chain_of_thought,
    generate,
    multiple_choice,
    prompt_template,
    solver,
    system_message,
)
from ._task_state import Generate, Solver, Target, TaskState

__all__ = [
    "Generate",
    "Solver",
    "SolverSpec",
    "Target",
    "TaskState",
    "chain",
    "chain_of_thought",
    "generate",
    "multiple_choice",
    "prompt_template",
    "solver",
    "system_message",
]
