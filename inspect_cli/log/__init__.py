"""Eval logs: the `EvalLog` model and reading, writing and listing log files."""

from ._file import (
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_samples,
    write_eval_log,
)
from ._tree import extra_fields
from ._types import *  # noqa: F403
from ._types import __all__ as _types_all

__all__ = [
    "extra_fields",
    "read_eval_log",
    "read_eval_log_sample",
    "read_eval_log_samples",
    "write_eval_log",
    *_types_all,
]
