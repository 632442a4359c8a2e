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
from ._bundle import bundle_log_dir
from ._condense import condense_events, condense_sample, expand_events
from ._config import effective_eval_config, effective_generate_config
from ._convert import convert_eval_logs
from ._edit import edit_eval_log, invalidate_samples, uninvalidate_samples
from ._file import (
    WriteEvalLogResult,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
    read_eval_log_samples,
    read_eval_log_samples_by_id,
    write_eval_log,
)
from ._headline import ResolvedHeadlineMetric, headline_metric
from ._list import EvalLogInfo, list_eval_logs, read_eval_log_headers, retryable_eval_logs, write_log_dir_manifest
from ._recompute import recompute_metrics
from ._recover import IncompleteAction, RecoverableEvalLog, recover_eval_log, recoverable_eval_logs
from ._resolve import resolve_sample_attachments, resolve_sample_events_data
from ._schema import eval_log_schema
from ._score_edit import edit_score
from ._summaries import EvalSampleSummary
from ._transcript import Transcript, TranscriptHistory, TranscriptHistoryUnavailableError, transcript
from ._tree import extra_fields
from ._types import *  # noqa: F403
from ._types import __all__ as _types_all

__all__ = [
    "bundle_log_dir",
    "EvalLogInfo",
    "EvalSampleSummary",
    "Transcript",
    "TranscriptHistory",
    "TranscriptHistoryUnavailableError",
    "transcript",
    "ResolvedHeadlineMetric",
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
    "condense_events",
    "condense_sample",
    "convert_eval_logs",
    "expand_events",
    "edit_eval_log",
    "edit_score",
    "effective_eval_config",
    "effective_generate_config",
    "headline_metric",
    "invalidate_samples",
    "recompute_metrics",
    "uninvalidate_samples",
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
    "resolve_sample_attachments",
    "resolve_sample_events_data",
    "write_eval_log",
    *_types_all,
]
