"""Scoring a finished log again (`score()`): what changes, what stays, and
agreement with what the real Inspect's `inspect score` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import score
from inspect_cli._engine.score import resolve_scorer, score_log_file, scored_location
from inspect_cli.errors import InspectCliError, LogError, UsageError
from inspect_cli.log import read_eval_log
from inspect_cli.log._types import ScoreEvent, SpanBeginEvent

from support.helpers import FIXTURES
from support.inspect_ai_env import inspect_ai_python

V285 = FIXTURES / "v0.3.285/logs"
BASIC_JSON = V285 / "2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"
BASIC_EVAL = V285 / "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
FLAKY_ERROR = V285 / "2026-11-28T06-09-30-00-00_arith-flaky_EsPNFGpD8ZoQNBwMkNN4aa.json"
MULTI = V285 / "more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"


def _metrics(log: Any) -> dict[str, dict[str, float]]:
    return {s.name: {m: v.value for m, v in s.metrics.items()} for s in log.results.scores}


def test_append_adds_the_new_scorer_and_keeps_the_old_results() -> None:
    log = read_eval_log(str(BASIC_JSON))
    before = json.dumps(_metrics(log))
    scored = score(log, resolve_scorer("exact"))
    assert json.dumps(_metrics(log)) == before  # copy=True: the given log is unchanged
    assert [s.name for s in scored.results.scores] == ["includes", "exact"]
    assert _metrics(scored)["includes"] == _metrics(log)["includes"]
    assert [r.scorer for r in scored.reductions] == ["includes", "exact"]
    assert [s.name for s in scored.eval.scorers] == ["includes", "exact"]
    assert scored.eval.scorers[1].metrics == [
        {"name": "inspect_ai/accuracy", "options": {}},
        {"name": "inspect_ai/stderr", "options": {}},
    ]
    for sample in scored.samples:
        assert list(sample.scores) == ["includes", "exact"]
    assert scored.results.headline.scorer == "includes"  # kept
    assert scored.status == log.status and scored.stats == log.stats


def test_overwrite_replaces_the_scores_and_the_scorers_span_content() -> None:
    scored = score(read_eval_log(str(BASIC_JSON)), resolve_scorer("match"), action="overwrite")
    assert [s.name for s in scored.results.scores] == ["match"]
    assert scored.results.headline.scorer == "match"
    assert _metrics(scored)["match"] == {"accuracy": 0.75, "stderr": 0.25}
    sample = scored.samples[0]
    assert list(sample.scores) == ["match"]
    scorers_span = next(e for e in sample.events if isinstance(e, SpanBeginEvent) and e.type == "scorers")
    inner = [e for e in sample.events if isinstance(e, SpanBeginEvent) and e.parent_id == scorers_span.id]
    assert [e.name for e in inner] == ["match"]
    assert [e.scorer for e in sample.events if isinstance(e, ScoreEvent)] == ["match"]


def test_a_taken_name_gets_a_number_and_arguments_are_recorded() -> None:
    log = read_eval_log(str(MULTI))  # already scored by includes and match(location="any")
    scored = score(log, [resolve_scorer("match", {"ignore_case": False}), resolve_scorer("match")])
    assert [s.name for s in scored.results.scores] == ["includes", "match", "match1", "match2"]
    assert scored.results.scores[2].params == {"ignore_case": False}
    assert [s.name for s in scored.eval.scorers][-2:] == ["match", "match"]  # as Inspect records them
    assert scored.eval.scorers[-2].options == {"ignore_case": False}
    events = [e for e in scored.samples[0].events if isinstance(e, ScoreEvent) and e.scorer == "match1"]
    assert events and events[0].scorer_args == {"ignore_case": False} and events[0].target == ["5"]


def test_epochs_are_reduced_with_the_reducer_given() -> None:
    log = read_eval_log(str(MULTI))
    scored = score(log, resolve_scorer("includes"), epochs_reducer="max", action="overwrite")
    assert scored.results.scores[0].reducer == "max"
    assert scored.eval.config.epochs_reducer == ["max"]
    assert len(scored.reductions[0].samples) == len({s.id for s in log.samples})


def test_failed_samples_are_scored_as_inspect_does() -> None:
    scored = score(read_eval_log(str(FLAKY_ERROR)), resolve_scorer("match"))
    assert scored.status == "error"
    assert scored.results.scores[0].scored_samples == 4
    assert scored.results.completed_samples == 2
    failed = [s for s in scored.samples if s.error is not None]
    assert failed and all(s.scores["match"].reason == "no_response" for s in failed)
    assert [s.name for s in scored.eval.scorers] == ["match"]  # a log without results keeps no scorers


def test_metrics_given_replace_the_scorers_own() -> None:
    scored = score(read_eval_log(str(BASIC_JSON)), resolve_scorer("includes"), metrics=["mean"], action="overwrite")
    assert _metrics(scored) == {"includes": {"mean": 0.75}}


def test_bad_input_is_a_clear_error() -> None:
    log = read_eval_log(str(BASIC_JSON))
    with pytest.raises(UsageError, match="unknown scorer 'nosuch'"):
        resolve_scorer("nosuch")
    with pytest.raises(UsageError, match="unexpected keyword argument 'bogus'"):
        resolve_scorer("match", {"bogus": 1})
    with pytest.raises(UsageError, match="action must be"):
        score(log, resolve_scorer("match"), action="replace")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="reducer"):
        score(log, resolve_scorer("match"), epochs_reducer="nosuch")
    with pytest.raises(LogError, match="no samples"):
        score(read_eval_log(str(BASIC_JSON), header_only=True), resolve_scorer("match"))


def test_a_scorer_that_raises_names_the_sample(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(
        "from inspect_ai.scorer import scorer, accuracy\n"
        "@scorer(metrics=[accuracy()])\n"
        "def boom():\n"
        "    async def score(state, target):\n"
        "        raise RuntimeError('no way')\n"
        "    return score\n"
    )
    from inspect_cli import _compat

    _compat.install()
    try:
        boom = resolve_scorer(f"{tmp_path / 'boom.py'}@boom")
    finally:
        _compat.uninstall()
    with pytest.raises(InspectCliError, match=r"scorer boom failed on sample q01 \(epoch 1\): RuntimeError: no way"):
        score(read_eval_log(str(BASIC_JSON)), boom)


def test_file_scorers(tmp_path: Path) -> None:
    file = tmp_path / "mine.py"
    file.write_text(
        "from inspect_cli.scorer import Score, mean, scorer\n"
        "@scorer(metrics=[mean()])\n"
        "def length(scale: float = 1.0):\n"
        "    async def score(state, target):\n"
        "        return Score(value=len(state.output.completion) * scale)\n"
        "    return score\n"
        "@scorer(metrics=[mean()])\n"
        "def other():\n"
        "    async def score(state, target):\n"
        "        return Score(value=1)\n"
        "    return score\n"
    )
    scored = score(read_eval_log(str(BASIC_JSON)), resolve_scorer(f"{file}@length", {"scale": 2}))
    lengths = [len(s.output.completion) * 2 for s in scored.samples]
    assert _metrics(scored)["length"]["mean"] == pytest.approx(sum(lengths) / len(lengths))
    with pytest.raises(UsageError, match="several @scorer functions"):
        resolve_scorer(str(file))
    with pytest.raises(UsageError, match="no @scorer named 'nope'"):
        resolve_scorer(f"{file}@nope")
    (tmp_path / "broken.py").write_text("def broken(:\n")
    with pytest.raises(InspectCliError, match="syntax error"):
        resolve_scorer(f"{tmp_path / 'broken.py'}@x")


def test_score_log_file_writes_a_new_log_and_leaves_the_original(tmp_path: Path) -> None:
    original = tmp_path / "a.eval"
    shutil.copy(BASIC_EVAL, original)
    before = original.read_bytes()
    log = score_log_file(str(original), [resolve_scorer("match")])
    assert log.location == str(tmp_path / "a-scored.eval")
    assert original.read_bytes() == before
    assert [s.name for s in read_eval_log(log.location).results.scores] == ["includes", "match"]
    json_copy = score_log_file(str(original), [resolve_scorer("match")], output_file=str(tmp_path / "x.json"))
    assert read_eval_log(json_copy.location).results.scores[1].name == "match"
    assert (tmp_path / "x.json").read_text().lstrip().startswith("{")
    score_log_file(str(original), [resolve_scorer("match")], overwrite=True)
    assert [s.name for s in read_eval_log(str(original)).results.scores] == ["includes", "match"]
    with pytest.raises(UsageError, match="exclude each other"):
        score_log_file(str(original), [resolve_scorer("match")], overwrite=True, output_file="y.eval")


def test_scored_location() -> None:
    assert scored_location("logs/a.eval", None, None, False) == "logs/a-scored.eval"
    assert scored_location("s3://b/x/a.json", None, None, False) == "s3://b/x/a-scored.json"
    assert scored_location("a.eval", None, "out/", False) == "out/a.eval"
    assert scored_location("a.eval", None, None, True) == "a.eval"


# -- agreement with the real Inspect ---------------------------------------------


@pytest.fixture(scope="module")
def inspect_ai() -> Path:
    return inspect_ai_python()


_SUMMARY = """
import json, sys
from inspect_ai.log import read_eval_log
out = {}
for path in sys.argv[1:]:
    log = read_eval_log(path)
    out[path] = {
        "results": json.loads(log.results.model_dump_json()),
        "reductions": [json.loads(r.model_dump_json()) for r in log.reductions],
        "scorers": [json.loads(s.model_dump_json()) for s in log.eval.scorers],
        "scores": [{k: json.loads(v.model_dump_json()) for k, v in s.scores.items()} for s in log.samples],
    }
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    ("fixture", "args"),
    [
        (BASIC_JSON, ["--scorer", "match", "--action", "append"]),
        (BASIC_EVAL, ["--scorer", "match", "--action", "overwrite"]),
        (MULTI, ["--scorer", "match", "-S", "location=any", "-S", "ignore_case=false", "--action", "append"]),
        (FLAKY_ERROR, ["--scorer", "includes", "--action", "append"]),
    ],
)
def test_agrees_with_inspect_score(tmp_path: Path, inspect_ai: Path, fixture: Path, args: list[str]) -> None:
    original = tmp_path / f"log{fixture.suffix}"
    shutil.copy(fixture, original)
    theirs_file = tmp_path / f"theirs{fixture.suffix}"
    inspect_cli_of_theirs = inspect_ai.parent / "inspect"
    run = subprocess.run(
        [
            str(inspect_cli_of_theirs),
            "score",
            str(original),
            *args,
            "--output-file",
            str(theirs_file),
            "--display",
            "none",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    from support.cli_runner import run_inspect

    ours_file = tmp_path / f"ours{fixture.suffix}"
    ours = run_inspect("inprocess", ["score", str(original), *args, "--output-file", str(ours_file)], tmp_path)
    assert ours.exit_code == 0, ours.stderr
    read = subprocess.run(
        [str(inspect_ai), "-c", _SUMMARY, str(theirs_file), str(ours_file)], capture_output=True, text=True
    )
    assert read.returncode == 0, read.stderr[-2000:]
    summary = json.loads(read.stdout)
    assert summary[str(ours_file)] == summary[str(theirs_file)]
