"""`inspect log ...`: the log commands (Inspect 0.3.46+ spelling)."""

from enum import Enum
from typing import Annotated

import typer

from ..errors import ExitCode
from . import _options as opt
from ._output import display_name, document, error, write_json
from .listing import list_logs
from .recover import recover

app = typer.Typer(help="Query, read and convert logs.", no_args_is_help=True)

app.command("list")(list_logs)
app.command("recover")(recover)


@app.command("dump")
def dump(
    path: opt.LogPath,
    header_only: Annotated[bool, typer.Option("--header-only", help="Read and print only the log header.")] = False,
    strict: opt.Strict = False,
    resolve_attachments: opt.ResolveAttachments = None,
) -> None:
    """Print a log file as JSON."""
    from ..log._dump import dump_eval_log

    with document() as write:
        dump_eval_log(
            path,
            write,
            header_only=header_only,
            strict=strict,
            resolve_attachments=resolve_attachments.value if resolve_attachments else False,
        )


@app.command("headers")
def headers(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Log files (paths or URLs).")],
    strict: opt.Strict = False,
) -> None:
    """Print the headers of several logs as one JSON list."""
    from ..log._dump import dump_headers

    with document() as write:
        dump_headers(paths, write, strict=strict)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the log format."""
    from ..log._schema import eval_log_schema

    write_json(eval_log_schema())


@app.command("types")
def types() -> None:
    """Print TypeScript declarations of the log format."""
    from ..log._typescript import eval_log_typescript

    print(eval_log_typescript(), end="")


class Format(str, Enum):
    eval = "eval"
    json = "json"


@app.command("convert")
def convert(
    path: Annotated[
        str,
        typer.Argument(
            metavar="PATH", help="A log file, or a directory of logs (searched recursively).", show_default=False
        ),
    ],
    to: Annotated[Format, typer.Option("--to", metavar="eval|json", help="Format to convert to.")],
    output_dir: Annotated[
        str, typer.Option("--output-dir", metavar="DIR", help="Directory to write the converted logs to.")
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace logs that exist in the output directory.")
    ] = False,
    resolve_attachments: opt.ResolveAttachments = None,
    stream: Annotated[
        str | None,
        typer.Option(
            "--stream",
            metavar="N",
            help="Convert the samples as stored, attachments unresolved, as Inspect's streaming conversion "
            "does (N, Inspect's sample concurrency, or true/false).",
        ),
    ] = None,
) -> None:
    """Convert logs between the .eval and .json formats."""
    from ..log._convert import convert_eval_logs

    results = convert_eval_logs(
        path,
        to.value,
        output_dir,
        overwrite=overwrite,
        resolve_attachments=resolve_attachments.value if resolve_attachments else False,
        stream=_stream(stream),
    )
    failed = [r for r in results if r.error is not None]
    for r in results:
        if r.error is not None:
            error(str(r.error))
        else:
            print(r.target)
    if failed:
        raise typer.Exit(ExitCode.ERROR if len(failed) == len(results) else ExitCode.PARTIAL)


def _stream(value: str | None) -> int | bool:
    """Inspect's `--stream` value: a sample concurrency, or true/false."""
    if value is None:
        return False
    if value.isdigit():
        return int(value)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise typer.BadParameter(f"expected a number, true or false, not {value!r}", param_hint="--stream")


class ConfigFormat(str, Enum):
    yaml = "yaml"
    json = "json"


@app.command("export-config")
def export_config(
    path: opt.LogPath,
    output: Annotated[
        str | None, typer.Option("--output", metavar="FILE", help="Write the config to FILE instead of stdout.")
    ] = None,
    format: Annotated[
        ConfigFormat, typer.Option("--format", metavar="yaml|json", help="Output format.")
    ] = ConfigFormat.yaml,
) -> None:
    """Print the run config that reproduces a log's run (for `inspect eval --run-config`)."""
    from ..log._config import export_config as export

    text = export(path, format.value, output)
    if output is None:
        print(text, end="")


class ReportFormat(str, Enum):
    markdown = "markdown"
    junit = "junit"
    json = "json"
    text = "text"


@app.command("report")
def report(
    logs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[LOG...]",
            help="Log files, or directories searched for logs (default: the log directory).",
            show_default=False,
        ),
    ] = None,
    log_dir: opt.LogDir = None,
    format: Annotated[
        ReportFormat,
        typer.Option("--format", metavar="markdown|junit|json|text", help="Output format."),
    ] = ReportFormat.text,
    gate: Annotated[
        list[str] | None,
        typer.Option(
            "--gate",
            metavar="EXPR",
            help="A condition every reported log must meet, e.g. 'match/accuracy>=0.8', 'status==success', "
            "'errors<=2' (repeatable; operators >= > <= < ==); exit code 1 when one fails.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
    ] = None,
    all_runs: Annotated[
        bool, typer.Option("--all", help="Report every log, not only the newest of each task and model.")
    ] = False,
    samples: Annotated[
        bool,
        typer.Option(
            "--samples",
            help="Add each sample's outcome (junit: a test case each, failed when a score is not correct or "
            "it errored; json: under each log).",
        ),
    ] = False,
    recursive: opt.Recursive = True,
) -> None:
    """Report tasks x models (status, samples, metrics with the change from the previous run,
    duration, tokens) as markdown, JUnit XML, JSON or text, and check gates for CI."""
    from .. import storage
    from ..errors import UsageError
    from ..log.report import render_report, report_eval_logs

    if samples and format not in (ReportFormat.junit, ReportFormat.json):
        raise UsageError("--samples needs --format junit or json")
    result = report_eval_logs(logs or [], log_dir, gate or [], all_runs=all_runs, samples=samples, recursive=recursive)
    text = render_report(result, format.value)
    if output is not None:
        storage.write_bytes(output, text.encode("utf-8"))
    else:
        print(text, end="")
    for skipped in result.skipped:
        error(f"skipped {display_name(skipped.log, False)}: {skipped.error}")
    for failed in result.failed_gates:
        where = f"{failed.task} ({failed.model}) in {display_name(failed.log, False)}" if failed.log else "no log"
        error(f"gate {failed.gate} failed: {where}: {failed.reason}")
    if result.failed_gates:
        raise typer.Exit(ExitCode.GATE_FAILED)
    if result.skipped:
        raise typer.Exit(ExitCode.PARTIAL)
