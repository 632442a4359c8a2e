"""Built-in solvers, and the `@solver` decorator for your own."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .._registry import factory, name_of, params_of, tag
from ..log._types import ChatMessageSystem, ContentText
from ._task_state import Generate, Solver, TaskState

F = TypeVar("F", bound=Callable[..., Solver])


SOLVER_ATTR = "__inspect_cli_solver__"  # marks @solver factories (found by `--solver file.py@name`)


def solver(name: str | F | None = None) -> Any:
    """Decorate a function that returns a solver, so the log names it and its
    arguments: `@solver` or `@solver(name="my_solver")`."""

    def mark(fn: F) -> F:
        made = factory(None if callable(name) else name)(fn)
        setattr(made, SOLVER_ATTR, True)
        return made

    return mark(name) if callable(name) else mark


@dataclass
class SolverSpec:
    """A solver named rather than built: `file.py@name`, `file.py` (its one
    @solver) or a built-in solver's name, with the arguments to build it with."""

    solver: str
    args: dict[str, Any] = field(default_factory=dict)
    args_passed: dict[str, Any] = field(default_factory=dict)


def chain(*solvers: Solver | list[Solver]) -> Solver:
    """Run solvers one after another (a step of the plan that holds several)."""
    flat: list[Solver] = []
    for s in solvers:
        flat.extend(s if isinstance(s, list) else [s])

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for s in flat:
            state = await s(state, generate)
            if state.completed:
                break
        return state

    setattr(solve, "__inspect_cli_chain__", flat)  # noqa: B010  (read back by plan_steps)
    return tag(solve, "chain")


def plan_steps(solvers: Solver | list[Solver]) -> list[Solver]:
    """The solvers of a plan, chains flattened (each is one step in the log)."""
    items = solvers if isinstance(solvers, list) else [solvers]
    out: list[Solver] = []
    for s in items:
        inner = getattr(s, "__inspect_cli_chain__", None)
        out.extend(plan_steps(inner) if inner is not None else [s])
    return out


def step_record(s: Solver) -> dict[str, Any]:
    params, passed = params_of(s)
    return {"solver": name_of(s), "params": params, "params_passed": passed}


@solver
def generate(tool_calls: str = "loop", **config: Any) -> Solver:
    """Call the model with the conversation so far."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return await generate(state, **config)

    return solve


def _format(template: str, state: TaskState, **params: Any) -> str:
    """Fill {name} fields from params, then the sample's metadata; unknown fields stay."""
    values = {**state.metadata, **params}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


@solver
def system_message(template: str, **params: Any) -> Solver:
    """Add a system message (after any existing ones); {fields} from params and metadata."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        message = ChatMessageSystem(content=_format(template, state, **params))
        at = next(
            (i for i, m in enumerate(state.messages) if not isinstance(m, ChatMessageSystem)), len(state.messages)
        )
        state.messages.insert(at, message)
        return state

    return solve


def _set_prompt(state: TaskState, text: str) -> None:
    prompt = state.user_prompt
    if isinstance(prompt.content, str):
        prompt.content = text
    else:
        parts = [c for c in prompt.content if not isinstance(c, ContentText)]
        prompt.content = [ContentText(text=text), *parts]


@solver
def prompt_template(template: str, **params: Any) -> Solver:
    """Rewrite the user prompt through `template`; {prompt} is the original text."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        _set_prompt(state, _format(template, state, prompt=state.user_prompt.text, **params))
        return state

    return solve


DEFAULT_COT_TEMPLATE = """{prompt}

Before answering, reason in a step-by-step manner as to get the right answer. Provide your answer at the end on its own line in the form "ANSWER: $ANSWER" (without quotes) where $ANSWER is the answer to the question."""


@solver
def chain_of_thought(template: str = DEFAULT_COT_TEMPLATE) -> Solver:
    """Ask the model to reason step by step before its final answer."""
    return prompt_template(template)


SINGLE_ANSWER_TEMPLATE = """Answer the following multiple choice question. The entire content of your response should be of the following format: 'ANSWER: $LETTER' (without quotes) where LETTER is one of {letters}.

{question}

{choices}"""

MULTIPLE_ANSWER_TEMPLATE = """Answer the following multiple choice question where multiple answers may be correct. The entire content of your response should be of the following format: 'ANSWER: $LETTERS' (without quotes) where LETTERS is one or more of {letters}.

{question}

{choices}"""

COT_SUFFIX = (
    "\n\nBefore answering, think step by step; then give your answer on its own last line as 'ANSWER: $LETTER'."
)


def answer_letters(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]


@solver
def multiple_choice(template: str | None = None, cot: bool = False, multiple_correct: bool = False) -> Solver:
    """Present the sample's choices as lettered options and ask for the letter(s)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if not state.choices:
            raise ValueError("multiple_choice() needs samples with choices")
        letters = answer_letters(len(state.choices))
        text = (template or (MULTIPLE_ANSWER_TEMPLATE if multiple_correct else SINGLE_ANSWER_TEMPLATE)).format(
            question=state.user_prompt.text,
            choices="\n".join(f"{letter}) {choice}" for letter, choice in zip(letters, state.choices)),
            letters=",".join(letters),
        )
        _set_prompt(state, text + (COT_SUFFIX if cot else ""))
        return await generate(state)

    return solve
