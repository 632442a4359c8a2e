"""Names and arguments of solvers, scorers, metrics and tasks, for the log.

`@solver`, `@scorer`, `@metric` and `@task` wrap a factory; what the factory
returns is tagged with the factory's name and the arguments it was called
with (all of them, defaults included, and those actually passed), which the
log records (plan steps, scorers, task args).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NAME = "__inspect_cli_name__"
PARAMS = "__inspect_cli_params__"
PASSED = "__inspect_cli_params_passed__"


def jsonable(value: Any) -> Any:
    """A value as the log can hold it: JSON types kept, others by their name or repr."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    name = getattr(value, NAME, None)
    return name if isinstance(name, str) else repr(value)


def bind(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(all arguments with defaults applied, the arguments passed), JSON-ready."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return {}, {}
    passed = {k: jsonable(v) for k, v in bound.arguments.items()}
    bound.apply_defaults()
    full = {}
    for name, value in bound.arguments.items():
        kind = inspect.signature(fn).parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            full.update({k: jsonable(v) for k, v in value.items()})
        elif kind is not inspect.Parameter.VAR_POSITIONAL:
            full[name] = jsonable(value)
    return full, passed


def tag(obj: Any, name: str, params: dict[str, Any] | None = None, passed: dict[str, Any] | None = None) -> Any:
    try:
        setattr(obj, NAME, name)
        setattr(obj, PARAMS, params or {})
        setattr(obj, PASSED, passed or {})
    except AttributeError:
        pass
    return obj


def name_of(obj: Any, default: str | None = None) -> str:
    name = getattr(obj, NAME, None)
    if isinstance(name, str):
        return name
    return default or str(getattr(obj, "__name__", type(obj).__name__))


def params_of(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(getattr(obj, PARAMS, {}) or {}), dict(getattr(obj, PASSED, {}) or {})


def factory(name: str | None = None) -> Callable[[F], F]:
    """Decorate a factory so that what it returns carries its name and arguments."""

    def decorate(fn: F) -> F:
        registered_name = name or fn.__name__

        @functools.wraps(fn)
        def make(*args: Any, **kwargs: Any) -> Any:
            params, passed = bind(fn, args, kwargs)
            return tag(fn(*args, **kwargs), registered_name, params, passed)

        setattr(make, NAME, registered_name)
        return make  # type: ignore[return-value]  # `make` has fn's signature (functools.wraps)

    return decorate
