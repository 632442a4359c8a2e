"""Tasks: a dataset, a plan of solvers and scorers; `@task` functions make them."""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import json
import os
import sys
import traceback
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from .._registry import bind
from ..dataset import Dataset, Sample
from ..errors import InspectCliError, UsageError
from ..log._types import GenerateConfig

TASK_ATTR = "__inspect_cli_task__"


class Epochs:
    """Run each sample `epochs` times; `reducer` combines a sample's scores (default mean)."""

    def __init__(self, epochs: int, reducer: str | list[str] | None = None) -> None:
        from ..log._metrics import reducer as reducer_named

        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise UsageError(f"epochs must be a whole number of at least 1, not {epochs!r}")
        self.epochs = epochs
        self.reducer = [reducer] if isinstance(reducer, str) else list(reducer) if reducer is not None else None
        for name in self.reducer or []:
            reducer_named(name)  # an unknown name fails now, not after the samples ran


class Task:
    """What to evaluate: samples, the solvers that answer them, the scorers that judge."""

    def __init__(
        self,
        dataset: Dataset | Sequence[Sample] | None = None,
        setup: Any = None,
        solver: Any = None,
        cleanup: Any = None,
        scorer: Any = None,
        metrics: list[Any] | None = None,
        model: str | None = None,
        config: GenerateConfig | None = None,
        epochs: int | Epochs | None = None,
        fail_on_error: bool | float | None = None,
        message_limit: int | None = None,
        token_limit: int | None = None,
        time_limit: int | None = None,
        working_limit: int | None = None,
        turn_limit: int | None = None,
        cost_limit: float | None = None,
        name: str | None = None,
        version: int | str = 0,
        metadata: dict[str, Any] | None = None,
        display_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        from ..solver import generate

        if kwargs:
            raise InspectCliError(f"Task() does not support: {', '.join(sorted(kwargs))}")
        if dataset is None:  # as Inspect: a task without a dataset runs one sample, "prompt"
            dataset = [Sample(input="prompt")]
        self.dataset = dataset if isinstance(dataset, Dataset) else Dataset(list(dataset))
        solvers = solver if solver is not None else generate()
        self.solver: list[Any] = list(solvers) if isinstance(solvers, (list, tuple)) else [solvers]
        if setup is not None:
            self.solver = [*(setup if isinstance(setup, (list, tuple)) else [setup]), *self.solver]
        self.cleanup = cleanup
        self.scorer: list[Any] = (
            [] if scorer is None else list(scorer) if isinstance(scorer, (list, tuple)) else [scorer]
        )
        self.metrics = metrics
        self.model = model
        self.config = config or GenerateConfig()
        self.epochs = epochs if isinstance(epochs, Epochs) else Epochs(epochs) if epochs else None
        self.fail_on_error = fail_on_error
        self.message_limit = message_limit
        self.token_limit = token_limit
        self.time_limit = time_limit
        self.working_limit = working_limit
        self.turn_limit = turn_limit
        self.cost_limit = cost_limit
        self.version = version
        self.metadata = metadata or {}
        self.display_name = display_name
        # Set by @task when a task function made this task:
        self.name = name or "task"
        self.registry_name: str | None = None
        self.task_args: dict[str, Any] = {}
        self.task_args_passed: dict[str, Any] = {}
        self.task_file: str | None = None
        self.task_attribs: dict[str, Any] = {}  # extra @task(...) arguments


def task(fn: Callable[..., Task] | None = None, *, name: str | None = None, **attribs: Any) -> Any:
    """Mark a function that returns a Task, so `inspect eval FILE` finds it and the
    log records its name and arguments: `@task` or `@task(name="...")`."""

    def decorate(f: Callable[..., Task]) -> Callable[..., Task]:
        registered = name or f.__name__

        @functools.wraps(f)
        def make(*args: Any, **kwargs: Any) -> Task:
            made = f(*args, **kwargs)
            if not isinstance(made, Task):
                raise InspectCliError(f"@task function {registered}() returned {type(made).__name__}, not a Task")
            params, passed = bind(f, args, kwargs)
            made.name = made.name if made.name != "task" else registered
            made.registry_name = registered
            made.task_args, made.task_args_passed = params, passed
            made.task_file = made.task_file or _relative_file(f)
            made.task_attribs = dict(attribs)
            return made

        setattr(make, TASK_ATTR, registered)
        return make

    return decorate(fn) if fn is not None else decorate


def _relative_file(fn: Callable[..., Any]) -> str | None:
    path = inspect.getsourcefile(fn)
    if not path:
        return None
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def is_task_function(obj: Any) -> bool:
    return callable(obj) and hasattr(obj, TASK_ATTR)


def task_files(path: str) -> list[str]:
    """The task files `path` names: the file itself, or in a folder (searched
    recursively, skipping what `inspect list tasks` skips) the Python files that
    define an @task function (found in their source, without running them)."""
    from .discovery import python_files

    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise UsageError(f"task file not found: {path}")
    found = [file for file in python_files(path) if _defines_tasks(file)]
    if not found:
        raise UsageError(f"no task files in {path} (no Python file there defines an @task function)")
    return found


def _defines_tasks(file: str) -> bool:
    try:
        with open(file, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return True  # let loading it report the problem
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Name) and target.id == "task":
                    return True
                if isinstance(target, ast.Attribute) and target.attr == "task":
                    return True
    return False


def load_task_functions(path: str) -> dict[str, Callable[..., Task]]:
    """The @task functions defined in a Python file, by task name."""
    module = load_module(path, "task")
    return {
        getattr(obj, TASK_ATTR): obj
        for obj in vars(module).values()
        if is_task_function(obj) and getattr(obj, "__module__", None) == module.__name__
    }


def load_solver_factories(path: str) -> dict[str, Callable[..., Any]]:
    """The @solver functions defined in a Python file, by solver name."""
    from .._registry import name_of
    from ..solver._solvers import SOLVER_ATTR

    module = load_module(path, "solver")
    return {
        name_of(obj): obj
        for obj in vars(module).values()
        if callable(obj) and hasattr(obj, SOLVER_ATTR) and getattr(obj, "__module__", None) == module.__name__
    }


def resolve_solver(spec: Any) -> Any:
    """The solver(s) `eval(solver=...)` names: a solver or a list of them as
    they are; a SolverSpec (or "file.py@name" text) built with its arguments:
    from a file (`file.py@name`, or `file.py` when it defines one @solver) or
    a built-in solver by name."""
    from .. import solver as solvers
    from ..solver import SolverSpec

    if isinstance(spec, str):
        spec = SolverSpec(spec)
    if not isinstance(spec, SolverSpec):
        return spec
    path, _, name = spec.solver.partition("@")
    if path.endswith(".py") or name:
        found = load_solver_factories(path)
        if not name and len(found) == 1:
            name = next(iter(found))
        if name not in found:
            known = ", ".join(sorted(found)) or "none"
            wanted = f"no @solver named '{name}'" if name else "not exactly one @solver"
            raise UsageError(f"{wanted} in {path} (solvers there: {known})")
        make = found[name]
    elif path in solvers.__all__ and path[:1].islower() and path not in ("solver", "chain"):
        make = getattr(solvers, path)
    else:
        raise UsageError(f"no solver {spec.solver!r}: name a built-in solver, file.py or file.py@name")
    try:
        return make(**spec.args)
    except TypeError as ex:
        raise UsageError(f"solver {spec.solver}: {ex}") from None


def load_module(path: str, kind: str) -> types.ModuleType:
    """Run a Python file (a `kind` file: task, scorer) as a module of its own;
    what goes wrong there is one InspectCliError naming the file and line."""
    file = os.path.abspath(path)
    if not os.path.isfile(file):
        raise UsageError(f"{kind} file not found: {path}")
    module_name = f"inspect_cli_{kind}s_{abs(hash(file))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {kind}s from {path} (not a Python file?)")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(file)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as ex:
        # As Python shows it: file, line, the line and a caret (no traceback of ours).
        shown = "".join(traceback.format_exception_only(type(ex), ex)).rstrip()
        raise InspectCliError(f"{path} has a syntax error:\n{shown}") from None
    except ImportError as ex:
        raise InspectCliError(f"{path}: {ex}") from None
    except Exception as ex:
        raise InspectCliError(f"{path} failed to load: {_raised_at(ex, file)}{type(ex).__name__}: {ex}") from None
    finally:
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
    return module


