"""Inspect's run options that this engine cannot honour, and options whose value may be left out.

Scripts written for Inspect pass options for sandboxes, tools, approval,
scanners and the like. `inspect eval`, `eval-retry` and `eval-set` accept
them by name (taking a value exactly when Inspect's do, so the rest of the
command line parses the same) and then refuse them in one line, naming what
is missing, with the usage exit code. They are hidden from `--help`; README.md
lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer
from typer._click import core, types  # typer's own click: what its commands are made of
from typer._types import TyperChoice
from typer.core import TyperCommand, TyperOption

from ..errors import UsageError


@dataclass(frozen=True)
class Unsupported:
    takes: str  # "flag", "value", "optional" (a value that may be left out) or "repeatable"
    needs: str  # what it needs that inspect_cli lacks
    retry: bool = False  # also an option of `eval-retry`
    secondary: str | None = None  # the `--no-...` form of a flag
    eval: bool = True  # an option of `eval` (all are options of `eval-set`)
    metavar: str = "VALUE"
    type: Any = None  # the value's type where another command has the option too (default text)


_SCAN = "scanners"
UNSUPPORTED: dict[str, Unsupported] = {
    "--detach": Unsupported("flag", "detached runs", retry=True, secondary="--no-detach"),
    "--model-spec": Unsupported("repeatable", "model spec files"),
    "--run-config": Unsupported("value", "run config files"),
    "--scanner": Unsupported("value", _SCAN, retry=True),
    "--scanner-arg": Unsupported("repeatable", _SCAN, retry=True),
    "--scans": Unsupported("value", _SCAN, retry=True),
    "--scan-name": Unsupported("value", _SCAN, retry=True),
    "--scan-tags": Unsupported("value", _SCAN, retry=True),
    "--scan-metadata": Unsupported("repeatable", _SCAN, retry=True),
    "--scan-filter": Unsupported("repeatable", _SCAN, retry=True, metavar="NAME=VALUE"),
    "--scan-model": Unsupported("value", _SCAN, retry=True),
    "--scan-model-base-url": Unsupported("value", _SCAN, retry=True),
    "--scan-model-arg": Unsupported("repeatable", _SCAN, retry=True),
    "--scan-model-config": Unsupported("value", _SCAN, retry=True),
    "--scan-model-role": Unsupported("repeatable", _SCAN, retry=True),
    "--scan-generate-config": Unsupported("value", _SCAN, retry=True),
    "--trace": Unsupported("flag", "trace mode", retry=True),
    "--approval": Unsupported("value", "tool approval"),
    "--review": Unsupported("value", "reviews"),
    "--sentinel": Unsupported("value", "sentinels"),
    "--sentinel-arg": Unsupported("repeatable", "sentinels"),
    "--notification": Unsupported("optional", "notifications"),
    "--sandbox": Unsupported("value", "sandboxes"),
    "--no-sandbox-cleanup": Unsupported("flag", "sandboxes", retry=True),
    "--sandbox-prebuilt": Unsupported("flag", "sandboxes", retry=True),
    "--max-sandboxes": Unsupported("value", "sandboxes", retry=True),
    "--max-subprocesses": Unsupported("value", "tool subprocesses", retry=True),
    "--checkpoint": Unsupported("optional", "checkpoints", retry=True),
    "--acp-server": Unsupported("optional", "a control channel", retry=True),
    "--ctl-server": Unsupported("optional", "a control channel", retry=True),
    "--max-dataset-memory": Unsupported("value", "datasets paged to disk"),
    "--adaptive-connections": Unsupported("value", "adaptive connection limits", retry=True),
    "--stream-idle-timeout": Unsupported("value", "streaming model requests", retry=True),
    "--log-refusals": Unsupported("flag", "refusal detection", retry=True, secondary="--no-log-refusals"),
    "--fail-on-refusal": Unsupported("flag", "refusal detection", secondary="--no-fail-on-refusal"),
    "--log-shared": Unsupported("optional", "live sample sharing", retry=True),
    "--parallel-tool-calls": Unsupported("flag", "tools", secondary="--no-parallel-tool-calls"),
    "--internal-tools": Unsupported("flag", "tools", secondary="--no-internal-tools"),
    "--max-tool-output": Unsupported("value", "tools"),
    "--batch": Unsupported("optional", "batch APIs"),
    "--incomplete-action": Unsupported(
        "value",
        "recovery of crashed logs here: use `inspect log recover`",
        retry=True,
        eval=False,
        metavar="retry|error",
        type=TyperChoice(["retry", "error"]),
    ),
    "--incomplete-max": Unsupported(
        "value",
        "recovery of crashed logs here: use `inspect log recover`",
        retry=True,
        eval=False,
        metavar="N",
        type=types.FloatRange(min=0),
    ),
    "--no-ansi": Unsupported("flag", "ANSI switching: plain output goes with --display plain", retry=True),
    "--debug": Unsupported("flag", "a debugger", retry=True),
    "--debug-port": Unsupported("value", "a debugger", retry=True),
    "--debug-errors": Unsupported("flag", "a debugger", retry=True),
}
SHORT = {"--scan-filter": "-F"}
OPTIONAL_FLAG_VALUE = "true"  # what an optional-value option gets when given bare (as Inspect)


def _param_name(option: str) -> str:
    return "unsupported_" + option.lstrip("-").replace("-", "_")


def _unsupported_param(option: str, spec: Unsupported) -> core.Parameter:
    decls = [option, *([SHORT[option]] if option in SHORT else []), _param_name(option)]
    help = f"Not supported by inspect_cli (no {spec.needs})."
    if spec.takes == "flag":
        if spec.secondary:
            decls[0] = f"{option}/{spec.secondary}"
        return TyperOption(param_decls=decls, is_flag=True, default=None, help=help, hidden=True)
    return TyperOption(
        param_decls=decls,
        type=spec.type or types.STRING,
        multiple=spec.takes == "repeatable",
        default=None,
        metavar=spec.metavar,
        help=help,
        hidden=True,
    )


class RunCommand(TyperCommand):
    """A run command (`eval`, `eval-retry`, `eval-set`): Inspect's options it
    cannot honour are accepted and refused in one line; options whose value
    Inspect lets one leave out (`--sample-shuffle [SEED]`) may be given bare."""

    kind = "set"  # "eval", "retry" or "set"
    # options whose value may be left out, and the value they then take
    optional_values: dict[str, str] = {
        "--sample-shuffle": OPTIONAL_FLAG_VALUE,
        "--retry-on-error": OPTIONAL_FLAG_VALUE,
        "--cache": "7D",  # as Inspect: `--cache` alone caches for 7 days
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for option, spec in UNSUPPORTED.items():
            if self.has(spec):
                self.params.append(_unsupported_param(option, spec))

    def has(self, spec: Unsupported) -> bool:
        return spec.retry if self.kind == "retry" else spec.eval if self.kind == "eval" else True

    def optional_value_options(self) -> dict[str, str]:
        """This command's options whose value may be left out, with the value they then take."""
        ours = {
            o: self.optional_values[o] for p in self.params for o in getattr(p, "opts", []) if o in self.optional_values
        }
        return ours | {o: OPTIONAL_FLAG_VALUE for o, s in UNSUPPORTED.items() if s.takes == "optional" and self.has(s)}

    def parse_args(self, ctx: core.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGS] = list(args)
        return super().parse_args(ctx, bare_values(args, self.optional_value_options()))

    def invoke(self, ctx: core.Context) -> Any:
        given = []
        for option in UNSUPPORTED:
            value = ctx.params.pop(_param_name(option).lower(), None)
            if value not in (None, False, (), []):
                given.append(option)
        if given:
            args: list[str] = ctx.meta.get(_ARGS, [])
            first = min(given, key=lambda option: _place(option, args))
            raise UsageError(f"{first} is not supported by inspect_cli (no {UNSUPPORTED[first].needs})")
        return super().invoke(ctx)


