"""Reports over eval logs for CI and people: a table of tasks x models with
every metric and its change from the previous run, gates a pipeline fails on,
and renderers for markdown, JUnit XML, JSON and text.

    report = report_eval_logs(["logs"], gates=["match/accuracy>=0.8"])
    print(render_report(report, "markdown"))
    if not report.passed: ...
"""

from ._report import (
    Gate,
    GateOutcome,
    MetricValue,
    Report,
    ReportRow,
    SampleOutcome,
    SkippedLog,
    parse_gate,
    report_eval_logs,
)
from ._report_formats import RENDERERS, render_report

FORMATS = tuple(RENDERERS)

__all__ = [
    "FORMATS",
    "Gate",
    "GateOutcome",
    "MetricValue",
    "Report",
    "ReportRow",
    "SampleOutcome",
    "SkippedLog",
    "parse_gate",
    "render_report",
    "report_eval_logs",
]
