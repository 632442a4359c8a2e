"""A JSON Schema of the log format, generated from the Structs.

Known fields are typed; fields the model does not know are allowed (newer
Inspect versions add them), and so are events and content parts of types the
model does not know (their tag must then differ from every known tag).
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._types import UNKNOWN_TAG, EvalLog, OtherContent, OtherEvent

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def eval_log_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an eval log file's JSON."""
    (root,), defs = msgspec.json.schema_components([EvalLog], ref_template="#/$defs/{name}")
    schema: dict[str, Any] = {"$schema": SCHEMA_URI, "title": "EvalLog", **root, "$defs": defs}
    for definition in defs.values():
        definition.pop("additionalProperties", None)  # unknown fields are allowed
    _open_union(defs, OtherEvent.__name__, "event")
    _open_union(defs, OtherContent.__name__, "type")
    _drop_unknown_mapping(schema)
    return schema


def _open_union(defs: dict[str, Any], name: str, tag: str) -> None:
    """Make the fallback member of a tagged union match any object whose tag
    is not a known one (it stands for types a newer Inspect added)."""
    known = sorted(
        {
            d["properties"][tag]["enum"][0]
            for other, d in defs.items()
            if other != name
            and tag in d.get("properties", {})
            and "enum" in d["properties"][tag]
            and d["properties"][tag]["enum"][0] != UNKNOWN_TAG
            and tag in d.get("required", [])
        }
    )
    defs[name] = {
        "title": defs[name].get("title", name),
        "description": f"An object with a '{tag}' this schema does not know, kept as it is.",
        "type": "object",
        "properties": {tag: {"type": "string", "not": {"enum": known}}},
        "required": [tag],
    }


def _drop_unknown_mapping(node: Any) -> None:
    """Discriminator mappings cannot express 'any other tag': leave them out."""
    if isinstance(node, dict):
        node.pop("discriminator", None)
        for value in node.values():
            _drop_unknown_mapping(value)
    elif isinstance(node, list):
        for value in node:
            _drop_unknown_mapping(value)
