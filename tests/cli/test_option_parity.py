"""Our run commands know every option of Inspect 0.3.285's (recorded by
scripts/record_inspect_options.py): each is implemented, taking a value
exactly when Inspect's does, or accepted and refused as unsupported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main

from inspect_cli.cli import app
from inspect_cli.cli._inspect_options import UNSUPPORTED, bare_values

from support.cli_runner import run_inspect

FIXTURE = Path(__file__).parents[1] / "fixtures" / "inspect_ai_0.3.285_cli_options.json"
INSPECT = json.loads(FIXTURE.read_text())
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]

# Options whose value Inspect lets one leave out but ours need (bare, Inspect's mean their default).
VALUE_REQUIRED = {"--epochs-reducer", "--fail-on-error", "--bundle-dir"}


def _ours(command: str) -> dict[str, Any]:
    """Our options of `command` by each of their names."""
    out = {}
    for param in COMMANDS[command].params:
        if param.param_type_name == "option":
            for name in [*param.opts, *param.secondary_opts]:
                out[name] = param
    return out


def _takes(param: Any, command: str) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    if param.multiple:
        return "repeatable"
    if bare_values([param.opts[0]], COMMANDS[command].optional_value_options()) != [param.opts[0]]:
        return "optional"
    return "value"


CASES = [(command, option) for command, options in INSPECT.items() for option in options]


@pytest.mark.parametrize(("command", "inspect_option"), CASES, ids=[f"{c} {'/'.join(o['names'])}" for c, o in CASES])
def test_every_inspect_option_is_known(command: str, inspect_option: dict[str, Any]) -> None:
    ours = _ours(command)
    names = inspect_option["names"] + inspect_option["secondary"]
    for name in names:
        assert name in ours, f"inspect {command} has no option {name} (Inspect has it)"
    param = ours[names[0]]
    takes = _takes(param, command)
    expected = inspect_option["takes"]
    if names[0] in VALUE_REQUIRED:
        expected = "value"
    if takes == "repeatable" and expected == "value":
        return  # ours may be repeated (eval-set --model), one value parses the same
    assert takes == expected, f"{names[0]}: ours is a {takes} option, Inspect's a {expected} one"


def test_lists_only_shrink() -> None:
    """Every name listed here is an option of Inspect's (a typo would hide nothing)."""
    known = {n for options in INSPECT.values() for o in options for n in o["names"] + o["secondary"]}
    assert (VALUE_REQUIRED | set(UNSUPPORTED)) <= known


# Read through inspect_cli.settings instead (with its checks, `.env` and, for
# the log dir, paths relative to the `.env` file): the same variables.
READ_BY_SETTINGS = {"--model", "--max-connections", "--max-samples", "--log-format", "--log-dir"}
# INSPECT_DISPLAY may name displays Inspect has and we do not (rich, conversation, log):
# read, it would fail every run of a user who set it for Inspect.
NOT_READ = {"--display"}
# Inspect's eval-retry reads other variables than its eval for these; ours are eval's.
RETRY_QUIRKS = {"--no-log-samples", "--no-log-realtime", "--no-score"}
ENV_CASES = [
    (command, option)
    for command, option in CASES
    if option["envvar"] and not option["hidden"] and not set(option["names"]) & set(UNSUPPORTED)
]


@pytest.mark.parametrize(("command", "inspect_option"), ENV_CASES, ids=[f"{c} {o['names'][0]}" for c, o in ENV_CASES])
def test_environment_variables_are_inspects(command: str, inspect_option: dict[str, Any]) -> None:
    """Our options read the variables Inspect's read (INSPECT_EVAL_<OPTION>)."""
    name = inspect_option["names"][0]
    if name in READ_BY_SETTINGS | NOT_READ or (command == "eval-retry" and name in RETRY_QUIRKS):
        return
    param = _ours(command)[name]
    envvar = param.envvar
    ours = [envvar] if isinstance(envvar, str) else list(envvar or [])
    if getattr(param.callback, "__qualname__", "").startswith("_from_env."):
        ours.append(settings_variable(name))  # read through settings when not given (cli/_generation.py)
    assert set(inspect_option["envvar"]) & set(ours), f"{name} reads {ours}, Inspect's {inspect_option['envvar']}"


def settings_variable(option: str) -> str:
    return "INSPECT_EVAL_" + option.lstrip("-").replace("-", "_").upper()


@pytest.mark.parametrize("option", sorted(UNSUPPORTED))
def test_unsupported_options_are_refused_in_one_line(option: str, tmp_path: Path) -> None:
    spec = UNSUPPORTED[option]
    command = "eval" if spec.eval else "eval-set"
    value = [] if spec.takes in ("flag", "optional") else ["retry" if spec.type is not None else "x"]
    if option == "--incomplete-max":
        value = ["1"]
    args = [command, "task.py", option, *value]
    result = run_inspect("inprocess", args, tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"Error: {option} is not supported by inspect_cli (no {spec.needs})"]


def test_unsupported_options_parse_as_inspects(tmp_path: Path) -> None:
    """A bare optional-value option does not swallow the next option, and the
    first unsupported option given is the one named."""
    result = run_inspect("inprocess", ["eval", "task.py", "--checkpoint", "--sandbox", "docker"], tmp_path)
    assert result.exit_code == 2
    assert "--checkpoint is not supported" in result.stderr


def test_negated_unsupported_flags_ask_for_what_we_do(tmp_path: Path) -> None:
    """`--no-detach` asks for a run in the foreground: no error about it (the
    missing task file is what fails)."""
    result = run_inspect("inprocess", ["eval", "missing.py", "--no-detach", "--model", "mockllm/model"], tmp_path)
    assert "not supported" not in result.stderr
    assert "missing.py" in result.stderr
