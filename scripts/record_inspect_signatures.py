"""Record the call signatures of inspect_ai.log's public names into
tests/fixtures/inspect_ai_0.3.285_log_signatures.json, so that
tests/log/test_signatures.py can check ours without inspect-ai installed.

Run with the real inspect-ai's interpreter (see tests/support/inspect_ai_env.py):

    .cache/inspect-ai-0.3.285/bin/python scripts/record_inspect_signatures.py

Only facts are recorded: each parameter's name, kind and default (a
function's as its repr; a class's as the JSON of the value an instance
takes, or "<generated>" when each makes up its own).
Names with no call signature (type aliases, exceptions) are recorded as such.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT / "tests/fixtures/inspect_ai_0.3.285_log_names.txt"
OUT = ROOT / "tests/fixtures/inspect_ai_0.3.285_log_signatures.json"


def main() -> None:
    os.environ.pop("INSPECT_LOG_DIR", None)  # Inspect reads it into a default when imported
    import inspect_ai
    import inspect_ai.log as api

    if inspect_ai.__version__ != "0.3.285":
        sys.exit(f"expected inspect-ai 0.3.285, found {inspect_ai.__version__}")
    out = {name: record(getattr(api, name)) for name in NAMES.read_text().split()}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(out)} names)")


def record(obj: Any) -> dict[str, Any]:
    if inspect.isroutine(obj):
        params = [param(p, repr(p.default)) for p in inspect.signature(obj).parameters.values()]
        return {"kind": "function", "params": params}
    if not inspect.isclass(obj):
        return {"kind": "other"}
    if hasattr(obj, "__required_keys__"):  # a TypedDict: called with its keys as keywords
        keys = sorted(obj.__required_keys__ | obj.__optional_keys__)
        return {"kind": "class", "params": [{"name": k, "kind": "KEYWORD_ONLY"} for k in keys]}
    try:
        signature = inspect.signature(obj)
    except ValueError:  # exceptions: constructed by message, as any exception
        return {"kind": "other"}
    fields = getattr(obj, "model_fields", {})
    params = []
    for p in signature.parameters.values():
        field = fields.get(p.name)
        if field is None:
            params.append(param(p, None if p.default is p.empty else jsonable(p.default)))
        elif field.is_required():  # (its signature may show pydantic's "undefined" default)
            params.append(param(p.replace(default=inspect.Parameter.empty), None))
        else:
            params.append(param(p, field_default(field)))
    return {"kind": "class", "params": params}


def param(p: inspect.Parameter, default: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": p.name, "kind": p.kind.name}
    if p.default is not inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
        entry["default"] = default
    return entry


def field_default(field: Any) -> Any:
    first, second = (jsonable(field.get_default(call_default_factory=True)) for _ in range(2))
    return first if first == second else "<generated>"


def jsonable(value: Any) -> Any:
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


if __name__ == "__main__":
    main()
