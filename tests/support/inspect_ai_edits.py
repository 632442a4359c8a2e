"""Run in the real inspect-ai's venv: apply a list of log edits with Inspect's
API, write the result, then describe both that log and ours (as Inspect reads
them) so a test can compare the two.

argv[1]: a JSON file holding a list of jobs {"source", "ops", "theirs", "ours"};
prints a JSON list of {"theirs": description, "ours": description}.
The op vocabulary is the one `apply_ops` in tests/log/test_edit.py speaks.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from typing import Any

from inspect_ai.log import (
    MetadataEdit,
    ProvenanceData,
    TagsEdit,
    edit_eval_log,
    edit_score,
    headline_metric,
    invalidate_samples,
    read_eval_log,
    recompute_metrics,
    uninvalidate_samples,
    write_eval_log,
)
from inspect_ai.scorer import ScoreEdit


def provenance(p: dict[str, Any] | None) -> ProvenanceData | None:
    if p is None:
        return None
    return ProvenanceData(**{**p, "timestamp": datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00"))})


def apply(log: Any, op: list[Any]) -> Any:
    kind, args = op[0], op[1:]
    if kind == "tags":
        return edit_eval_log(log, [TagsEdit(tags_add=args[0], tags_remove=args[1])], provenance(args[2]))
    if kind == "metadata":
        return edit_eval_log(log, [MetadataEdit(metadata_set=args[0], metadata_remove=args[1])], provenance(args[2]))
    if kind == "invalidate":
        return invalidate_samples(log, args[0], provenance(args[1]))
    if kind == "uninvalidate":
        return uninvalidate_samples(log, args[0])
    if kind == "edit_score":
        sample_id, name, edit, recompute, epoch = args
        edit = {**edit, "provenance": provenance(edit.get("provenance"))}
        edit_score(log, sample_id, name, ScoreEdit(**edit), recompute, epoch)
        return log
    if kind == "recompute":
        recompute_metrics(log)
        return log
    if kind == "epochs_reducer":
        log.eval.config.epochs_reducer = args[0]
        return log
    raise ValueError(kind)


def finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def describe(path: str) -> dict[str, Any]:
    log = read_eval_log(path)
    d = log.model_dump(mode="json", exclude_none=True, fallback=repr)
    samples = []
    for s, raw in zip(log.samples or [], d.get("samples") or []):
        edits = [
            {
                "index": i,
                "span_id": e.get("span_id"),
                "score_name": e["score_name"],
                "edit": e["edit"],
            }
            for i, e in enumerate(raw.get("events", []))
            if e.get("event") == "score_edit"
        ]
        samples.append(
            {
                "id": s.id,
                "epoch": s.epoch,
                "invalidation": raw.get("invalidation"),
                "scores": raw.get("scores"),
                "score_edit_events": edits,
            }
        )
    headline = headline_metric(log)
    return finite(
        {
            "tags": d.get("tags"),
            "metadata": d.get("metadata"),
            "invalidated": d.get("invalidated"),
            "log_updates": d.get("log_updates"),
            "results": json.loads(log.results.model_dump_json(exclude_none=True)) if log.results else None,
            "reductions": [json.loads(r.model_dump_json(exclude_none=True)) for r in log.reductions or []],
            "samples": samples,
            "headline": [headline.score.name, headline.name, headline.metric.value] if headline else None,
        }
    )


def main() -> None:
    out = []
    for job in json.loads(open(sys.argv[1]).read()):
        log = read_eval_log(job["source"])
        for op in job["ops"]:
            log = apply(log, op)
        write_eval_log(log, job["theirs"])
        out.append({"theirs": describe(job["theirs"]), "ours": describe(job["ours"])})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