def _raised_at(ex: BaseException, file: str) -> str:
    """`line N: ` of the last line of `file` the exception passed through."""
    lines = [frame.lineno for frame in traceback.extract_tb(ex.__traceback__) if frame.filename == file]
    return f"line {lines[-1]}: " if lines else ""


def resolve_tasks(tasks: Any, task_args: dict[str, Any]) -> list[Task]:
    """Tasks from what `eval()` accepts: Task objects, @task functions, or
    "file.py" / "file.py@name" / "folder" strings (lists of any of these)."""
    items = tasks if isinstance(tasks, (list, tuple)) else [tasks]
    out: list[Task] = []
    for item in items:
        if isinstance(item, Task):
            out.append(item)
        elif is_task_function(item):
            out.append(_call_task(item, task_args))
        elif isinstance(item, str):
            path, _, name = item.partition("@")
            functions = [(file, fn) for file in task_files(path) for fn in load_task_functions(file).items()]
            if name:
                chosen = [(file, fn) for file, (registered, fn) in functions if registered == name]
                if not chosen:
                    known = ", ".join(sorted({registered for _, (registered, _) in functions})) or "none"
                    raise UsageError(f"no @task named '{name}' in {path} (tasks there: {known})")
            else:
                chosen = [(file, fn) for file, (_, fn) in functions]
                if not chosen:
                    raise UsageError(f"no @task functions in {path}")
            for file, fn in chosen:
                made = _call_task(fn, task_args, strict=len(chosen) == 1)
                made.task_file = os.path.relpath(os.path.abspath(file))
                out.append(made)
        else:
            raise UsageError(f"not a task: {item!r}")
    return out


