"""The `*_async` spellings of the log functions, as Inspect offers them: each
runs its synchronous twin in a worker thread, so an event loop is never
blocked by reading or writing a log."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from ._file import (
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
    read_eval_log_samples_by_id,
    write_eval_log,
)
from ._list import list_eval_logs, read_eval_log_headers

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
read_eval_log_sample_async = _in_thread(read_eval_log_sample)
read_eval_log_sample_summaries_async = _in_thread(read_eval_log_sample_summaries)
read_eval_log_samples_by_id_async = _in_thread(read_eval_log_samples_by_id)
write_eval_log_async = _in_thread(write_eval_log)
