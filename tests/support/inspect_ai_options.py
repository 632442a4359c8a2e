"""What a log records of the run options, as JSON-ready data: `view(log)`
works on inspect-ai's log objects and on ours (which have the same names and
pydantic methods). Run by the real inspect-ai's interpreter with log paths,
it prints {path: view} of what inspect-ai reads."""

import json
import sys
from typing import Any


def view(log: Any) -> dict[str, Any]:
    spec = log.eval
    roles = spec.model_roles or {}
    return {
        "status": log.status,
        "config": spec.config.model_dump(exclude_none=True),
        "tags": spec.tags,
        "metadata": spec.metadata,
        "task_args": spec.task_args,
        "model_args": spec.model_args,
        "model_generate_config": spec.model_generate_config.model_dump(exclude_none=True),
        "plan_config": log.plan.config.model_dump(exclude_none=True),
        "dataset": spec.dataset.model_dump(exclude_none=True),
        "results": log.results is not None,
        "scores": [
            [s.name, s.reducer, s.scored_samples, {k: round(m.value, 6) for k, m in s.metrics.items()}]
            for s in (log.results.scores if log.results else [])
        ],
        "reductions": [[r.scorer, len(r.samples)] for r in log.reductions or []],
        "solver": [spec.solver, spec.solver_args, spec.solver_args_passed],
        "plan": [[step.solver, step.params] for step in log.plan.steps],
        "model_roles": {role: r["model"] if isinstance(r, dict) else r.model for role, r in roles.items()},
        "samples": [
            {
                "id": s.id,
                "scores": sorted(s.scores or {}),
                "error": s.error is not None,
                "error_retries": len(s.error_retries or []),
                "prompt": next((m.text for m in s.messages if m.role == "user"), None),
                "events_models": sorted({e.model for e in s.events if e.event == "model"}),
            }
            for s in log.samples or []
        ],
    }


def main() -> None:
    from inspect_ai.log import read_eval_log

    print(json.dumps({path: view(read_eval_log(path)) for path in sys.argv[1:]}))


if __name__ == "__main__":
    main()
