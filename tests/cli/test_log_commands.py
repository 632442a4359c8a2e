"""The log commands' options beyond what the goldens replay."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from inspect_cli.log import EvalLog, EvalMetric, EvalResults, EvalScore, EvalSpec, read_eval_log, write_eval_log

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES, load_json

V285 = FIXTURES / "v0.3.285/logs"
EXTREMES = V285 / "more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"
BASIC = V285 / "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"


@pytest.mark.parametrize("mode", MODES)
def test_dump_strict_writes_nonfinite_numbers_as_strings(tmp_path: Path, mode: str) -> None:
    plain = run_inspect(mode, ["log", "dump", str(EXTREMES)], tmp_path)
    strict = run_inspect(mode, ["log", "dump", "--strict", str(EXTREMES)], tmp_path)
    assert plain.exit_code == strict.exit_code == 0
    with pytest.raises(ValueError):
        json.loads(plain.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    strict_log = json.loads(strict.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    values = [s["scores"]["unbounded_score"]["value"] for s in strict_log["samples"]]
    assert values == ["Infinity", 0.5, "-Infinity"]
    assert math.isinf(load_json(plain.stdout)["samples"][0]["scores"]["unbounded_score"]["value"])


@pytest.mark.parametrize("mode", MODES)
def test_header_only_threshold_in_mb(tmp_path: Path, mode: str) -> None:
    big = run_inspect(mode, ["info", "log-file", "--header-only", "1000", str(BASIC)], tmp_path)
    assert "samples" in load_json(big.stdout)  # smaller than 1000 MB: the whole log
    small = run_inspect(mode, ["info", "log-file", str(BASIC), "--header-only", "0"], tmp_path)
    assert "samples" not in load_json(small.stdout)
    flag = run_inspect(mode, ["info", "log-file", str(BASIC), "--header-only"], tmp_path)
    assert "samples" not in load_json(flag.stdout)


@pytest.mark.parametrize("mode", MODES)
def test_env_option_sets_a_variable_for_one_command(fixture_root: Path, mode: str) -> None:
    cwd = fixture_root / "v0.3.285"
    result = run_inspect(mode, ["--env", "INSPECT_LOG_DIR=logs/more/deep", "list", "logs"], cwd)
    golden = (cwd / "golden/12-log-list-plain-logdir-deep.txt").read_text()
    assert result.stdout == golden


@pytest.mark.parametrize("mode", MODES)
def test_long_listing(fixture_root: Path, mode: str) -> None:
    cwd = fixture_root / "v0.3.285"
    result = run_inspect(mode, ["list", "logs", "--long", "--json", "--log-dir", "logs/more"], cwd)
    assert result.exit_code == 0
    records = {Path(r["name"]).name: r for r in load_json(result.stdout)}
    multi = records["2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"]
    assert multi["status"] == "success" and multi["model"] == "mockllm/model"
    assert (multi["total_samples"], multi["completed_samples"]) == (6, 6)
    assert multi["headline"] == {"scorer": "includes", "metric": "accuracy", "value": pytest.approx(2 / 3)}
    error = records["2026-11-28T06-09-50-00-00_arith-badscore_9ytJ2Qq6WCin5gsy6ahGe8.json"]
    assert error["status"] == "error" and "ValueError" in error["error"]
    plain = run_inspect(mode, ["list", "logs", "--long", "--log-dir", "logs/more"], cwd)
    lines = plain.stdout.splitlines()
    assert len(lines) == len(records)
    assert lines[0].split("\t")[:3] == [
        "logs/more/deep/2026-11-28T06-10-23-00-00_arith-interrupt_jrmKnqGSChfCic8nKbHSAH.eval",
        "started",
        "mockllm/model",
    ]


def test_listings_print_strict_json(tmp_path: Path) -> None:
    log = EvalLog(
        status="success",
        eval=EvalSpec(created="2026-11-28T06:00:00+00:00", task="t", task_id="nan1", run_id="r1", model="m"),
        results=EvalResults(
            scores=[EvalScore(name="s", scorer="s", metrics={"mean": EvalMetric(name="mean", value=math.nan)})]
        ),
    )
    write_eval_log(log, tmp_path / "logs" / "2026-11-28T06-00-00-00-00_t_nan1.eval")
    result = run_inspect("inprocess", ["list", "logs", "--long", "--json"], tmp_path)
    record = json.loads(result.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert record[0]["headline"]["value"] == "NaN"


@pytest.mark.parametrize("mode", MODES)
def test_convert_a_directory(tmp_path: Path, mode: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(V285 / "more", src)
    result = run_inspect(
        mode, ["log", "convert", str(src), "--to", "eval", "--output-dir", str(tmp_path / "out")], tmp_path
    )
    assert result.exit_code == 0, result.stderr
    for path in src.rglob("*.json"):
        target = tmp_path / "out" / path.relative_to(src).with_suffix(".eval")
        assert read_eval_log(target) == read_eval_log(path)
    # a second run refuses to replace what exists, unless --overwrite
    again = run_inspect(
        mode, ["log", "convert", str(src), "--to", "eval", "--output-dir", str(tmp_path / "out")], tmp_path
    )
    assert again.exit_code == 1 and "--overwrite" in again.stderr
    forced = run_inspect(
        mode,
        ["log", "convert", str(src), "--to", "eval", "--output-dir", str(tmp_path / "out"), "--overwrite"],
        tmp_path,
    )
    assert forced.exit_code == 0, forced.stderr
    single = run_inspect(
        mode, ["log", "convert", str(BASIC), "--to", "json", "--output-dir", str(tmp_path / "one")], tmp_path
    )
    assert single.exit_code == 0
    assert read_eval_log(tmp_path / "one" / BASIC.with_suffix(".json").name) == read_eval_log(BASIC)


def test_local_commands_never_import_s3_or_http_packages(tmp_path: Path) -> None:
    code = (
        "import sys; from inspect_cli.cli import main; sys.argv = ['inspect', 'list', 'logs', '--status', 'error',"
        f" '--log-dir', {str(V285)!r}];\n"
        "try: main()\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('s3fs', 'botocore', 'aiobotocore', 'aiohttp', 'fsspec', 'pydantic') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert "HEAVY []" in run.stderr, run.stderr


@pytest.mark.parametrize("mode", MODES)
def test_dump_and_convert_resolve_attachments_to_a_depth(tmp_path: Path, mode: str) -> None:
    attached = Path(__file__).parents[1] / "fixtures" / "attachments.eval"
    counts = {}
    for depth in ([], ["--resolve-attachments", "core"], ["--resolve-attachments", "full"]):
        result = run_inspect(mode, ["log", "dump", str(attached), *depth], tmp_path)
        assert result.exit_code == 0, result.stderr
        counts[" ".join(depth[1:])] = result.stdout.count("attachment://")
    assert counts[""] > counts["core"] > counts["full"] == 0
    bad = run_inspect(mode, ["log", "dump", str(attached), "--resolve-attachments", "some"], tmp_path)
    assert bad.exit_code == 2 and "'some' is not one of 'full', 'core'" in bad.stderr
    args = ["log", "convert", str(attached), "--to", "json", "--output-dir", "out"]
    result = run_inspect(mode, [*args, "--resolve-attachments", "full"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "attachment://" not in (tmp_path / "out" / "attachments.json").read_text()
    streamed = run_inspect(
        mode, [*args, "--output-dir", "s", "--resolve-attachments", "full", "--stream", "4"], tmp_path
    )
    assert streamed.exit_code == 0, streamed.stderr
    assert "attachment://" in (tmp_path / "s" / "attachments.json").read_text()
    bad = run_inspect(mode, [*args, "--stream", "lots"], tmp_path)
    assert bad.exit_code == 2 and "--stream" in bad.stderr
