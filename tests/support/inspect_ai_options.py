"""Run by the real inspect-ai's interpreter: for each log path given, what
inspect-ai reads of the parts of a log that run options set, as JSON."""

import json
import sys


def main() -> None:
    from inspect_ai.log import read_eval_log

    out = {}
    for path in sys.argv[1:]:
        log = read_eval_log(path)
        spec = log.eval
        out[path] = {
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
            "samples": [
                {
                    "id": s.id,
                    "scores": sorted(s.scores or {}),
                    "error": s.error is not None,
                    "error_retries": len(s.error_retries or []),
                }
                for s in log.samples or []
            ],
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
