"""The `inspect` command line: thin commands over the library.

Every command parses its options, calls the library, and renders the result.
Domain errors are turned into one line on stderr and an exit code here, once.
"""

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__, settings
from ..errors import ExitCode, InspectCliError
from . import cache, eval_set, info, listing, log, score, view
from . import eval as eval_cmd
from ._inspect_options import EvalCommand, RetryCommand, RunCommand
from ._output import error


class _Group(TyperGroup):
    """Maps exceptions from any subcommand to a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InspectCliError as ex:
            error(str(ex))
            raise typer.Exit(ex.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except (typer.Exit, typer.Abort, EOFError):
            raise
        except BrokenPipeError:
            # The reader went away (`inspect list logs | head -1`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.OK) from None
        except Exception as ex:
            if settings.get_flag(settings.TRACEBACK):
                raise
            if type(ex).__module__.startswith(("typer", "click")):
                raise
            error(f"unexpected {type(ex).__name__}: {ex} (set INSPECT_CLI_TRACEBACK=1 for details)")
            raise typer.Exit(ExitCode.ERROR) from None


app = typer.Typer(
    cls=_Group,
    name="inspect",
    help="Run evaluations and read, list and convert Inspect eval logs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    env: Annotated[
        list[str] | None,
        typer.Option("--env", metavar="NAME=VALUE", help="Set an environment variable for this command (repeatable)."),
    ] = None,
) -> None:
    for item in env or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="'--env'")
        settings.set_env(name, value)
    settings.load_dotenv()  # after --env (which wins), before any command reads a setting


app.command("eval", cls=EvalCommand)(eval_cmd.eval_command)
app.command("eval-retry", cls=RetryCommand)(eval_cmd.eval_retry_command)
app.command("eval-set", cls=RunCommand)(eval_set.eval_set_command)
app.command("score")(score.score_command)
app.add_typer(view.app, name="view")
app.add_typer(log.app, name="log")
app.add_typer(info.app, name="info")
app.add_typer(listing.app, name="list")
app.add_typer(cache.app, name="cache")


def main() -> None:
    if settings.completion_requested():
        # A shell asks for completions (or for its completion script): load
        # typer's completion support only then; it costs every other start.
        from typer._completion_classes import completion_init  # where typer defines it

        completion_init()
    app(prog_name="inspect")
    sys.exit(0)
