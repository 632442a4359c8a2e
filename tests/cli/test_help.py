"""Every command and option explains itself in `--help`, the same way everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from inspect_cli.cli import app

from support.cli_runner import MODES, run_inspect


def _commands() -> Iterator[tuple[str, Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        yield " ".join(path), command
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), ["inspect"])


COMMANDS = list(_commands())
PARAMS = [(path, param) for path, command in COMMANDS for param in command.params]


def _takes_value(param: Any) -> bool:
    return not getattr(param, "is_flag", False) and not getattr(param, "count", False)


def _metavar(param: Any) -> str | None:
    return param.metavar or (None if not hasattr(param.type, "choices") else "|".join(param.type.choices))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help(path: str, command: Any) -> None:
    assert (command.help or "").strip(), f"{path} has no help text"


@pytest.mark.parametrize(("path", "param"), PARAMS, ids=[f"{p} {q.name}" for p, q in PARAMS])
def test_every_option_and_argument_has_help(path: str, param: Any) -> None:
    assert (getattr(param, "help", None) or "").strip(), f"{path}: {param.opts} has no help text"


@pytest.mark.parametrize(("path", "param"), PARAMS, ids=[f"{p} {q.name}" for p, q in PARAMS])
def test_values_are_named_in_capitals_or_listed(path: str, param: Any) -> None:
    """`--limit N|START-END`, `--display full|plain|none`, `PATH...`: never click's
    `TEXT`/`INTEGER`, which say nothing of what to pass."""
    if param.param_type_name == "option" and not _takes_value(param):
        return
    metavar = _metavar(param)
    assert metavar, f"{path}: {param.opts} takes a value but names none (metavar)"
    words = re.sub(r"[^A-Za-z_]+", " ", metavar).split()
    listed = "|" in metavar and all(w.islower() or w.isupper() for w in words)
    assert listed or all(w.isupper() for w in words), f"{path}: {param.opts} metavar {metavar!r}"
    if param.param_type_name == "argument" and param.nargs == -1:
        several = metavar.endswith("...") or metavar.endswith("]")  # `PATH...`, `PATH [MB]`
        assert several, f"{path}: {param.name} takes several values: {metavar!r} should end with ..."


# Options whose choices differ by command: `log export-config --format yaml|json`,
# `log report --format markdown|junit|json|text`.
_OWN_CHOICES = {"--format"}


def test_an_option_takes_the_same_value_everywhere() -> None:
    seen: dict[str, tuple[str, str | None, str]] = {}
    for path, param in PARAMS:
        if param.param_type_name != "option":
            continue
        for opt in param.opts:
            shape = (_metavar(param) if _takes_value(param) else None, param.type.name)
            if opt in _OWN_CHOICES:
                shape = (None, param.type.name)  # a choice everywhere, each command's own
            if opt in seen:
                first_path, *first_shape = seen[opt]
                assert tuple(first_shape) == shape, f"{opt}: {first_path} takes {first_shape}, {path} takes {shape}"
            else:
                seen[opt] = (path, *shape)


def _check_help_lists_every_option(mode: str, path: str, command: Any, cwd: Any) -> None:
    result = run_inspect(mode, [*path.split()[1:], "--help"], cwd)
    assert result.exit_code == 0, result.stderr
    for param in command.params:
        if param.param_type_name == "option" and not param.hidden:
            assert any(opt in result.stdout for opt in param.opts), f"{path} --help does not show {param.opts}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_lists_every_option(path: str, command: Any, tmp_path: Any) -> None:
    _check_help_lists_every_option("inprocess", path, command, tmp_path)


@pytest.mark.parametrize("mode", [m for m in MODES if m != "inprocess"])
def test_help_in_a_process_and_the_binary(mode: str, tmp_path: Any) -> None:
    for path, command in COMMANDS:
        if path in ("inspect", "inspect eval", "inspect log dump"):
            _check_help_lists_every_option(mode, path, command, tmp_path)
