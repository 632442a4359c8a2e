"""Eval logs: the `EvalLog` model and reading, writing and listing log files."""

from ._convert import convert_eval_logs
from ._file import (
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
    read_eval_log_samples,
    write_eval_log,
)
from ._list import EvalLogInfo, list_eval_logs, retryable_eval_logs
from ._schema import eval_log_schema
from ._tree import extra_fields
from ._types import *  # noqa: F403
from ._types import __all__ as _types_all

__all__ = [
    "EvalLogInfo",
    "convert_eval_logs",
    "eval_log_schema",
    "extra_fields",
    "list_eval_logs",
    "retryable_eval_logs",
    "read_eval_log",
    "read_eval_log_sample",
    "read_eval_log_sample_summaries",
    "read_eval_log_samples",
    "write_eval_log",
    *_types_all,
]
