"""Run by the real inspect-ai: what it reads from logs, as JSON (status, metrics, scores)."""

import json
import sys

from inspect_ai.log import read_eval_log

out = {}
for path in sys.argv[1:]:
    log = read_eval_log(path)
    out[path] = {
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
print(json.dumps(out))