_ARGS = "inspect_cli.args"  # the command line, kept to name the first unsupported option in it


def _place(option: str, args: list[str]) -> int:
    names = {option, SHORT.get(option), UNSUPPORTED[option].secondary} - {None}
    return next((i for i, arg in enumerate(args) if arg.partition("=")[0] in names), len(args))


class EvalCommand(RunCommand):
    kind = "eval"


class RetryCommand(RunCommand):
    kind = "retry"


def bare_values(args: list[str], optional: dict[str, str]) -> list[str]:
    """`args` with each option of `optional` that is given without a value
    (last, or followed by another option) given its implied value instead,
    as click does for Inspect's options of that kind."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + args[i:]
        following = args[i + 1] if i + 1 < len(args) else None
        if arg in optional and (following is None or (following.startswith("-") and len(following) > 1)):
            out.append(f"{arg}={optional[arg]}")
        else:
            out.append(arg)
    return out


def shuffle_value(value: str | None) -> bool | int | None:
    """--sample-shuffle: bare shuffles with a new order each run; SEED with the same each time."""
    if value is None:
        return None
    if value.lower() == OPTIONAL_FLAG_VALUE:
        return True
    try:
        return int(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a whole-number seed, got {value!r}", param_hint="'--sample-shuffle'"
        ) from None


def retry_value(value: str | None) -> int | None:
    """--retry-on-error: bare retries an errored sample once; N up to N times."""
    if value is None:
        return None
    if value.lower() == OPTIONAL_FLAG_VALUE:
        return 1
    if not value.isdigit():
        raise typer.BadParameter(f"expected a number of retries, got {value!r}", param_hint="'--retry-on-error'")
    return int(value)
