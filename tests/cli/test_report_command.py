"""`inspect log report`: each format read the way its consumers read it
(markdown rendered, JUnit XML validated and parsed by a JUnit library, JSON
parsed strictly), gates and their exit codes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import junitparser
import pytest
import xmlschema
from markdown_it import MarkdownIt

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES
from support.report_logs import write_run

SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[1] / "support/junit.xsd")
V285 = FIXTURES / "v0.3.285/logs"
FLAKY_ERROR = V285 / "2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"
BASIC = V285 / "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
EXTREMES = V285 / "more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """t1 on m/a twice (accuracy 0.5 then 0.75), t_2 on m/a with a low score."""
    root = tmp_path / "logs"
    root.mkdir()
    write_run(root, "t1", "m/a", 1, {"match": {"accuracy": 0.5}})
    write_run(root, "t1", "m/a", 5, {"match": {"accuracy": 0.75}}, tokens=1234, seconds=42)
    write_run(root, "t_2", "m/a", 3, {"match": {"accuracy": 0.25}})
    return root


class _Tables(HTMLParser):
    """The cells of the HTML tables in a document, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _rendered_table(markdown: str) -> list[list[str]]:
    tables = _Tables()
    tables.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return tables.rows


@pytest.mark.parametrize("mode", MODES)
def test_markdown_renders_as_a_table(logs: Path, tmp_path: Path, mode: str) -> None:
    result = run_inspect(mode, ["log", "report", str(logs), "--format", "markdown"], tmp_path)
    assert result.exit_code == 0, result.stderr
    header, *rows = _rendered_table(result.stdout)
    assert header == ["Task", "Model", "Status", "Samples", "match/accuracy", "Duration", "Tokens", "Log"]
    assert rows[0][:7] == ["t1", "m/a", "✅ success", "4/4", "0.75 (+0.25)", "42.0s", "1,234"]
    assert rows[0][7].endswith("_t1_t15.eval")
    assert rows[1][:5] == ["t_2", "m/a", "✅ success", "4/4", "0.25"]  # `_` shown as written
    assert len(rows) == 2


def test_markdown_gates_render_as_a_list(logs: Path, tmp_path: Path) -> None:
    result = run_inspect("inprocess", ["log", "report", "--log-dir", str(logs), "--format", "markdown",
                                        "--gate", "match/accuracy>=0.5", "--gate", "status==success"], tmp_path)  # fmt: skip
    assert result.exit_code == 1
    html = MarkdownIt("commonmark").enable("table").render(result.stdout)
    assert "<h3>Gates: 1 passed, 1 failed</h3>" in html
    assert "<li>❌ <code>match/accuracy&gt;=0.5</code> failed for 1 of 2 logs:" in html
    assert "t_2 (m/a) in 2026-01-02T10-03-00+00-00_t_2_t_23.eval: match/accuracy is 0.25" in html
    assert "<li>✅ <code>status==success</code> passed for 2 logs</li>" in html


