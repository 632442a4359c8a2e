"""`report_eval_logs`: rows per task and model, changes from the previous run,
gates and sample outcomes (the renderers are tested with the command)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from inspect_cli.errors import UsageError
from inspect_cli.log.report import Gate, parse_gate, report_eval_logs

from support.helpers import FIXTURES
from support.report_logs import write_run

V285 = FIXTURES / "v0.3.285/logs"
BASIC = V285 / "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
FLAKY_ERROR = V285 / "2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"
FLAKY_ERROR_JSON = V285 / "2026-11-28T06-09-30-00-00_arith-flaky_EsPNFGpD8ZoQNBwMkNN4aa.json"
FLAKY_RETRY = V285 / "2026-11-28T06-09-28-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"
MULTI = V285 / "more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
EXTREMES = V285 / "more/2026-11-28T06-09-44-00-00_arith-extremes_JARfEPBRDEEQAuS3oTd66m.eval"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """t1 on m/a twice (accuracy 0.5 then 0.75), t1 on m/b, t2 on m/a."""
    write_run(tmp_path, "t1", "m/a", 1, {"match": {"accuracy": 0.5, "stderr": 0.2}}, tokens=100)
    write_run(tmp_path, "t1", "m/a", 5, {"match": {"accuracy": 0.75, "stderr": 0.1}}, tokens=120, seconds=42)
    write_run(tmp_path, "t1", "m/b", 3, {"match": {"accuracy": 0.25}})
    write_run(tmp_path, "t2", "m/a", 2, {"includes": {"accuracy": 1.0}, "match": {"accuracy": 0.5}})
    return tmp_path


def test_newest_run_of_each_task_and_model_with_its_change(runs: Path) -> None:
    report = report_eval_logs([str(runs)])
    assert [(r.task, r.model) for r in report.rows] == [("t1", "m/a"), ("t1", "m/b"), ("t2", "m/a")]
    newest = report.rows[0]
    assert newest.previous is not None and newest.previous.endswith("_t1_t11.eval")
    accuracy, stderr = newest.metrics
    assert (accuracy.key, accuracy.value, accuracy.previous) == ("match/accuracy", 0.75, 0.5)
    assert accuracy.change == pytest.approx(0.25)
    assert stderr.change == pytest.approx(-0.1)
    assert (newest.duration, newest.total_tokens, newest.input_tokens, newest.output_tokens) == (42.0, 120, 110, 10)
    assert newest.headline == "match/accuracy"
    assert report.rows[1].previous is None and report.rows[1].metrics[0].change is None
    assert report.passed and report.gates == [] and report.skipped == []


def test_all_runs(runs: Path) -> None:
    rows = report_eval_logs([str(runs)], all_runs=True).rows
    assert [(r.task, r.model, r.metrics[0].value) for r in rows] == [
        ("t1", "m/a", 0.75),
        ("t1", "m/b", 0.25),
        ("t2", "m/a", 1.0),
        ("t1", "m/a", 0.5),
    ]
    assert rows[3].previous is None and rows[0].previous == rows[3].log


def test_log_dir_is_the_default(runs: Path) -> None:
    assert len(report_eval_logs(log_dir=str(runs)).rows) == 3


@pytest.mark.parametrize(
    ("gate", "passed"),
    [
        ("match/accuracy>=0.75", True),
        ("match/accuracy>0.75", False),
        ("match/accuracy<=0.75", True),
        ("match/accuracy<0.75", False),
        ("match/accuracy==0.75", True),
        ("match/accuracy == 0.5", False),
        ("accuracy>=0.7", True),  # bare: one score has it
        ("status==success", True),
        ("status==error", False),
    ],
)
def test_gate_operators(tmp_path: Path, gate: str, passed: bool) -> None:
    write_run(tmp_path, "t1", "m/a", 1, {"match": {"accuracy": 0.75}})
    report = report_eval_logs([str(tmp_path)], gates=[gate])
    [outcome] = report.gates
    assert (outcome.passed, report.passed) == (passed, passed)
    assert outcome.gate == gate and outcome.task == "t1" and outcome.model == "m/a"


def test_gate_is_checked_on_each_reported_log(runs: Path) -> None:
    report = report_eval_logs([str(runs)], gates=["match/accuracy>=0.5"])
    assert [(g.task, g.model, g.passed, g.actual) for g in report.gates] == [
        ("t1", "m/a", True, 0.75),
        ("t1", "m/b", False, 0.25),
        ("t2", "m/a", True, 0.5),
    ]
    assert not report.passed
    assert report.failed_gates[0].reason == "match/accuracy is 0.25"


def test_bare_metric_that_two_scores_have_is_ambiguous(runs: Path) -> None:
    report = report_eval_logs([str(runs)], gates=["accuracy>=0"])
    outcome = {(g.task, g.model): g for g in report.gates}[("t2", "m/a")]
    assert not outcome.passed
    assert outcome.reason == "accuracy is ambiguous (name one of includes/accuracy, match/accuracy)"


def test_a_metric_the_log_lacks_fails_with_a_reason(runs: Path) -> None:
    report = report_eval_logs([str(runs)], gates=["includes/accuracy>=0.5"])
    reasons = {(g.task, g.model): (g.passed, g.reason) for g in report.gates}
    assert reasons[("t2", "m/a")] == (True, "includes/accuracy is 1")
    assert reasons[("t1", "m/b")] == (False, "no metric includes/accuracy (metrics: match/accuracy)")


def test_nan_fails_any_numeric_gate_infinity_is_a_number() -> None:
    report = report_eval_logs(
        [str(EXTREMES)], gates=["unbounded_score/mean>=0", "unbounded_score/mean<=0", "positive_inf_score/mean>=1"]
    )
    assert [(g.passed, g.reason) for g in report.gates] == [
        (False, "unbounded_score/mean is not a number"),
        (False, "unbounded_score/mean is not a number"),
        (True, "positive_inf_score/mean is inf"),
    ]
    assert math.isnan(next(m.value for m in report.rows[0].metrics if m.scorer == "unbounded_score") or 0.0)


@pytest.mark.parametrize("log", [FLAKY_ERROR, FLAKY_ERROR_JSON], ids=["eval", "json"])
def test_errors_gate_counts_samples_that_errored(log: Path) -> None:
    report = report_eval_logs([str(log)], gates=["errors<=2", "errors<2", "status==success"])
    assert [(g.passed, g.actual) for g in report.gates] == [(True, 2), (False, 2), (False, "error")]
    assert report.rows[0].errors == 2 and report.rows[0].samples is None


def test_errors_are_not_counted_without_an_errors_gate() -> None:
    assert report_eval_logs([str(FLAKY_ERROR)]).rows[0].errors is None


def test_sample_outcomes() -> None:
    [row] = report_eval_logs([str(BASIC)], samples=True).rows
    outcomes = {s.id: s for s in row.samples or []}
    assert {key: s.outcome for key, s in outcomes.items()} == {
        "q01": "passed",
        "q02": "passed",
        "q03": "failed",
        "q04": "passed",
    }
    assert outcomes["q03"].message == "not correct: includes='I'"
    [row] = report_eval_logs([str(FLAKY_ERROR)], samples=True).rows
    errored = {s.id: s for s in row.samples or [] if s.outcome == "error"}
    assert sorted(errored) == ["q03", "q04"]
    assert "deliberate solver failure" in (errored["q03"].message or "")


def test_retry_compares_with_the_failed_run_it_retried() -> None:
    report = report_eval_logs([str(FLAKY_ERROR), str(FLAKY_RETRY)])
    [row] = report.rows
    assert row.status == "success" and row.log.endswith(FLAKY_RETRY.name)
    assert row.previous is not None and row.previous.endswith(FLAKY_ERROR.name)
    assert row.metrics[0].previous is None  # the failed run has no results


def test_unreadable_logs_are_skipped(runs: Path) -> None:
    (runs / "2026-01-02T10-09-00+00-00_t9_broken.eval").write_bytes(b"not a zip")
    report = report_eval_logs([str(runs)])
    assert len(report.rows) == 3
    [skipped] = report.skipped
    assert skipped.log.endswith("_t9_broken.eval") and skipped.error


def test_a_gate_with_no_log_to_check_fails(tmp_path: Path) -> None:
    report = report_eval_logs([str(tmp_path)], gates=["status==success"])
    assert report.rows == [] and not report.passed
    assert [(g.log, g.reason) for g in report.gates] == [(None, "no logs to check")]


def test_a_missing_location_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such log file or directory"):
        report_eval_logs([str(tmp_path / "nowhere")])
    with pytest.raises(UsageError, match="no such log file or directory"):
        report_eval_logs([str(tmp_path / "2026-01-02T10-01-00+00-00_t1_x.eval")])


def test_multi_scorer_log_has_every_metric() -> None:
    [row] = report_eval_logs([str(MULTI)]).rows
    assert [m.key for m in row.metrics] == ["includes/accuracy", "includes/stderr", "match/accuracy", "match/stderr"]


def test_parse_gate() -> None:
    assert parse_gate("match/accuracy >= 0.8") == Gate(
        text="match/accuracy >= 0.8", subject="match/accuracy", op=">=", value=0.8
    )
    assert parse_gate("status==success").value == "success"
    assert parse_gate("errors<3").value == 3.0


@pytest.mark.parametrize(
    "text",
    [
        "accuracy",
        "accuracy=0.8",
        "accuracy!=0.8",
        "accuracy>=high",
        "accuracy>=nan",
        "accuracy>=",
        ">=0.8",
        "/accuracy>=0.8",
        "status>=success",
        "status==done",
        "errors<=two",
    ],
)
def test_malformed_gate_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="bad gate"):
        parse_gate(text)
