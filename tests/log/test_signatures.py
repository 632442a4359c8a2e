"""Every call written for inspect_ai.log 0.3.285 binds the same way on ours.

Inspect's signatures are recorded in a fixture (scripts/record_inspect_signatures.py
regenerates it with the real inspect-ai), so no inspect-ai is needed here.
Parameters Inspect can take by position must match ours one for one (name,
kind, default) and in order; its keyword-only ones must be accepted by
keyword with the same default. Our extra parameters come after Inspect's,
have defaults, and (in functions) are keyword-only, so they never shift a
positional argument. Inspect's private parameters (`_stats`) are not offered.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

import inspect_cli.log as api

FIXTURES = Path(__file__).parents[1] / "fixtures"
INSPECT = json.loads((FIXTURES / "inspect_ai_0.3.285_log_signatures.json").read_text())
CALLABLE = sorted(n for n, s in INSPECT.items() if s["kind"] != "other" and hasattr(api, n))
POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")

# Defaults that differ in spelling only, each with why the call behaves the same.
SAME_DEFAULT = {
    # None reads INSPECT_LOG_DIR (else ./logs) when called; Inspect reads it when imported.
    ("list_eval_logs", "log_dir"): ("'./logs'", "None"),
    ("list_eval_logs_async", "log_dir"): ("'./logs'", "None"),
    # None is no options, as Inspect's (shared, mutable) {} is.
    ("list_eval_logs", "fs_options"): ("{}", "None"),
    ("list_eval_logs_async", "fs_options"): ("{}", "None"),
    ("write_log_dir_manifest", "fs_options"): ("{}", "None"),
    # Inspect's validator turns its None into {}: what an instance holds either way.
    ("EvalSpec", "solver_args_passed"): (None, {}),
}

# What a call written for Inspect cannot do here, and why (each still missing).
KNOWN_GAPS = {
    # msgspec Structs cannot take constructor arguments that are not fields,
    # and these are not written to the file: set them after construction.
    ("EvalLog", "location"),
    ("EvalLog", "etag"),
    # The tag of a tagged Struct is implied by its class, not an argument.
    ("TagsEdit", "type"),
    ("MetadataEdit", "type"),
    # Unknown keys are kept when read from a file, not taken as keywords.
    ("SentinelEntry", "extra_data"),
    # None marks "absent from the file", so that reading derives the value
    # as Inspect does (a generated id; task_args, params; the message text).
    ("EvalSpec", "eval_id"),
    ("EvalSpec", "task_args_passed"),
    ("EvalPlanStep", "params_passed"),
    ("EvalSample", "output"),
}


def _without_nones(value: Any) -> Any:
    """A default's JSON with None members dropped: a model omits what a
    Struct spells out as None, and the reverse."""
    if isinstance(value, dict):
        return {k: _without_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nones(v) for v in value]
    return value


def _our_defaults(obj: Any) -> dict[str, Any]:
    """Each parameter's default as Inspect's fixture records it: a class's as
    the JSON of the value an instance takes, a function's as its repr."""
    if isinstance(obj, type) and issubclass(obj, msgspec.Struct):
        out = {}
        for field in msgspec.structs.fields(obj):
            if field.default is not msgspec.NODEFAULT:
                out[field.name] = msgspec.to_builtins(field.default)
            elif field.default_factory is not msgspec.NODEFAULT:
                made = [msgspec.to_builtins(field.default_factory()) for _ in range(2)]
                out[field.name] = made[0] if made[0] == made[1] else "<generated>"
        return out
    spell = msgspec.to_builtins if isinstance(obj, type) else repr
    return {p.name: spell(p.default) for p in inspect.signature(obj).parameters.values() if p.default is not p.empty}


