"""Finding the @task functions of files and folders by reading their source.

Nothing is imported or run (`inspect list tasks` must be safe on any folder),
so only what the source says literally is known: a task's name, the
arguments of its decorator that are constants (its attributes, which
filters select on) and its parameters. As in Inspect: folders are searched
recursively, skipping those whose name starts with `.` or `_` and those
named env, venv or tests, as well as files whose name starts with `.` or `_`;
only top-level (non-async) functions decorated `@task` or `@task(...)` count.
"""

from __future__ import annotations

import ast
import glob
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec

from .._console import warn
from ..errors import UsageError

SKIPPED_FOLDERS = ("env", "venv", "tests")
_NO_DEFAULT = object()


class TaskParam(msgspec.Struct):
    """A parameter of a task function, as its source declares it."""

    name: str
    type: str | None = None  # the annotation's source text
    required: bool = True
    default: Any = None  # the default's value where it is a constant
    default_source: str | None = None  # the default as written (`4`, `'mixed'`, `len`)


class TaskInfo(msgspec.Struct):
    """A task function found in a file: where, its name, its attributes and parameters."""

    file: str
    name: str
    attribs: dict[str, Any] = {}
    params: list[TaskParam] = []


def list_tasks(
    globs: str | Sequence[str] = (),
    absolute: bool = False,
    root_dir: str | None = None,
    filter: Callable[[TaskInfo], bool] | None = None,
) -> list[TaskInfo]:
    """The @task functions in the files and folders `globs` name (default: the
    current folder), sorted by file then name; `file` is relative to the cwd
    unless `absolute`. `filter` keeps the tasks it returns True for."""
    root = os.path.abspath(root_dir or os.getcwd())
    patterns = [globs] if isinstance(globs, str) else list(globs) or ["."]
    found: dict[tuple[str, str], TaskInfo] = {}
    for pattern in patterns:
        full = os.path.join(root, os.path.expanduser(pattern))
        matches = sorted(glob.glob(full)) if glob.has_magic(pattern) else [full]
        if not matches or not all(os.path.exists(m) for m in matches):
            raise UsageError(f"no such file or folder: {pattern}")
        for match in matches:
            for file in python_files(match):
                shown = file if absolute else os.path.relpath(file)
                for info in _tasks_in(file, shown):
                    if filter is None or filter(info):
                        found[(info.file, info.name)] = info
    return [found[key] for key in sorted(found)]


def attribute_filter(specs: Sequence[str]) -> Callable[[TaskInfo], bool]:
    """A filter from `NAME=VALUE` (the attribute equals VALUE) and `NAME~=VALUE`
    (it does not: tasks without it too) specs, all of which must hold. VALUE
    is read as JSON where it can be (true, 3, "x"), yes/no as booleans, else text."""
    tests: list[tuple[str, bool, Any]] = []
    for spec in specs:
        negated = "~=" in spec
        name, sep, value = spec.partition("~=" if negated else "=")
        if not sep or not name:
            raise UsageError(f"a task filter is NAME=VALUE or NAME~=VALUE, not {spec!r}")
        tests.append((name, negated, _filter_value(value)))

    def keep(info: TaskInfo) -> bool:
        return all((info.attribs.get(name) == value) != negated for name, negated, value in tests)

    return keep


def _filter_value(text: str) -> Any:
    import json

    words = {"yes": True, "on": True, "no": False, "off": False, "": None, "null": None, "~": None}
    if text.lower() in words:
        return words[text.lower()]
    if text in ("True", "False"):
        return text == "True"
    try:
        return json.loads(text)
    except ValueError:
        return text


def python_files(path: str) -> Iterator[str]:
    """The Python files where tasks are looked for: `path` itself if it is one,
    else those in the folder and its subfolders, by the one rule `inspect eval`
    and `inspect list tasks` share (see the module's docstring)."""
    if os.path.isfile(path):
        if path.endswith(".py"):
            yield path
        return
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d not in SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith((".", "_")):
                yield os.path.join(folder, name)


def _tasks_in(file: str, shown: str) -> list[TaskInfo]:
    try:
        with open(file, "rb") as f:
            tree = ast.parse(f.read(), filename=file)
    except (OSError, SyntaxError, ValueError) as ex:
        warn(f"skipped {shown}: {type(ex).__name__}: {ex}")
        return []
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            if isinstance(target, ast.Name) and target.id == "task":
                attribs = _constants(call.keywords if call is not None else [])
                name = attribs.pop("name", None)
                out.append(
                    TaskInfo(
                        file=shown,
                        name=name if isinstance(name, str) else node.name,
                        attribs=attribs,
                        params=_params(node.args),
                    )
                )
                break
    return out


def _constants(keywords: list[ast.keyword]) -> dict[str, Any]:
    """The decorator's keyword arguments whose values are constants (others
    cannot be known without running the file)."""
    out = {}
    for keyword in keywords:
        if keyword.arg is None:
            continue
        value = _literal(keyword.value)
        if value is not _NO_DEFAULT:
            out[keyword.arg] = value
    return out


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_DEFAULT
    try:
        msgspec.json.encode(value)
    except (TypeError, ValueError):
        return _NO_DEFAULT  # a set, bytes, a complex number: not JSON
    return value


def _params(args: ast.arguments) -> list[TaskParam]:
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]
    out = []
    for arg, default in pairs:
        param = TaskParam(name=arg.arg, type=ast.unparse(arg.annotation) if arg.annotation is not None else None)
        if default is not None:
            value = _literal(default)
            param.required = False
            param.default = None if value is _NO_DEFAULT else value
            param.default_source = ast.unparse(default)
        out.append(param)
    return out


def signature_text(info: TaskInfo) -> str:
    """The parameters as the source declares them: `n: int = 4, level: str = 'mixed'`."""
    parts = []
    for p in info.params:
        text = p.name + (f": {p.type}" if p.type else "")
        parts.append(text + (f" = {p.default_source}" if p.default_source is not None else ""))
    return ", ".join(parts)
