"""`inspect score` and `inspect list tasks` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import read_eval_log

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES

BASIC = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
TASKS = Path(__file__).parents[1] / "eval" / "tasks"


@pytest.mark.parametrize("mode", MODES)
def test_score_writes_a_scored_copy(tmp_path: Path, mode: str) -> None:
    shutil.copy(BASIC, tmp_path / "a.eval")
    before = (tmp_path / "a.eval").read_bytes()
    result = run_inspect(mode, ["score", "a.eval", "--scorer", "match"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "match: accuracy=0.75" in result.stdout and "Log: a-scored.eval" in result.stdout
    assert (tmp_path / "a.eval").read_bytes() == before
    scored = read_eval_log(str(tmp_path / "a-scored.eval"))
    assert [s.name for s in scored.results.scores] == ["includes", "match"]
    as_json = run_inspect(
        mode,
        ["score", "a.eval", "--scorer", "exact", "--action", "overwrite", "--output-file", "b.json", "--json"],
        tmp_path,
    )
    assert as_json.exit_code == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["log"] == "b.json" and [s["name"] for s in record["results"]["scores"]] == ["exact"]


@pytest.mark.parametrize("mode", MODES)
def test_score_overwrite_changes_the_log_in_place(tmp_path: Path, mode: str) -> None:
    shutil.copy(BASIC, tmp_path / "a.eval")
    result = run_inspect(mode, ["score", "a.eval", "--scorer", "exact", "--overwrite", "--display", "none"], tmp_path)
    assert result.exit_code == 0 and result.stdout == ""
    assert [s.name for s in read_eval_log(str(tmp_path / "a.eval")).results.scores] == ["includes", "exact"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.eval"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["score", "a.eval", "--scorer", "nosuch"], 2, "unknown scorer 'nosuch'"),
        (["score", "a.eval", "--scorer", "match", "-S", "bogus=1"], 2, "unexpected keyword argument 'bogus'"),
        (["score", "a.eval", "--scorer", "match", "-S", "bogus"], 2, "expected NAME=VALUE"),
        (["score", "missing.eval", "--scorer", "match"], 1, "missing.eval"),
        (["score", "a.eval", "--scorer", "bad.py@x"], 1, "syntax error"),
        (["score", "a.eval", "--scorer", "match", "--overwrite", "--output-file", "x.eval"], 2, "exclude each other"),
        (["score", "nosamples.json", "--scorer", "match"], 1, "no samples to score"),
    ],
)
def test_score_bad_input_is_one_line(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    shutil.copy(BASIC, tmp_path / "a.eval")
    (tmp_path / "bad.py").write_text("def broken(:\n")
    log = read_eval_log(str(BASIC), header_only=True)
    from inspect_cli.log import write_eval_log

    write_eval_log(log, str(tmp_path / "nosamples.json"))
    result = run_inspect("subprocess", args, tmp_path)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.eval", "bad.py", "nosamples.json"]


def _task_tree(root: Path) -> None:
    (root / "a.py").write_text(
        "from inspect_ai import task, Task\n"
        "raise SystemExit('this file must not run')\n"
        "@task(light=True)\ndef alpha(n: int = 3, *, level: str = 'x'):\n    return Task()\n"
        "@task\nasync def not_listed():\n    return Task()\n"
        "@task(name='renamed')\ndef gamma():\n    return Task()\n"
    )
    for skipped in (".hidden", "_private", "venv", "env", "tests"):
        (root / skipped).mkdir()
        (root / skipped / "t.py").write_text("@task\ndef hidden():\n    pass\n")
    (root / "sub").mkdir()
    (root / "sub" / "b.py").write_text("@task\ndef beta(x):\n    pass\n")
    (root / "sub" / "_c.py").write_text("@task\ndef gamma():\n    pass\n")


@pytest.mark.parametrize("mode", MODES)
def test_list_tasks(tmp_path: Path, mode: str) -> None:
    _task_tree(tmp_path)
    plain = run_inspect(mode, ["list", "tasks"], tmp_path)
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout.splitlines() == ["a.py@alpha", "a.py@renamed", "sub/b.py@beta"]
    light = run_inspect(mode, ["list", "tasks", "-F", "light=true"], tmp_path)
    assert light.stdout.splitlines() == ["a.py@alpha"]
    heavy = run_inspect(mode, ["list", "tasks", "-F", "light~=true", "sub"], tmp_path)
    assert heavy.stdout.splitlines() == ["sub/b.py@beta"]
    long = run_inspect(mode, ["list", "tasks", "--long", "a.py"], tmp_path)
    assert long.stdout.splitlines() == ["a.py@alpha(n: int = 3, level: str = 'x')", "a.py@renamed()"]
    absolute = run_inspect(mode, ["list", "tasks", "--absolute", "sub"], tmp_path)
    assert absolute.stdout.splitlines() == [f"{tmp_path}/sub/b.py@beta"]
    listed = json.loads(run_inspect(mode, ["list", "tasks", "--json", "a.py"], tmp_path).stdout)
    assert listed[0] == {
        "file": "a.py",
        "name": "alpha",
        "attribs": {"light": True},
        "params": [
            {"name": "n", "type": "int", "required": False, "default": 3, "default_source": "3"},
            {"name": "level", "type": "str", "required": False, "default": "x", "default_source": "'x'"},
        ],
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [(["list", "tasks", "nosuch"], "no such file or folder: nosuch"), (["list", "tasks", "-F", "light"], "NAME=VALUE")],
)
def test_list_tasks_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_inspect("subprocess", args, tmp_path)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_list_tasks_agrees_with_inspect(tmp_path: Path) -> None:
    import subprocess

    from support.inspect_ai_env import inspect_ai_python

    _task_tree(tmp_path)
    shutil.copytree(TASKS, tmp_path / "tasks")
    theirs_cli = inspect_ai_python().parent / "inspect"
    for args in (["--json"], ["--json", "-F", "light=true"], ["--json", "tasks"]):
        theirs = subprocess.run([str(theirs_cli), "list", "tasks", *args], cwd=tmp_path, capture_output=True, text=True)
        ours = run_inspect("inprocess", ["list", "tasks", *args], tmp_path)
        assert [{k: t[k] for k in ("file", "name", "attribs")} for t in json.loads(ours.stdout)] == json.loads(
            theirs.stdout
        )


_SCORED_TASK = """\
from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Scorer, includes, mean, scorer