def mismatches(name: str) -> list[str]:
    theirs = [
        p for p in INSPECT[name]["params"] if not p["name"].startswith("_") and (name, p["name"]) not in KNOWN_GAPS
    ]
    obj = getattr(api, name)
    ours = list(inspect.signature(obj).parameters.values())
    defaults = _our_defaults(obj)
    struct = isinstance(obj, type) and issubclass(obj, msgspec.Struct)
    out = []

    def same_default(p: dict[str, Any]) -> bool:
        if "default" not in p:
            return True  # required by Inspect: any default of ours only widens
        mine = defaults.get(p["name"], inspect.Parameter.empty)
        if SAME_DEFAULT.get((name, p["name"])) == (p["default"], mine):
            return True
        if isinstance(obj, type):
            return mine is not inspect.Parameter.empty and _without_nones(mine) == _without_nones(p["default"])
        return mine == p["default"]

    by_name = {p.name: p for p in ours}
    positional = [p for p in theirs if p["kind"] in POSITIONAL]
    for i, p in enumerate(positional):
        mine = ours[i] if i < len(ours) else None
        if mine is None or mine.name != p["name"] or mine.kind.name != p["kind"]:
            got = f"{mine.name} ({mine.kind.name})" if mine else "nothing"
            out.append(f"position {i}: Inspect's {p['name']} ({p['kind']}), ours {got}")
    for p in theirs:
        mine = by_name.get(p["name"])
        if p["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            if not any(q.kind.name == p["kind"] for q in ours):
                out.append(f"no **/* parameter for Inspect's {p['name']} ({p['kind']})")
            continue
        if mine is None:
            out.append(f"missing {p['name']}")
            continue
        if p["kind"] == "KEYWORD_ONLY" and mine.kind.name not in ("KEYWORD_ONLY", "POSITIONAL_OR_KEYWORD"):
            out.append(f"{p['name']} not accepted by keyword")
        if not same_default(p):
            out.append(f"{p['name']}: Inspect's default {p['default']!r}, ours {defaults.get(p['name'], 'none')!r}")
    names = {p["name"] for p in theirs}
    for mine in ours:
        if mine.name in names or mine.kind in (mine.VAR_POSITIONAL, mine.VAR_KEYWORD):
            continue
        if mine.default is mine.empty and not (struct and mine.name in defaults):
            out.append(f"extra {mine.name} is required")
        elif not struct and mine.kind is not mine.KEYWORD_ONLY and positional:
            out.append(f"extra {mine.name} is not keyword-only")
    return out


@pytest.mark.parametrize("name", CALLABLE)
def test_calls_written_for_inspect_bind_on_ours(name: str) -> None:
    assert mismatches(name) == []


def test_every_offered_callable_is_checked() -> None:
    assert len(CALLABLE) >= 60
    assert {"read_eval_log_samples", "EvalLog", "Transcript"} <= set(CALLABLE)


@pytest.mark.parametrize(("name", "param"), sorted(KNOWN_GAPS))
def test_known_gaps_are_still_gaps(name: str, param: str) -> None:
    """A gap closed (or gone from Inspect) must leave the list."""
    assert any(p["name"] == param for p in INSPECT[name]["params"])
    obj = getattr(api, name)
    ours = inspect.signature(obj).parameters.get(param)
    same = ours is not None and _our_defaults(obj).get(param) == next(
        p.get("default") for p in INSPECT[name]["params"] if p["name"] == param
    )
    assert not same


# The parameters added for Inspect's signatures do what Inspect's do.

LOGS = FIXTURES / "inspect-logs/v0.3.285/logs"
MULTI = LOGS / "more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
ERROR = LOGS / "2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"
EXTREMES = LOGS / "more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"


def test_all_samples_required_refuses_an_unfinished_log() -> None:
    with pytest.raises(RuntimeError, match="all_samples_required=False"):
        next(api.read_eval_log_samples(ERROR))
    assert len(list(api.read_eval_log_samples(ERROR, False))) == 4


@pytest.mark.parametrize("suffix", [".eval", ".json"])
def test_all_samples_required_notices_a_missing_sample(tmp_path: Path, suffix: str) -> None:
    log = api.read_eval_log(MULTI)
    assert log.samples is not None
    del log.samples[2]  # (3, 1)
    path = tmp_path / f"missing{suffix}"
    api.write_eval_log(log, path)
    with pytest.raises(IndexError, match="id 3 and epoch 1"):
        list(api.read_eval_log_samples(path))
    kept = [(s.id, s.epoch) for s in api.read_eval_log_samples(path, all_samples_required=False)]
    assert kept == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 2)]  # as inspect-ai 0.3.285 yields them


@pytest.mark.parametrize("path", [MULTI, EXTREMES])
def test_a_sample_by_its_uuid(path: Path) -> None:
    for sample in api.read_eval_log(path).samples or []:
        found = api.read_eval_log_sample(path, uuid=sample.uuid)
        assert (found.id, found.epoch, found.uuid) == (sample.id, sample.epoch, sample.uuid)
    with pytest.raises(IndexError, match="uuid 'nope'"):
        api.read_eval_log_sample(path, uuid="nope")
    with pytest.raises(ValueError, match="id"):
        api.read_eval_log_sample(path)


def test_id_and_epoch_come_before_uuid() -> None:
    first, second = (api.read_eval_log(MULTI).samples or [])[:2]
    found = api.read_eval_log_sample(MULTI, second.id, second.epoch, first.uuid)
    assert found.uuid == second.uuid


def test_async_twins_take_inspects_reader() -> None:
    async def main() -> None:
        sample = await api.read_eval_log_sample_async(MULTI, 2, 2, None, False, "auto", None, None)
        assert (sample.id, sample.epoch) == (2, 2)
        [again] = await api.read_eval_log_samples_by_id_async(MULTI, [(2, 2)], reader=None)
        assert again.uuid == sample.uuid

    asyncio.run(main())
