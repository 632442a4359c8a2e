"""Tasks: a dataset, a plan of solvers and scorers; `@task` functions make them."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .._registry import bind
from ..dataset import Dataset, Sample
from ..errors import InspectCliError
from ..log._types import GenerateConfig

TASK_ATTR = "__inspect_cli_task__"


class Epochs:
    """Run each sample `epochs` times; `reducer` combines a sample's scores (default mean)."""

    def __init__(self, epochs: int, reducer: str | list[str] | None = None) -> None:
        self.epochs = epochs
        self.reducer = [reducer] if isinstance(reducer, str) else reducer


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
        name: str | None = None,
        version: int | str = 0,
        metadata: dict[str, Any] | None = None,
        display_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        from ..solver import generate

        if kwargs:
            raise InspectCliError(f"Task() does not support: {', '.join(sorted(kwargs))}")
        self.dataset = dataset if isinstance(dataset, Dataset) else Dataset(list(dataset or []))
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


def load_task_functions(path: str) -> dict[str, Callable[..., Task]]:
    """The @task functions defined in a Python file, by task name."""
    file = os.path.abspath(path)
    if not os.path.isfile(file):
        raise InspectCliError(f"task file not found: {path}")
    module_name = f"inspect_cli_tasks_{abs(hash(file))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise InspectCliError(f"cannot load tasks from {path} (not a Python file?)")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(file)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as ex:
        raise InspectCliError(f"{path}: {ex}") from None
    finally:
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
    return {
        getattr(obj, TASK_ATTR): obj
        for obj in vars(module).values()
        if is_task_function(obj) and getattr(obj, "__module__", None) == module_name
    }


def resolve_tasks(tasks: Any, task_args: dict[str, Any]) -> list[Task]:
    """Tasks from what `eval()` accepts: Task objects, @task functions, or
    "file.py" / "file.py@name" strings (lists of any of these)."""
    items = tasks if isinstance(tasks, (list, tuple)) else [tasks]
    out: list[Task] = []
    for item in items:
        if isinstance(item, Task):
            out.append(item)
        elif is_task_function(item):
            out.append(_call_task(item, task_args))
        elif isinstance(item, str):
            path, _, name = item.partition("@")
            functions = load_task_functions(path)
            if name:
                if name not in functions:
                    known = ", ".join(sorted(functions)) or "none"
                    raise InspectCliError(f"no @task named '{name}' in {path} (tasks there: {known})")
                chosen = [functions[name]]
            else:
                chosen = list(functions.values())
                if not chosen:
                    raise InspectCliError(f"no @task functions in {path}")
            for fn in chosen:
                made = _call_task(fn, task_args, strict=len(chosen) == 1)
                made.task_file = os.path.relpath(os.path.abspath(path))
                out.append(made)
        else:
            raise InspectCliError(f"not a task: {item!r}")
    return out


def _call_task(fn: Callable[..., Task], task_args: dict[str, Any], strict: bool = True) -> Task:
    accepted = inspect.signature(fn).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    args = {k: v for k, v in task_args.items() if k in accepted or takes_any}
    unknown = sorted(set(task_args) - set(args))
    if unknown and strict:
        raise InspectCliError(f"task {getattr(fn, TASK_ATTR)}() has no argument(s): {', '.join(unknown)}")
    return fn(**args)