@scorer(metrics=[mean()])
def fixed(value: float = 1.0) -> Scorer:
    async def score(state, target) -> Score:
        return Score(value=value)

    return score


@task(name="scored")
def scored_task(k: float = 0.5):
    return Task(dataset=[Sample(input="x", target="y")], scorer=[includes(), fixed(value=k)])
"""


@pytest.mark.parametrize("mode", MODES)
def test_score_without_scorer_makes_the_logged_scorers_again(tmp_path: Path, mode: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "t.py").write_text(_SCORED_TASK)
    ran = run_inspect(
        mode,
        ["eval", "sub/t.py", "-T", "k=0.25", "--model", "mockllm/model", "--log-dir", "logs", "--display", "none"],
        tmp_path,
    )
    assert ran.exit_code == 0, ran.stderr
    (log,) = (tmp_path / "logs").iterdir()
    shutil.copy(log, tmp_path / "a.eval")
    result = run_inspect(mode, ["score", "a.eval", "--output-file", "b.eval", "--display", "none"], tmp_path)
    assert result.exit_code == 0, result.stderr
    scored = read_eval_log(str(tmp_path / "b.eval"))
    assert [s.name for s in scored.results.scores] == ["includes", "fixed", "includes1", "fixed1"]
    # the arguments recorded (value=0.25, from -T k=0.25), each scorer's own metrics
    assert scored.results.scores[3].metrics["mean"].value == 0.25
    assert list(scored.results.scores[2].metrics) == ["accuracy", "stderr"]
    # elsewhere the task file is not found: built-ins alone still score, others name the file
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(log, tmp_path / "elsewhere" / "a.eval")
    missing = run_inspect("subprocess", ["score", "a.eval"], tmp_path / "elsewhere")
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr
    assert "scorer 'fixed' is not built in and the log's task file sub/t.py is not there" in missing.stderr
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["a.eval"]


def test_score_without_scorer_and_no_logged_scorers_is_one_line(tmp_path: Path) -> None:
    log = read_eval_log(str(BASIC))
    log.eval.scorers = None
    from inspect_cli.log import write_eval_log

    write_eval_log(log, str(tmp_path / "a.eval"))
    result = run_inspect("subprocess", ["score", "a.eval"], tmp_path)
    assert result.exit_code == 2 and "the log records no scorers: give one with --scorer" in result.stderr
    bad = run_inspect("subprocess", ["score", "a.eval", "-S", "x=1"], tmp_path)
    assert bad.exit_code == 2 and "-S needs --scorer" in bad.stderr


def test_score_model_options_reach_the_grader(tmp_path: Path, model_server: Any, monkeypatch: Any) -> None:
    shutil.copy(BASIC, tmp_path / "a.eval")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # only --model-base-url reaches the server
    args = ["score", "a.eval", "--scorer", "model_graded_qa", "--display", "none"]
    result = run_inspect(
        "inprocess",
        [*args, "--model", "openai/grader-x", "--model-base-url", f"{model_server.url}/v1", "-M", "seed=1"],
        tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    assert model_server.requests == 4 and {b["model"] for b in model_server.bodies} == {"grader-x"}
    model_server.reset()
    monkeypatch.setenv("OPENAI_BASE_URL", f"{model_server.url}/v1")
    roled = run_inspect("inprocess", [*args, "--model-role", "grader=openai/role-y", "--overwrite"], tmp_path)
    assert roled.exit_code == 0, roled.stderr
    assert model_server.requests == 4 and {b["model"] for b in model_server.bodies} == {"role-y"}
