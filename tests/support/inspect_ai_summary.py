"""What a reader makes of eval logs: status, metrics, sample scores, usage.

`summary()` works on our EvalLog and on inspect-ai's alike (the same field
names), so tests compare the two. Run as a script by inspect-ai's Python, it
prints inspect-ai's summaries of the logs named as JSON.
"""

import json
import sys
from typing import Any


def summary(log: Any) -> dict[str, Any]:
    return {
        "status": log.status,
        "task": log.eval.task,
        "model": log.eval.model,
        "metrics": {
            s.name: {k: m.value for k, m in s.metrics.items()} for s in (log.results.scores if log.results else [])
        },
        "samples": [[s.id, s.epoch, {k: v.value for k, v in (s.scores or {}).items()}] for s in log.samples or []],
        "usage": {k: u.total_tokens for k, u in log.stats.model_usage.items()},
        "reductions": [[r.scorer, [x.value for x in r.samples]] for r in log.reductions or []],
    }


if __name__ == "__main__":
    from inspect_ai.log import read_eval_log

    print(json.dumps({path: summary(read_eval_log(path)) for path in sys.argv[1:]}))
