"""`inspect score`: score a finished log again, with its own scorers or others."""

from enum import Enum
from typing import Annotated

import typer

from . import _options as opt
from ._output import write_json


class Action(str, Enum):
    append = "append"
    overwrite = "overwrite"


def score_command(
    log_file: Annotated[
        str, typer.Argument(metavar="LOG_FILE", help="The log to score (a path or URL).", show_default=False)
    ],
    scorer: Annotated[
        str | None,
        typer.Option(
            "--scorer",
            metavar="NAME|FILE.py[@NAME]",
            help="Scorer: a built-in (match, includes, exact, pattern, choice, model_graded_qa) or an @scorer "
            "function in a Python file. Default: the scorers the log records, with their arguments (those not "
            "built in are taken from the log's task file).",
            show_default=False,
        ),
    ] = None,
    scorer_arg: Annotated[
        list[str] | None,
        typer.Option("-S", "--scorer-arg", metavar="NAME=VALUE", help="Scorer argument (repeatable)."),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            metavar="NAME",
            help="Metric to compute in place of the scorer's own (repeatable).",
            show_default=False,
        ),
    ] = None,
    action: Annotated[
        Action,
        typer.Option("--action", help="append: add the new scores to the log's; overwrite: replace them."),
    ] = Action.append,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Write the scored log over LOG_FILE (else a new file).")
    ] = False,
    output_file: Annotated[
        str | None,
        typer.Option(
            "--output-file",
            metavar="FILE",
            help="Write the scored log here (default: NAME-scored.EXT beside LOG_FILE).",
            show_default=False,
        ),
    ] = None,
    output_dir: Annotated[
        str | None,
        typer.Option(
            "--output-dir",
            metavar="DIR",
            help="Write the scored log into DIR under LOG_FILE's name.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="PROVIDER/NAME",
            help="Model that model-graded scorers ask (default: the log's model).",
            show_default=False,
        ),
    ] = None,
    model_base_url: opt.ModelBaseUrl = None,
    model_arg: opt.ModelArg = None,
    model_role: opt.ModelRole = None,
    display: opt.Display = None,
    json_: opt.Json = False,
) -> None:
    """Score a finished log again (with its own scorers, or --scorer), writing a new log."""
    from .._engine.outcome import plain_lines, shown_location
    from .._engine.score import resolve_scorer, score_log_file
    from .eval import _inspect_ai_aliased, model_roles, parse_assignments

    args = parse_assignments(scorer_arg, "-S")
    if args and scorer is None:
        raise typer.BadParameter("-S needs --scorer (the scorer they are arguments of)")
    with _inspect_ai_aliased():
        log = score_log_file(
            log_file,
            [resolve_scorer(scorer, args)] if scorer is not None else None,
            metrics=metric,
            model=model,
            model_base_url=model_base_url,
            model_args=parse_assignments(model_arg, "-M"),
            model_roles=model_roles(model_role),
            action=action.value,
            output_file=output_file,
            output_dir=output_dir,
            overwrite=overwrite,
        )
    if json_:
        write_json({"log": log.location, "results": log.results})
    elif display is not opt.DisplayMode.none:
        print("\n".join(plain_lines(log)))
        print(f"Log: {shown_location(log.location or '')}")
