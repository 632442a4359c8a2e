"""The JSON Schema of the log format: specific for known fields, open to new ones."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from inspect_cli.log._schema import eval_log_schema

from support.helpers import FIXTURES, entry_id, manifest_entries, raw_log

SCHEMA = eval_log_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BASIC = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"


def test_the_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("item", manifest_entries(), ids=entry_id)
def test_every_fixture_log_validates(item: tuple[str, dict]) -> None:
    version, entry = item
    errors = [
        f"{list(e.absolute_path)}: {e.message[:200]}"
        for e in VALIDATOR.iter_errors(raw_log(FIXTURES / version / entry["path"]))
    ]
    assert errors == []


def _errors(log: dict[str, Any]) -> list[str]:
    return [".".join(map(str, e.absolute_path)) for e in VALIDATOR.iter_errors(log)]


@pytest.mark.parametrize(
    "path, value",
    [
        (["status"], 3),
        (["status"], "finished"),
        (["eval", "task_id"], 42),
        (["results", "scores", 0, "metrics", "accuracy", "value"], "high"),
        (["samples", 0, "epoch"], "one"),
        (["samples", 0, "events", 7, "model"], ["not", "a", "string"]),
        (["stats", "model_usage", "mockllm/model", "input_tokens"], "many"),
    ],
)
def test_wrongly_typed_known_fields_are_rejected(path: list[Any], value: Any) -> None:
    log = copy.deepcopy(raw_log(BASIC))
    assert _errors(log) == []
    target = log
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert _errors(log) != []


def test_unknown_fields_and_types_are_accepted() -> None:
    log = copy.deepcopy(raw_log(BASIC))
    log["x_future"] = {"anything": [1, 2]}
    log["eval"]["x_future"] = 1
    log["samples"][0]["events"].append({"event": "x_future_event", "foo": 1})
    log["samples"][0]["messages"].append({"role": "user", "content": [{"type": "x_future_part", "bar": 2}]})
    assert _errors(log) == []


def test_an_unknown_event_cannot_pose_as_a_known_type() -> None:
    log = copy.deepcopy(raw_log(BASIC))
    log["samples"][0]["events"].append({"event": "model", "model": 42})
    assert _errors(log) != []


def test_cli_prints_the_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from support.cli_runner import run_inspect
    from support.helpers import load_json

    for args in (["log", "schema"], ["info", "log-schema"]):
        result = run_inspect("inprocess", args, tmp_path)
        assert result.exit_code == 0
        assert load_json(result.stdout) == SCHEMA
