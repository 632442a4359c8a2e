"""Built-in scorers, and the `@scorer` decorator for your own.

A scorer is an async function of (TaskState, Target) returning a Score. The
decorator records its name, arguments and metrics for the log.
"""

from __future__ import annotations

import re
import string
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .._registry import factory, name_of
from ..log._metrics import MetricFn, accuracy, stderr
from ..log._types import CORRECT, INCORRECT, PARTIAL, Score
from ..solver._task_state import Target, TaskState

Scorer = Callable[[TaskState, Target], Awaitable[Score]]
METRICS_ATTR = "__inspect_cli_metrics__"
SCORER_ATTR = "__inspect_cli_scorer__"  # marks @scorer factories (`inspect score --scorer` finds them)


def scorer(
    metrics: Sequence[MetricFn] | None = None, name: str | None = None
) -> Callable[[Callable[..., Scorer]], Callable[..., Scorer]]:
    """Decorate a function that returns a scorer: `@scorer(metrics=[accuracy()])`."""

    def decorate(fn: Callable[..., Scorer]) -> Callable[..., Scorer]:
        made = factory(name)(fn)

        def with_metrics(*args: Any, **kwargs: Any) -> Scorer:
            result = made(*args, **kwargs)
            setattr(result, METRICS_ATTR, list(metrics or []))
            return result

        for attr in ("__inspect_cli_name__", "__name__", "__doc__", "__wrapped__", "__module__"):
            if hasattr(made, attr):
                setattr(with_metrics, attr, getattr(made, attr))
        setattr(with_metrics, SCORER_ATTR, True)
        return with_metrics

    return decorate


def is_scorer_factory(obj: Any) -> bool:
    return callable(obj) and getattr(obj, SCORER_ATTR, False) is True


def metrics_of(s: Scorer) -> list[MetricFn]:
    return list(getattr(s, METRICS_ATTR, []) or [])


def scorer_name(s: Scorer) -> str:
    return name_of(s)


def _normalize(text: str, ignore_case: bool) -> str:
    text = " ".join(text.strip().split())
    text = text.strip(string.punctuation + " ")
    return text.lower() if ignore_case else text


def _no_response(completion: str) -> str | None:
    """The reason Inspect's built-in scorers give an empty answer."""
    return None if completion else "no_response"


def _grade(ok: bool) -> str:
    return CORRECT if ok else INCORRECT


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


def _numbers(text: str) -> list[float]:
    out = []
    for match in _NUMBER.findall(text):
        try:
            out.append(float(match.replace(",", "")))
        except ValueError:
            pass
    return out


@scorer(metrics=[accuracy(), stderr()])
def match(location: str = "end", *, ignore_case: bool = True, numeric: bool = False) -> Scorer:
    """The target appears at `location` of the answer: begin, end, any or exact
    (numeric: compares the number found there with the target's)."""
    if location not in ("begin", "end", "any", "exact"):
        raise ValueError(f"match(location=...) must be begin, end, any or exact, not {location!r}")

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion or ""
        answer = _normalize(completion, ignore_case)
        shown = completion.strip()  # the answer as the log records it (as Inspect does)
        for wanted in target:
            want = _normalize(wanted, ignore_case)
            if numeric:
                found = _numbers(answer)
                try:
                    value = float(want.replace(",", ""))
                except ValueError:
                    continue
                pick = {"begin": found[:1], "end": found[-1:], "any": found, "exact": found if len(found) == 1 else []}[
                    location
                ]
                if value in pick:
                    return Score(value=CORRECT, answer=answer, explanation=completion)
                continue
            if _at(answer, want, location):
                return Score(value=CORRECT, answer=shown, explanation=completion)
        return Score(
            value=INCORRECT,
            answer=shown if not numeric else answer,
            explanation=completion,
            reason=_no_response(completion),
        )

    return score


def _at(answer: str, want: str, location: str) -> bool:
    if not want:
        return False
    if location == "exact":
        return answer == want
    bounded = rf"(?<![\w]){re.escape(want)}(?![\w])"
    if location == "begin":
        return re.match(bounded, answer) is not None
    if location == "end":
        return re.search(bounded + r"\W*$", answer) is not None
    return re.search(bounded, answer) is not None


@scorer(metrics=[accuracy(), stderr()])
def includes(ignore_case: bool = True) -> Scorer:
    """The target appears anywhere in the answer."""

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion or ""
        answer = completion.lower() if ignore_case else completion
        ok = any((t.lower() if ignore_case else t) in answer for t in target if t)
        return Score(value=_grade(ok), answer=answer, explanation=completion, reason=_no_response(completion))

    return score


