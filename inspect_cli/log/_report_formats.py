"""How a `Report` is written out: one renderer per format, looked up by name.

- markdown: a GitHub-flavoured table and gate list (`$GITHUB_STEP_SUMMARY`,
  pull-request comments);
- junit: JUnit XML for CI test-report readers; a test suite per log whose
  first test case is the log itself (failed when its status is not success or
  a gate failed on it), followed by its samples when they were read;
- json: the report as one JSON document (non-finite numbers as strings);
- text: a plain aligned table for terminals and CI logs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import _codec
from ._report import GateOutcome, Report, ReportRow

Renderer = Callable[[Report], str]


def _markdown(report: Report) -> str:
    columns = ["Task", "Model", "Status", "Samples", *_metric_keys(report), "Duration", "Tokens", "Log"]
    lines = ["## Eval report", ""]
    if report.rows:
        lines.append("| " + " | ".join(_md_cell(c) for c in columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in columns) + "|")
        for row in report.rows:
            cells = _cells(row, _metric_keys(report), status=f"{_STATUS_MARK.get(row.status, '')} {row.status}")
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        if any(row.previous for row in report.rows):
            lines += ["", "Changes in brackets are from the previous run of the same task and model."]
    else:
        lines.append("No logs found.")
    if report.gates:
        failed = {g.gate for g in report.failed_gates}
        lines += ["", f"### Gates: {len(_gate_texts(report)) - len(failed)} passed, {len(failed)} failed", ""]
        for text in _gate_texts(report):
            outcomes = [g for g in report.gates if g.gate == text]
            bad = [g for g in outcomes if not g.passed]
            if outcomes[0].log is None:
                lines.append(f"- ❌ `{text}` failed: {_md_text(outcomes[0].reason)}")
            elif bad:
                lines.append(f"- ❌ `{text}` failed for {len(bad)} of {_logs(outcomes)}:")
                lines += [f"  - {_md_text(_who(g))}: {_md_text(g.reason)}" for g in bad]
            else:
                lines.append(f"- ✅ `{text}` passed for {_logs(outcomes)}")
    if report.skipped:
        lines += ["", "### Skipped (unreadable)", ""]
        lines += [f"- {_md_text(_base(s.log))}: {_md_text(s.error)}" for s in report.skipped]
    return "\n".join(lines) + "\n"


_STATUS_MARK = {"success": "✅", "error": "❌", "cancelled": "⚠️", "started": "⏳"}


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|")


def _md_text(text: str) -> str:
    """Text that markdown shows as it is (one line, no markup)."""
    text = " ".join(text.split())
    for special in "\\`*_[]<>#":
        text = text.replace(special, "\\" + special)
    return text


def _text(report: Report) -> str:
    keys = _metric_keys(report)
    table = [["task", "model", "status", "samples", *keys, "duration", "tokens", "log"]]
    table += [_cells(row, keys, status=row.status) for row in report.rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]
    if not report.rows:
        lines = ["No logs found."]
    for text in _gate_texts(report):
        outcomes = [g for g in report.gates if g.gate == text]
        bad = [g for g in outcomes if not g.passed]
        if outcomes[0].log is None:
            lines.append(f"FAIL  gate {text}: {outcomes[0].reason}")
            continue
        lines.append(f"{'FAIL' if bad else 'PASS'}  gate {text} ({len(outcomes) - len(bad)}/{len(outcomes)} passed)")
        lines += [f"      {_who(g)}: {g.reason}" for g in bad]
    lines += [f"SKIP  {_base(s.log)}: {s.error}" for s in report.skipped]
    return "\n".join(lines) + "\n"


def _json(report: Report) -> str:
    return _codec.dumps(report, indent=True, nonfinite="string").decode("utf-8") + "\n"


def _junit(report: Report) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="inspect log report")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    time = 0.0
    for row in report.rows:
        suite = ET.SubElement(root, "testsuite", name=f"{row.task} ({row.model})", timestamp=row.created)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        case = ET.SubElement(suite, "testcase", name=row.model, classname=row.task, time=_seconds(row.duration))
        counts["tests"] += 1
        reasons = (
            [] if row.status == "success" else [f"status is {row.status}" + (f": {row.error}" if row.error else "")]
        )
        reasons += [f"gate {g.gate} failed: {g.reason}" for g in report.gates if g.log == row.log and not g.passed]
        if reasons:
            kind = "error" if row.status == "error" else "failure"
            ET.SubElement(
                case, kind, message=reasons[0], type=row.status if row.status != "success" else "gate"
            ).text = "\n".join(reasons)
            counts["errors" if kind == "error" else "failures"] += 1
        ET.SubElement(case, "system-out").text = _details(row)
        for sample in row.samples or []:
            name = f"{row.model} sample {sample.id} epoch {sample.epoch}"
            sample_case = ET.SubElement(suite, "testcase", name=name, classname=row.task, time=_seconds(sample.time))
            counts["tests"] += 1
            if sample.outcome != "passed":
                kind = {"failed": "failure", "error": "error", "skipped": "skipped"}[sample.outcome]
                ET.SubElement(sample_case, kind, message=sample.message or sample.outcome)
                counts["failures" if kind == "failure" else "errors" if kind == "error" else "skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", _seconds(row.duration))
        time += row.duration or 0.0
    if not report.rows:
        for outcome in report.gates:  # a gate that had no log to check fails on its own
            suite = ET.SubElement(root, "testsuite", name="gates", tests="1", failures="1", errors="0", skipped="0")
            case = ET.SubElement(suite, "testcase", name=outcome.gate, classname="gates", time="0")
            ET.SubElement(case, "failure", message=outcome.reason, type="gate")
            totals["tests"] += 1
            totals["failures"] += 1
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(time))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _details(row: ReportRow) -> str:
    lines = [f"log: {row.log}", f"status: {row.status}", f"samples: {_samples(row)}"]
    lines += [f"{m.key}: {_change(m.value, m.change)}" for m in row.metrics]
    lines += [f"tokens: {row.total_tokens}"]
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return f"{value or 0.0:.3f}"


def _cells(row: ReportRow, keys: list[str], status: str) -> list[str]:
    metrics = {m.key: m for m in row.metrics}
    values = [_change(metrics[k].value, metrics[k].change) if k in metrics else "" for k in keys]
    return [
        row.task,
        row.model,
        status,
        _samples(row),
        *values,
        _duration(row.duration),
        f"{row.total_tokens:,}",
        _base(row.log),
    ]


def _metric_keys(report: Report) -> list[str]:
    """Every metric of any row, in the order they first appear."""
    return list(dict.fromkeys(m.key for row in report.rows for m in row.metrics))


def _gate_texts(report: Report) -> list[str]:
    return list(dict.fromkeys(g.gate for g in report.gates))


def _samples(row: ReportRow) -> str:
    if row.total_samples is None:
        return ""
    done = (
        f"{row.completed_samples}/{row.total_samples}" if row.completed_samples is not None else str(row.total_samples)
    )
    return f"{done} ({row.errors} errors)" if row.errors else done


def _number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "NaN"
    return f"{value:.4g}"


def _change(value: float | None, change: float | None) -> str:
    return _number(value) if change is None else f"{_number(value)} ({change:+.4g})"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s"
    hours, rest = divmod(whole, 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"


def _who(outcome: GateOutcome) -> str:
    return f"{outcome.task} ({outcome.model}) in {_base(outcome.log or '')}"


def _logs(outcomes: list[GateOutcome]) -> str:
    count = len(outcomes)
    return f"{count} log" + ("" if count == 1 else "s")


def _base(log: str) -> str:
    return log.rstrip("/").rsplit("/", 1)[-1]


RENDERERS: dict[str, Renderer] = {"markdown": _markdown, "junit": _junit, "json": _json, "text": _text}


def render_report(report: Report, format: str) -> str:
    """The report as text in `format` (one of RENDERERS)."""
    return RENDERERS[format](report)