def _call_task(fn: Callable[..., Task], task_args: dict[str, Any], strict: bool = True) -> Task:
    name = getattr(fn, TASK_ATTR)
    accepted = inspect.signature(fn).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    args = {k: _checked_arg(fn, name, k, v) for k, v in task_args.items() if k in accepted or takes_any}
    unknown = sorted(set(task_args) - set(args))
    if unknown and strict:
        raise UsageError(f"task {name}() has no argument(s): {', '.join(unknown)}")
    try:
        return fn(**args)
    except InspectCliError:
        raise
    except Exception as ex:
        file = inspect.getsourcefile(inspect.unwrap(fn)) or ""
        raise InspectCliError(f"task {name}() failed: {_raised_at(ex, file)}{type(ex).__name__}: {ex}") from None


_PLAIN = (bool, int, float, str)


def _checked_arg(fn: Callable[..., Any], task_name: str, name: str, value: Any) -> Any:
    """A task argument checked against the function's annotation, where it names
    plain types (`n: int`, `ratio: float | None`): `-T n=abc` fails naming the
    argument, instead of inside the task. A number given for a `str` is made text."""
    try:
        hint = typing.get_type_hints(inspect.unwrap(fn)).get(name)
    except Exception:  # annotations that do not resolve: nothing to check against
        return value
    allowed = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    if hint is None or not all(t in _PLAIN or t is type(None) for t in allowed):
        return value
    if value is None and type(None) in allowed:
        return value
    if isinstance(value, bool):
        ok = bool in allowed
    elif isinstance(value, int):
        ok = int in allowed or float in allowed
    else:
        ok = isinstance(value, tuple(t for t in allowed if t is not type(None)))
    if ok:
        return value
    if str in allowed and isinstance(value, (int, float)):
        return json.dumps(value)
    names = " or ".join(t.__name__ if t is not type(None) else "None" for t in allowed)
    raise UsageError(f"task {task_name}(): argument {name} must be {names}, not {value!r} (-T {name}=...)")
