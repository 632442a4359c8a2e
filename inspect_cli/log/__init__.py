"""Eval logs: the `EvalLog` model and reading, writing and listing log files."""

from ..errors import RecoveryNotAvailable, RecoveryThresholdExceeded, WriteConflictError
from ._async import (
    list_eval_logs_async,
    read_eval_log_async,
    read_eval_log_headers_async,
    read_eval_log_sample_async,
    read_eval_log_sample_summaries_async,
    read_eval_log_samples_by_id_async,
    write_eval_log_async,
)
from ._convert import convert_eval_logs
from ._file import (
    WriteEvalLogResult,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
    read_eval_log_samples,
    read_eval_log_samples_by_id,
    write_eval_log,
)
from ._list import EvalLogInfo, list_eval_logs, read_eval_log_headers, retryable_eval_logs, write_log_dir_manifest
from ._recover import IncompleteAction, RecoverableEvalLog, recover_eval_log, recoverable_eval_logs
from ._schema import eval_log_schema
from ._tree import extra_fields
from ._types import *  # noqa: F403
from ._types import __all__ as _types_all

__all__ = [
    "EvalLogInfo",
    "IncompleteAction",
    "RecoverableEvalLog",
    "RecoveryNotAvailable",
    "RecoveryThresholdExceeded",
    "WriteConflictError",
    "WriteEvalLogResult",
    "list_eval_logs_async",
    "read_eval_log_async",
    "read_eval_log_headers",
    "read_eval_log_headers_async",
    "read_eval_log_sample_async",
    "read_eval_log_sample_summaries_async",
    "read_eval_log_samples_by_id",
    "read_eval_log_samples_by_id_async",
    "write_eval_log_async",
    "write_log_dir_manifest",
    "convert_eval_logs",
    "eval_log_schema",
    "extra_fields",
    "list_eval_logs",
    "recover_eval_log",
    "recoverable_eval_logs",
    "retryable_eval_logs",
    "read_eval_log",
    "read_eval_log_sample",
    "read_eval_log_sample_summaries",
    "read_eval_log_samples",
    "write_eval_log",
    *_types_all,
]
