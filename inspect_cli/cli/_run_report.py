"""`--json` of `eval`, `eval-retry` and `eval-set`: JSON Lines on stdout for
scripts and CI, a `start` record as the run starts and a `done` record at its
end. Everything else (progress, warnings, errors) stays on stderr."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..log._types import EvalLog


def write_line(record: dict[str, Any]) -> None:
    """One JSON document on one line (strict: non-finite numbers as strings),
    flushed so a reader sees it as it happens."""
    from ..log import _codec

    sys.stdout.write(_codec.dumps(record, nonfinite="string").decode("utf-8") + "\n")
    sys.stdout.flush()


def start(run_id: str, log_dir: str | None, eval_set_id: str | None = None) -> None:
    write_line({"type": "start", "run_id": run_id, "eval_set_id": eval_set_id, "pid": os.getpid(), "log_dir": log_dir})


def done(run_id: str, logs: list[EvalLog], interrupted: bool) -> None:
    """The outcome: success only when every task (member) succeeded."""
    success = not interrupted and all(log.status == "success" for log in logs)
    write_line({"type": "done", "run_id": run_id, "success": success, "tasks": [_task(log) for log in logs]})


def finish(run_id: str | None, logs: list[EvalLog], interrupted: bool, display: str | None) -> None:
    """The end of a run on stdout: the `done` record with --json; with
    `--display none`, each log's location and nothing else (for scripts
    capturing them); otherwise the display has shown the outcome already."""
    if run_id is not None:
        done(run_id, logs, interrupted)
    elif display == "none":
        for log in logs:
            if log.location:
                print(log.location)
        sys.stdout.flush()


def _task(log: EvalLog) -> dict[str, Any]:
    results = log.results
    metric = None
    if results is not None and results.scores and results.scores[0].metrics:
        score = results.scores[0]
        name, value = next(iter(score.metrics.items()))
        metric = {"scorer": score.name, "name": name, "value": value.value}
    return {
        "task": log.eval.task,
        "model": log.eval.model,
        "task_id": log.eval.task_id,
        "log": log.location,
        "status": log.status,
        "samples": None
        if results is None
        else {"total": results.total_samples, "completed": results.completed_samples},
        "metric": metric,
        "error": log.error.message if log.error is not None else None,
    }