@scorer(metrics=[accuracy(), stderr()])
def exact() -> Scorer:
    """The answer equals the target (ignoring case, surrounding space and punctuation)."""

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion or ""
        answer = _normalize(completion, True)
        ok = any(answer == _normalize(t, True) for t in target)
        return Score(value=_grade(ok), answer=answer, explanation=completion, reason=_no_response(completion))

    return score


@scorer(metrics=[accuracy(), stderr()])
def pattern(pattern: str, ignore_case: bool = True, match_all: bool = False) -> Scorer:
    """Extract the answer with a regular expression (its groups) and compare it with the target."""
    regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion or ""
        found = regex.search(completion)
        if found is None:
            return Score(
                value=INCORRECT,
                explanation="Answer not found in model output: " + completion,
                reason=_no_response(completion),
            )
        groups = [g for g in (found.groups() or (found.group(0),)) if g is not None]

        def norm(text: str) -> str:
            return text.strip().lower() if ignore_case else text.strip()

        targets = {norm(t) for t in target}
        hits = [norm(g) in targets for g in groups]
        ok = all(hits) if match_all else any(hits)
        return Score(
            value=_grade(ok), answer=groups[0] if len(groups) == 1 else ", ".join(groups), explanation=completion
        )

    return score


_ANSWER = re.compile(r"ANSWER\s*:\s*([A-Za-z](?:\s*,\s*[A-Za-z])*)", re.IGNORECASE)


@scorer(metrics=[accuracy(), stderr()])
def choice() -> Scorer:
    """For multiple_choice(): the letter(s) after 'ANSWER:' equal the target letter(s)."""

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion or ""
        matches = _ANSWER.findall(completion)
        letters = sorted({a.strip().upper() for a in matches[-1].split(",")}) if matches else []
        wanted = sorted({t.strip().upper() for t in target})
        answer = ", ".join(letters)
        return Score(value=_grade(bool(letters) and letters == wanted), answer=answer, explanation=completion)

    return score


DEFAULT_GRADER_TEMPLATE = """You are assessing a submitted answer on a given task based on a criterion. Here is the data:

[BEGIN DATA]
***
[Task]: {question}
***
[Submission]: {answer}
***
[Criterion]: {criterion}
***
[END DATA]

Does the submission meet the criterion?

{instructions}"""

DEFAULT_INSTRUCTIONS = """After assessing the submitted answer, reply with 'GRADE: $LETTER' (without quotes) where LETTER is one of C{partial}I. Please choose ONE option for the grade: either "C" for correct answers, {partial_text}or "I" for incorrect answers.

First, write out in a step by step manner your reasoning about the criterion to be sure that your conclusion is correct. Avoid simply stating the correct answers at the outset. Then, end with your answer formatted as 'GRADE: $LETTER' (without quotes) where LETTER is one of C{partial}I."""


@scorer(metrics=[accuracy(), stderr()])
def model_graded_qa(
    template: str | None = None,
    instructions: str | None = None,
    grade_pattern: str | None = None,
    partial_credit: bool = False,
    model: str | None = None,
) -> Scorer:
    """Ask a model (by default the one being evaluated) whether the answer meets
    the target as a criterion; it replies 'GRADE: C', 'GRADE: P' or 'GRADE: I'."""
    grades = f"C{'P' if partial_credit else ''}I"
    regex = re.compile(grade_pattern or rf"GRADE\s*:\s*([{grades}])", re.IGNORECASE)

    async def score(state: TaskState, target: Target) -> Score:
        from ..model._model import get_model

        grader = get_model(model, role="grader")  # no model given: the eval's grader role, else its model
        prompt = (template or DEFAULT_GRADER_TEMPLATE).format(
            question=state.input_text,
            answer=state.output.completion or "",
            criterion=target.text,
            instructions=instructions
            or DEFAULT_INSTRUCTIONS.format(
                partial="P" if partial_credit else "",
                partial_text='"P" for partially correct answers, ' if partial_credit else "",
            ),
        )
        result = await grader.generate(prompt)
        text = result.completion or ""
        found = regex.findall(text)
        if not found:
            return Score(
                value=INCORRECT, answer=state.output.completion, explanation=f"Grade not found in grader output: {text}"
            )
        grade = found[-1].upper()
        value = {"C": CORRECT, "P": PARTIAL}.get(grade, INCORRECT)
        return Score(value=value, answer=state.output.completion, explanation=text)

    return score
