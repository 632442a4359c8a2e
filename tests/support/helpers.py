"""Helpers for tests: the fixture logs, their manifests, and JSON comparison."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures" / "inspect-logs"
VERSIONS = sorted(p.name for p in FIXTURES.glob("v*"))


def manifest_entries() -> list[tuple[str, dict[str, Any]]]:
    """(version, manifest entry) for every fixture log."""
    out = []
    for version in VERSIONS:
        for entry in json.loads((FIXTURES / version / "manifest.json").read_text()):
            out.append((version, entry))
    return out


def entry_id(item: tuple[str, dict[str, Any]]) -> str:
    version, entry = item
    return f"{version}/{entry['path']}"


def golden_commands(version: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / version / "golden" / "index.json").read_text())["commands"]


def load_json(text: str | bytes) -> Any:
    """Parse JSON that may hold NaN/Infinity literals (as Inspect writes)."""
    return json.loads(text)


def zip_json_entries(path: Path) -> dict[str, Any]:
    """The JSON entries of a .eval file (zstd or deflate), parsed, last copy winning."""
    from inspect_cli.log._zip import ZipReader

    with open(path, "rb") as f:
        reader = ZipReader(f, str(path))
        return {name: json.loads(reader.read(name)) for name in reader.names()}


def raw_log(path: Path) -> dict[str, Any]:
    """A log file as plain JSON: a .json file parsed, or a .eval assembled from
    its entries the way Inspect presents it (header + samples + reductions)."""
    if path.suffix == ".json":
        return load_json(path.read_bytes())
    entries = zip_json_entries(path)
    if "header.json" in entries:
        log = dict(entries["header.json"])
    else:
        log = {}
        for key, value in entries["_journal/start.json"].items():
            log[key] = value
            if key == "version":
                log["status"] = "started"
    log["samples"] = [v for k, v in entries.items() if k.startswith("samples/")]
    if "reductions.json" in entries:
        log["reductions"] = entries["reductions.json"]
    return log


def same(a: Any, b: Any) -> bool:
    """JSON equality where NaN equals NaN and true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where two JSON values differ (NaN equals NaN), one line per difference."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in expected.keys() | actual.keys():
            if key not in actual:
                out.append(f"{path}.{key}: missing (expected {_short(expected[key])})")
            elif key not in expected:
                out.append(f"{path}.{key}: unexpected ({_short(actual[key])})")
            else:
                out += differences(expected[key], actual[key], f"{path}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items expected, {len(actual)} found"]
        out = []
        for i, (x, y) in enumerate(zip(expected, actual)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [] if same(expected, actual) else [f"{path}: expected {_short(expected)}, found {_short(actual)}"]


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) < 80 else text[:77] + "..."


def is_empty_default(value: Any) -> bool:
    """Values a writer may add for a field the file left out: {}, [], false, 0, "",
    or an object of such values (an empty EvalStats)."""
    if isinstance(value, dict):
        return all(is_empty_default(v) for v in value.values())
    return value in ({}, [], False, 0, "") and not (isinstance(value, float) and math.isnan(value))


def is_zip_readable(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return z.testzip() is None


def changed(log: Any) -> Any:
    """`log` with every sample changed where summaries do not look (its store),
    so a writer must build the summaries rather than copy those it read."""
    for sample in log.samples or []:
        sample.store = {**sample.store, "changed": True}
    return log
