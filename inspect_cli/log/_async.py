"""The `*_async` spellings of the log functions, as Inspect offers them: each
runs its synchronous twin in a worker thread, so an event loop is never
blocked by reading or writing a log."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, ParamSpec, TypeVar

from ._file import (
    LogFileArg,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
    read_eval_log_samples_by_id,
    write_eval_log,
)
from ._list import list_eval_logs, read_eval_log_headers
from ._resolve import ResolveAttachments
from ._types import EvalSample

P = ParamSpec("P")
T = TypeVar("T")


def _in_thread(fn: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    run.__name__ = run.__qualname__ = f"{fn.__name__}_async"
    return run


list_eval_logs_async = _in_thread(list_eval_logs)
read_eval_log_async = _in_thread(read_eval_log)
read_eval_log_headers_async = _in_thread(read_eval_log_headers)
read_eval_log_sample_summaries_async = _in_thread(read_eval_log_sample_summaries)
write_eval_log_async = _in_thread(write_eval_log)


# Inspect's spellings of these two also take `reader`, an open archive it
# reuses across reads: accepted for its signature, unused (each read here
# opens the log, as the synchronous twins do).


async def read_eval_log_sample_async(
    log_file: LogFileArg,
    id: int | str | None = None,
    epoch: int = 1,
    uuid: str | None = None,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = "auto",
    exclude_fields: set[str] | None = None,
    reader: Any = None,
) -> EvalSample:
    """`read_eval_log_sample` in a worker thread."""
    return await asyncio.to_thread(
        read_eval_log_sample, log_file, id, epoch, uuid, resolve_attachments, format, exclude_fields
    )


async def read_eval_log_samples_by_id_async(
    log_file: LogFileArg,
    samples: Iterable[tuple[str | int, int]],
    *,
    concurrency: int = 8,
    resolve_attachments: ResolveAttachments = False,
    format: str | None = "auto",
    exclude_fields: set[str] | None = None,
    reader: Any = None,
) -> list[EvalSample]:
    """`read_eval_log_samples_by_id` in a worker thread."""
    return await asyncio.to_thread(
        read_eval_log_samples_by_id,
        log_file,
        samples,
        concurrency=concurrency,
        resolve_attachments=resolve_attachments,
        format=format,
        exclude_fields=exclude_fields,
    )
