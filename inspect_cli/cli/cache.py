"""`inspect cache list|clear|prune|path`: the model output cache on disk."""

from typing import Annotated, Any

import typer

from . import _options as opt
from ._output import note, write_json

app = typer.Typer(help="Manage the model output cache (see `inspect eval --cache`).", no_args_is_help=True)

Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        metavar="PROVIDER/NAME",
        help="Only this model's entries (repeatable).",
        show_default=False,
    ),
]


@app.command("list")
def list_command(
    pruneable: Annotated[
        bool, typer.Option("--pruneable", help="Only entries that prune would remove (expired or damaged).")
    ] = False,
    model: Models = None,
    json_: opt.Json = False,
) -> None:
    """List the cache's entries per model: how many and their size."""
    from ..model._cache import cache_usage

    usage = cache_usage(model, pruneable=pruneable)
    if json_:
        write_json([_record(u) for u in usage])
    elif not usage:
        note("No expired cache entries." if pruneable else "The cache is empty.")
    else:
        _table(usage)


@app.command("clear")
def clear_command(
    all_: Annotated[bool, typer.Option("--all", help="Remove every entry of every model.")] = False,
    model: Models = None,
) -> None:
    """Remove cache entries: of the models named by --model, or --all of them."""
    from ..errors import UsageError
    from ..model._cache import clear_cache

    if all_ == bool(model):
        raise UsageError("cache clear needs either --all or --model (not both)")
    _report("Cleared", clear_cache(None if all_ else model), "The cache held nothing to clear.")


@app.command("prune")
def prune_command(model: Models = None) -> None:
    """Remove expired (and damaged) entries, of every model or those named by --model."""
    from ..model._cache import prune_cache

    _report("Pruned", prune_cache(model), "No expired cache entries to prune.")


def path_command() -> None:
    """Print the cache's folder (INSPECT_CACHE_DIR, else the user cache folder's inspect_ai/generate)."""
    from ..model._cache import cache_path

    print(cache_path())


app.command("path")(path_command)
app.command("dir", help="Print the cache's folder (the same as `inspect cache path`).")(path_command)


def _record(usage: Any) -> dict[str, Any]:
    return {"model": usage.model, "entries": usage.entries, "bytes": usage.bytes}


def _table(usage: list[Any]) -> None:
    rows = [("MODEL", "ENTRIES", "SIZE"), *((u.model, str(u.entries), _size(u.bytes)) for u in usage)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, entries, size in rows:
        print(f"{name:<{widths[0]}}  {entries:>{widths[1]}}  {size:>{widths[2]}}")


def _report(verb: str, removed: list[Any], nothing: str) -> None:
    if not removed:
        note(nothing)
        return
    entries = sum(u.entries for u in removed)
    size = _size(sum(u.bytes for u in removed))
    note(f"{verb} {entries} cache entr{'y' if entries == 1 else 'ies'} ({size}) of {len(removed)} model(s).")
    for usage in removed:
        note(f"  {usage.model}: {usage.entries} ({_size(usage.bytes)})")


def _size(count: int) -> str:
    """Bytes for people: 512 B, 2.4 KB, 1.0 MB (1024-based, as Inspect's list shows)."""
    if count < 1024:
        return f"{count} B"
    size, unit = count / 1024, "KB"
    for bigger in ("MB", "GB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"
