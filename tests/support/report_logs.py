"""Small logs written for report tests: one task run on one model, with chosen
metrics, times and token counts."""

from __future__ import annotations

from pathlib import Path

from inspect_cli.log import (
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalScore,
    EvalSpec,
    EvalStats,
    ModelUsage,
    write_eval_log,
)


def write_run(
    log_dir: Path,
    task: str,
    model: str,
    minute: int,
    metrics: dict[str, dict[str, float]] | None = None,
    status: str = "success",
    tokens: int = 100,
    seconds: int = 30,
) -> Path:
    """A log of `task` on `model` created at 10:`minute` that ran `seconds`;
    `metrics` maps a scorer to its metrics."""
    created = f"2026-01-02T10:{minute:02d}:00+00:00"
    scores = [
        EvalScore(
            name=scorer,
            scorer=scorer,
            metrics={name: EvalMetric(name=name, value=value) for name, value in values.items()},
        )
        for scorer, values in (metrics or {}).items()
    ]
    log = EvalLog(
        status=status,  # type: ignore[arg-type]
        eval=EvalSpec(created=created, task=task, task_id=f"{task}{minute}", model=model),
        results=EvalResults(total_samples=4, completed_samples=4, scores=scores) if status == "success" else None,
        stats=EvalStats(
            started_at=created,
            completed_at=f"2026-01-02T10:{minute:02d}:{seconds:02d}+00:00",
            model_usage={model: ModelUsage(input_tokens=tokens - 10, output_tokens=10, total_tokens=tokens)},
        ),
    )
    path = log_dir / f"2026-01-02T10-{minute:02d}-00+00-00_{task}_{task}{minute}.eval"
    write_eval_log(log, str(path))
    return path
