"""The pydantic methods Inspect's log objects have (`model_dump`, `model_copy`,
`model_validate`, ...) work on ours, so code written for inspect_ai.log runs."""

from __future__ import annotations

import json
import math

import pytest

from inspect_cli.log import EvalLog, EvalSample, Score, read_eval_log

from support.helpers import FIXTURES

EXTREMES = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-44-00-00_arith-extremes_JARfEPBRDEEQAuS3oTd66m.eval"
MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"


def test_model_dump_has_every_field_unless_excluded() -> None:
    log = read_eval_log(MULTI, header_only=True)
    dumped = log.model_dump()
    assert dumped["error"] is None and "error" not in log.model_dump(exclude_none=True)
    assert dumped["eval"]["run_id"] == log.eval.run_id
    assert "eval" not in log.model_dump(exclude={"eval"})
    assert log.model_dump(mode="json", exclude_none=True) == log.model_dump(exclude_none=True)


def test_json_round_trip_keeps_nan_and_infinity() -> None:
    sample = next(s for s in read_eval_log(EXTREMES).samples or [] if s.id == "q03")
    text = sample.model_dump_json()
    assert "NaN" in text and "Infinity" in text
    back = EvalSample.model_validate_json(text)
    assert back.model_dump_json() == text
    assert any(isinstance(s.value, float) and math.isnan(s.value) for s in (back.scores or {}).values())
    assert json.loads(sample.model_dump_json(indent=2)) == json.loads(text)


def test_model_validate_checks_types_and_keeps_unknown_fields() -> None:
    score = Score.model_validate({"value": "C", "answer": "5", "x_future": 1})
    assert score.value == "C" and score.model_dump()["x_future"] == 1
    assert Score.model_validate(score) is score
    with pytest.raises(ValueError):
        Score.model_validate({"value": "C", "answer": 5})
    with pytest.raises(ValueError):
        EvalLog.model_validate_json("{}")


def test_model_copy_shallow_deep_and_update() -> None:
    log = read_eval_log(MULTI)
    shallow = log.model_copy(update={"status": "error"})
    assert shallow.status == "error" and log.status == "success"
    assert shallow.samples is log.samples
    deep = log.model_copy(deep=True)
    assert deep.samples is not log.samples and deep.model_dump() == log.model_dump()
    assert (deep.samples or [])[0] is not (log.samples or [])[0]
