"""`inspect log recover`: finish the log of an eval whose process died (Inspect's options)."""

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from . import _options as opt
from ._output import display_name, note, write_json

if TYPE_CHECKING:
    from ..log._recover import RecoverableEvalLog


class IncompleteActionChoice(str, Enum):
    retry = "retry"
    error = "error"


def recover(
    log_file: Annotated[
        str | None,
        typer.Argument(
            metavar="[LOG_FILE]",
            help="The log an eval left 'started' when its process died (a path or URL; not with --list).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            metavar="FILE",
            help="Where to write the recovered log. Default: <name>-recovered.<ext> beside LOG_FILE.",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the crashed log in place instead of writing a new file.")
    ] = False,
    no_cleanup: Annotated[
        bool,
        typer.Option("--no-cleanup", help="Keep the temporary files a writer killed mid-flush left beside the log."),
    ] = False,
    no_events: Annotated[
        bool, typer.Option("--no-events", help="Leave the event transcripts out of the recovered samples (smaller).")
    ] = False,
    incomplete_action: Annotated[
        IncompleteActionChoice,
        typer.Option(
            "--incomplete-action",
            metavar="retry|error",
            help="'retry': the recovered log is an error log, and eval-retry runs the samples it lacks. "
            "'error': a log holding every sample of the eval is finished as 'success'.",
        ),
    ] = IncompleteActionChoice.retry,
    incomplete_max: Annotated[
        float | None,
        typer.Option(
            "--incomplete-max",
            metavar="N",
            min=0,
            help="Inspect's limit on samples resolved with --incomplete-action error (a count, or a share "
            "below 1). Accepted for compatibility: these logs record no sample in progress.",
            show_default=False,
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the logs in the log directory that can be recovered instead.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="With --list: print the listing as one JSON document.")] = False,
    log_dir: opt.LogDir = None,
) -> None:
    """Recover the log of an eval whose process died, keeping the samples it holds."""
    from ..log._recover import expected_samples, recover_eval_log, recoverable_eval_logs

    if list_:
        if log_file is not None:
            raise UsageError("give either LOG_FILE or --list, not both")
        _print_listing(recoverable_eval_logs(log_dir), json)
        return
    if log_file is None:
        raise UsageError("LOG_FILE is required (or --list)")
    if json:
        raise UsageError("--json goes with --list")
    log = recover_eval_log(
        log_file,
        output=output,
        overwrite=overwrite,
        cleanup=not no_cleanup,
        no_events=no_events,
        incomplete_action=incomplete_action.value,
        incomplete_max=incomplete_max,
    )
    samples = log.samples or []
    where = log.location or log_file
    print(f"Recovered {len(samples)} samples to {where}")
    print(f"  status: {log.status}")
    to_run = expected_samples(log.eval) - sum(1 for s in samples if s.error is None)
    if log.status != "success" and to_run > 0:
        print(f"\nTo run the {to_run} samples that did not finish:\n  inspect eval-retry {where}")


def _print_listing(found: "list[RecoverableEvalLog]", as_json: bool) -> None:
    if as_json:  # Inspect's keys
        keys = ("total_samples", "flushed_samples", "completed_samples", "in_progress_samples", "source")
        write_json([{"name": r.log.name, "task": r.log.task, **{k: getattr(r, k) for k in keys}} for r in found])
        return
    if not found:
        note("no recoverable logs found")
    for r in found:
        print(display_name(r.log.name, absolute=False))
        print(f"  {r.flushed_samples} of {r.total_samples} samples in the log")
