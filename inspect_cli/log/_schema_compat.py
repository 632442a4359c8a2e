"""Log schema versions: what we read, and the version-1 to version-2 upgrade.

Version 1 (Inspect 0.3.17 and earlier) had a single scorer per task:
`results.scorer` + `results.metrics`, and one `score` per sample. Version 2
has `results.scores` (a list) and a `scores` dict per sample, keyed by scorer
name. A version-1 log without results (error, cancelled, started) names no
scorer; its sample scores are keyed by the placeholder Inspect uses.
"""

from __future__ import annotations

from typing import Any

from ..errors import LogFormatError, LogVersionError

LATEST_VERSION = 2
UNNAMED_SCORER = "88F74D2C"


def check_header(header: Any, what: str, latest: int = LATEST_VERSION) -> int:
    """The log's schema version, after checking that this is a log we can read
    (the `.eval` format also reads version 3: see `upgrade_v3_sample`)."""
    if not isinstance(header, dict) or not isinstance(header.get("eval"), dict):
        raise LogFormatError(f"{what} is not an eval log (no 'eval' object)")
    version = header.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise LogFormatError(f"{what}: log version {version!r} is not a number")
    if version > latest:
        raise LogVersionError(
            f"{what}: log version {version} is newer than this tool reads (up to {latest}); upgrade inspect_cli"
        )
    return version


def upgrade_v3_sample(sample: dict[str, Any]) -> dict[str, Any]:
    """A sample of a version-3 `.eval` log (Inspect builds of March 2026 that
    pooled model inputs as `message_pool`/`call_pool`) in version-2 shape:
    the pools become `events_data`, which the events' refs point into alike."""
    if "message_pool" not in sample and "call_pool" not in sample:
        return sample
    out = {k: v for k, v in sample.items() if k not in ("message_pool", "call_pool")}
    if "events_data" not in out:
        out["events_data"] = {"messages": sample.get("message_pool") or [], "calls": sample.get("call_pool") or []}
    return out


def v1_scorer_name(header: dict[str, Any]) -> str:
    """The scorer name a version-1 log's sample scores are keyed by."""
    results = header.get("results")
    if isinstance(results, dict) and isinstance(results.get("scorer"), dict):
        name = results["scorer"].get("name")
        if isinstance(name, str):
            return name
    return UNNAMED_SCORER


def upgrade_v1_header(header: dict[str, Any]) -> dict[str, Any]:
    """A version-1 header (top-level dict, samples aside) in version-2 shape.
    Version-1 results also appear in some version-2 files: they are upgraded
    whatever the version (as Inspect does)."""
    out: dict[str, Any] = {}
    for key, value in header.items():
        if key == "version":
            out[key] = max(LATEST_VERSION, value) if isinstance(value, int) else value
        elif key == "results" and isinstance(value, dict):
            out[key] = _upgrade_v1_results(value)
        else:
            out[key] = value
    return out


def _upgrade_v1_results(results: dict[str, Any]) -> dict[str, Any]:
    if "scorer" not in results and "metrics" not in results:
        return results
    found = results.get("scorer")
    scorer: dict[str, Any] = found if isinstance(found, dict) else {}
    name = scorer.get("name", UNNAMED_SCORER)
    score: dict[str, Any] = {"name": name, "scorer": name}
    for key, value in scorer.items():
        if key != "name":
            score[key] = value
    score.setdefault("params", {})
    score["metrics"] = results.get("metrics") or {}
    out: dict[str, Any] = {}
    for key, value in results.items():
        if key == "scorer":
            out["scores"] = [score]
        elif key != "metrics":
            out[key] = value
    if "scores" not in out:
        out["scores"] = [score]
    return out


def upgrade_v1_sample(sample: dict[str, Any], scorer_name: str) -> dict[str, Any]:
    """A version-1 sample in version-2 shape: `score` becomes `scores[name]`."""
    if "score" not in sample:
        return sample
    return {
        ("scores" if key == "score" else key): ({scorer_name: value} if key == "score" and value is not None else value)
        for key, value in sample.items()
    }