@pytest.mark.parametrize("mode", MODES)
def test_junit_is_valid_and_read_by_a_junit_library(logs: Path, tmp_path: Path, mode: str) -> None:
    out = tmp_path / "report.xml"
    args = ["log", "report", str(logs), "--format", "junit", "--gate", "match/accuracy>=0.5", "--output", str(out)]
    result = run_inspect(mode, args, tmp_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    SCHEMA.validate(str(out))
    xml = junitparser.JUnitXml.fromfile(str(out))
    cases = {(case.classname, case.name): case for suite in xml for case in suite}
    assert sorted(cases) == [("t1", "m/a"), ("t_2", "m/a")]
    assert cases[("t1", "m/a")].is_passed
    [failure] = cases[("t_2", "m/a")].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "gate match/accuracy>=0.5 failed: match/accuracy is 0.25"
    assert (xml.tests, xml.failures, xml.errors) == (2, 1, 0)
    assert cases[("t1", "m/a")].time == 42.0


def test_junit_samples_are_test_cases(tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    args = ["log", "report", str(BASIC), str(FLAKY_ERROR), "--format", "junit", "--samples", "--output", str(out)]
    result = run_inspect("subprocess", args, tmp_path)
    assert result.exit_code == 0, result.stderr  # no gate: a failed eval is a failed test, not a failed command
    SCHEMA.validate(str(out))
    xml = junitparser.JUnitXml.fromfile(str(out))
    outcomes = {
        (case.classname, case.name): type(case.result[0]).__name__ if case.result else "passed"
        for suite in xml
        for case in suite
    }
    assert outcomes == {
        ("arith_flaky", "mockllm/model"): "Error",  # status error
        ("arith_flaky", "mockllm/model sample q01 epoch 1"): "passed",
        ("arith_flaky", "mockllm/model sample q02 epoch 1"): "passed",
        ("arith_flaky", "mockllm/model sample q03 epoch 1"): "Error",
        ("arith_flaky", "mockllm/model sample q04 epoch 1"): "Error",
        ("arith", "mockllm/model"): "passed",
        ("arith", "mockllm/model sample q01 epoch 1"): "passed",
        ("arith", "mockllm/model sample q02 epoch 1"): "passed",
        ("arith", "mockllm/model sample q03 epoch 1"): "Failure",
        ("arith", "mockllm/model sample q04 epoch 1"): "passed",
    }
    assert (xml.tests, xml.failures, xml.errors) == (10, 1, 3)


def test_junit_gate_without_logs_is_a_failed_test(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    args = ["log", "report", str(tmp_path / "empty"), "--format", "junit", "--gate", "status==success"]
    result = run_inspect("inprocess", args, tmp_path)
    assert result.exit_code == 1
    assert "gate status==success failed: no log: no logs to check" in result.stderr
    (tmp_path / "r.xml").write_text(result.stdout)
    SCHEMA.validate(str(tmp_path / "r.xml"))
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "r.xml"))
    assert (xml.tests, xml.failures) == (1, 1)


@pytest.mark.parametrize("mode", MODES)
def test_json_is_one_strict_document(tmp_path: Path, mode: str) -> None:
    result = run_inspect(mode, ["log", "report", str(EXTREMES), "--format", "json", "--gate", "errors<=0"], tmp_path)
    assert result.exit_code == 0, result.stderr

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    document = json.loads(result.stdout, parse_constant=refuse)
    [row] = document["rows"]
    values = {f"{m['scorer']}/{m['metric']}": m["value"] for m in row["metrics"]}
    assert values["unbounded_score/mean"] == "NaN" and values["positive_inf_score/mean"] == "Infinity"
    assert row["errors"] == 0 and row["status"] == "success"
    assert document["passed"] is True
    assert [(g["gate"], g["passed"], g["actual"]) for g in document["gates"]] == [("errors<=0", True, 0)]


def test_json_samples(tmp_path: Path) -> None:
    result = run_inspect("inprocess", ["log", "report", str(BASIC), "--format", "json", "--samples"], tmp_path)
    [row] = json.loads(result.stdout)["rows"]
    assert [(s["id"], s["outcome"]) for s in row["samples"]] == [
        ("q01", "passed"),
        ("q02", "passed"),
        ("q03", "failed"),
        ("q04", "passed"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_text_table_and_gates(logs: Path, tmp_path: Path, mode: str) -> None:
    args = ["log", "report", "--log-dir", str(logs), "--all", "--gate", "match/accuracy>0.3"]
    result = run_inspect(mode, args, tmp_path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["task", "model", "status", "samples", "match/accuracy", "duration", "tokens", "log"]
    assert lines[1].split()[:6] == ["t1", "m/a", "success", "4/4", "0.75", "(+0.25)"]
    assert lines[2].split()[:5] == ["t_2", "m/a", "success", "4/4", "0.25"]
    assert lines[3].split()[:5] == ["t1", "m/a", "success", "4/4", "0.5"]
    assert lines[4] == "FAIL  gate match/accuracy>0.3 (2/3 passed)"
    assert result.stderr.startswith("Error: gate match/accuracy>0.3 failed: t_2 (m/a) in ")
    assert "match/accuracy is 0.25" in result.stderr


@pytest.mark.parametrize("mode", MODES)
def test_passing_gates_exit_0(logs: Path, tmp_path: Path, mode: str) -> None:
    gates = ["--gate", "match/accuracy>=0.25", "--gate", "status==success", "--gate", "errors<=0"]
    result = run_inspect(mode, ["log", "report", str(logs), *gates], tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert "PASS  gate status==success (2/2 passed)" in result.stdout


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("gate", ["accuracy=0.8", "accuracy>=high", "status>=success", ">=1"])
def test_malformed_gate_is_a_usage_error(logs: Path, tmp_path: Path, mode: str, gate: str) -> None:
    result = run_inspect(mode, ["log", "report", str(logs), "--gate", gate], tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: bad gate {gate!r}") and "Traceback" not in result.stderr


def test_samples_needs_junit_or_json(logs: Path, tmp_path: Path) -> None:
    result = run_inspect("inprocess", ["log", "report", str(logs), "--samples"], tmp_path)
    assert result.exit_code == 2 and "--samples needs --format junit or json" in result.stderr


def test_unreadable_log_is_named_and_skipped(logs: Path, tmp_path: Path) -> None:
    (logs / "2026-01-02T10-09-00+00-00_t9_broken.eval").write_bytes(b"not a zip")
    result = run_inspect("subprocess", ["log", "report", str(logs)], tmp_path)
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and lines[3].startswith("SKIP  2026-01-02T10-09-00+00-00_t9_broken.eval: ")
    assert "skipped logs/2026-01-02T10-09-00+00-00_t9_broken.eval" in result.stderr
    gated = run_inspect("subprocess", ["log", "report", str(logs), "--gate", "status==error"], tmp_path)
    assert gated.exit_code == 1  # a failed gate outranks a skipped log


def test_output_replaces_the_file(logs: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.md"
    out.write_text("old")
    result = run_inspect(
        "inprocess", ["log", "report", str(logs), "--format", "markdown", "--output", str(out)], tmp_path
    )
    assert (result.exit_code, result.stdout) == (0, "")
    assert out.read_text().startswith("## Eval report\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("summary")] == ["summary.md"]
