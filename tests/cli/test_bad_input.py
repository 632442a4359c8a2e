"""Bad command-line input to `inspect eval` (and a few other commands): refused
up front with exit 2 and typer's usage error naming the option and what it
accepts, or one clear message; never a hang, a traceback or silent acceptance."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import list_eval_logs, read_eval_log

from support.cli_runner import BINARY, MODES, Result, clean_env, run_inspect
from support.helpers import load_json

ARITH = Path(__file__).parents[2] / "examples" / "arith.py"
ARITH_IDS = ["q01", "q02", "q03", "q04"]

TYPED_TASK = """
from inspect_cli import Task, task
from inspect_cli.dataset import Sample


@task
def t(n: int = 3, name: str = "x"):
    return Task(dataset=[Sample(input=f"{name} {i}", target="a", id=i) for i in range(1, n + 1)])
"""


def _eval(mode: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_inspect(mode, ["eval", str(ARITH), "--model", "mockllm/model", "--display", "none", *args], cwd, env)


def _assert_usage_error(result: Result, option: str) -> None:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"Error: Invalid value for '{option}': " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Unexpected" not in result.stderr
    assert result.stdout == ""


def _no_logs(folder: Path) -> bool:
    return not (folder / "logs").exists() or not any((folder / "logs").iterdir())


# -- numbers out of range -----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "option, value",
    [
        ("--max-samples", "0"),
        ("--epochs", "-1"),
        ("--epochs", "0"),
        ("--log-buffer", "0"),
        ("--max-retries", "-1"),
        ("--timeout", "0"),
        ("--timeout", "-2.5"),
        ("--time-limit", "0"),
        ("--message-limit", "0"),
        ("--token-limit", "0"),
    ],
)
def test_numbers_out_of_range_exit_2_naming_the_option(tmp_path: Path, mode: str, option: str, value: str) -> None:
    result = _eval(mode, tmp_path, option, value)
    _assert_usage_error(result, option)
    assert _no_logs(tmp_path)


def test_max_connections_0_is_refused_not_a_hang(tmp_path: Path) -> None:
    """It used to wait forever for a connection slot: run it where a hang is a timeout."""
    commands = [[sys.executable, "-m", "inspect_cli"], *([[BINARY]] if BINARY else [])]
    for command in commands:
        run = subprocess.run(
            [*command, "eval", str(ARITH), "--model", "mockllm/model", "--max-connections", "0"],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        _assert_usage_error(Result(run.returncode, run.stdout, run.stderr), "--max-connections")
    assert _no_logs(tmp_path)


def test_a_task_asking_for_0_connections_is_refused_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "zero.py").write_text(
        "from inspect_cli import Task, task\n"
        "from inspect_cli.dataset import Sample\n"
        "from inspect_cli.model import GenerateConfig\n\n\n"
        "@task\n"
        "def zero():\n"
        "    return Task(dataset=[Sample(input='a', target='a')], config=GenerateConfig(max_connections=0))\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "inspect_cli", "eval", "zero.py", "--model", "mockllm/model"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == "Error: max_connections must be at least 1, not 0"
    assert _no_logs(tmp_path)


# -- choices --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "args, option, allowed",
    [
        (["--display", "fancy"], "--display", ["full", "plain", "none"]),
        (["--log-format", "yaml"], "--log-format", ["eval", "json"]),
        (["--epochs-reducer", "bogus"], "--epochs-reducer", ["mean", "median", "mode", "max", "at_least_K"]),
        (["--epochs", "2", "--epochs-reducer", "bogus"], "--epochs-reducer", ["mean", "median", "at_least_K"]),
    ],
)
def test_unknown_choices_exit_2_naming_the_option_and_the_choices(
    tmp_path: Path, mode: str, args: list[str], option: str, allowed: list[str]
) -> None:
    result = _eval(mode, tmp_path, *args)
    _assert_usage_error(result, option)
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert args[-1] in line and all(choice in line for choice in allowed), line
    assert _no_logs(tmp_path)


@pytest.mark.parametrize("mode", MODES)
def test_an_epochs_reducer_without_epochs_is_applied(tmp_path: Path, mode: str) -> None:
    result = _eval(mode, tmp_path, "--epochs-reducer", "median", "--log-format", "json")
    assert result.exit_code == 0, result.stderr
    [info] = list_eval_logs(tmp_path / "logs")
    config = read_eval_log(info.name, header_only=True).eval.config
    assert config.epochs_reducer == ["median"] and config.epochs == 1


# -- task arguments -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_task_args_are_checked_against_the_annotations(tmp_path: Path, mode: str) -> None:
    (tmp_path / "typed.py").write_text(TYPED_TASK)
    base = ["eval", "typed.py", "--model", "mockllm/model", "--display", "none", "--log-format", "json"]
    bad = run_inspect(mode, [*base, "-T", "n=abc"], tmp_path)
    assert bad.exit_code == 2, bad.stderr
    [line] = bad.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "argument n must be int" in line and "'abc'" in line
    assert "Traceback" not in bad.stderr and _no_logs(tmp_path)

    good = run_inspect(mode, [*base, "-T", "n=5", "-T", "name=123"], tmp_path)
    assert good.exit_code == 0, good.stderr
    [info] = list_eval_logs(tmp_path / "logs")
    log = read_eval_log(info.name)
    assert log.eval.task_args == {"n": 5, "name": "123"}  # the text "123", not the number
    assert [s.input for s in log.samples or []] == [f"123 {i}" for i in range(1, 6)]


# -- task files that do not load ------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_task_file_with_a_syntax_error_is_shown_as_python_shows_it(tmp_path: Path, mode: str) -> None:
    (tmp_path / "broken.py").write_text(
        "from inspect_cli import Task, task\n\n\n@task\ndef broken(:\n    return Task()\n"
    )
    result = run_inspect(mode, ["eval", "broken.py", "--model", "mockllm/model"], tmp_path)
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: broken.py") and "syntax error" in lines[0]
    [where] = [i for i, line in enumerate(lines) if "broken.py" in line and "line 5" in line]
    assert lines[where + 1].strip() == "def broken(:"
    assert lines[where + 2].strip() == "^" and lines[where + 2].index("^") == lines[where + 1].index("(") + 1
    assert lines[-1].startswith("SyntaxError: ")
    assert _no_logs(tmp_path)


@pytest.mark.parametrize("mode", MODES)
def test_a_task_file_failing_at_import_gives_one_message(tmp_path: Path, mode: str) -> None:
    (tmp_path / "raises.py").write_text(
        "from inspect_cli import Task, task\n\nLIMIT = 3\nTOTAL = undefined_name + LIMIT\n\n\n"
        "@task\ndef raises():\n    return Task()\n"
    )
    result = run_inspect(mode, ["eval", "raises.py", "--model", "mockllm/model"], tmp_path)
    assert result.exit_code == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: raises.py") and "line 4" in line
    assert "NameError: name 'undefined_name' is not defined" in line
    assert _no_logs(tmp_path)


# -- sample selection -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("limit", ["0", "5-3", "abc", "0-2", "-1"])
def test_bad_limits_exit_2(tmp_path: Path, mode: str, limit: str) -> None:
    _assert_usage_error(_eval(mode, tmp_path, f"--limit={limit}"), "--limit")
    assert _no_logs(tmp_path)


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_sample_id_is_refused_naming_the_ids_that_exist(tmp_path: Path, mode: str) -> None:
    result = _eval(mode, tmp_path, "--sample-id", "nosuch")
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "nosuch" in line and all(id in line for id in ARITH_IDS)
    assert "Traceback" not in result.stderr
    assert _no_logs(tmp_path)


@pytest.mark.parametrize("mode", MODES)
def test_good_selections_still_work(tmp_path: Path, mode: str) -> None:
    for args, ids in (
        (["--limit", "2"], ARITH_IDS[:2]),
        (["--limit", "2-3"], ARITH_IDS[1:3]),
        (["--sample-id", "q04,nosuch"], ["q04"]),
    ):
        log_dir = tmp_path / "-".join(args)
        result = _eval(mode, tmp_path, *args, "--log-dir", str(log_dir))
        assert result.exit_code == 0, result.stderr
        [info] = list_eval_logs(log_dir)
        assert [s.id for s in read_eval_log(info.name).samples or []] == ids


# -- model arguments --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_model_arg_warns_and_the_eval_runs(tmp_path: Path, mode: str) -> None:
    result = _eval(mode, tmp_path, "-M", "nope=3", "-M", "delay=0")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1, result.stderr
    assert "nope" in warnings[0] and "mockllm/model" in warnings[0]
    assert "custom_outputs" in warnings[0] and "delay" in warnings[0]
    [info] = list_eval_logs(tmp_path / "logs")
    log = read_eval_log(info.name)
    assert log.status == "success" and log.eval.model_args == {"nope": 3, "delay": 0}


def test_known_model_args_draw_no_warning(tmp_path: Path) -> None:
    result = _eval("inprocess", tmp_path, "-M", "custom_outputs=5", "-M", "delay=0")
    assert result.exit_code == 0 and "Warning" not in result.stderr, result.stderr


def test_providers_that_pass_model_args_on_warn_about_none(tmp_path: Path, model_server: Any) -> None:
    result = run_inspect(
        "inprocess",
        ["eval", str(ARITH), "--model", "openai/gpt-test", "-M", "nope=3", "--display", "none"],
        tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    assert "Warning" not in result.stderr
    assert model_server.bodies[-1]["nope"] == 3  # passed on in the request body


# -- task folders -------------------------------------------------------------------


def _task_folder(tmp_path: Path) -> None:
    """adir/: two.py (tasks first and second), helpers.py (no task), sub/third.py,
    and _skipped/hidden.py (folders starting with _ are not searched)."""
    folder = tmp_path / "adir"
    (folder / "sub").mkdir(parents=True)
    (folder / "_skipped").mkdir()
    header = "from inspect_cli import Task, task\nfrom inspect_cli.dataset import Sample\n"

    def one(name: str) -> str:
        return f"\n\n@task\ndef {name}():\n    return Task(dataset=[Sample(input='{name}', target='x')])\n"

    (folder / "two.py").write_text(header + one("first") + one("second"))
    (folder / "helpers.py").write_text("VALUE = 1\n")  # no @task: not run, not an error
    (folder / "sub" / "third.py").write_text(header + one("third"))
    (folder / "_skipped" / "hidden.py").write_text(header + one("hidden"))


@pytest.mark.parametrize("mode", MODES)
def test_a_folder_of_task_files_runs_every_task(tmp_path: Path, mode: str) -> None:
    _task_folder(tmp_path)
    result = run_inspect(mode, ["eval", "adir", "--model", "mockllm/model", "--display", "plain"], tmp_path)
    assert result.exit_code == 0, result.stderr
    logs = [read_eval_log(info.name, header_only=True) for info in list_eval_logs(tmp_path / "logs")]
    assert sorted(log.eval.task for log in logs) == ["first", "second", "third"]
    assert all(log.status == "success" for log in logs)
    assert sorted(log.eval.task_file or "" for log in logs) == [
        "adir/sub/third.py",
        "adir/two.py",
        "adir/two.py",
    ]


def test_an_unknown_model_arg_warns_once_for_a_run_of_several_tasks(tmp_path: Path) -> None:
    _task_folder(tmp_path)
    for _ in range(2):  # and again for the next run in the same process
        result = run_inspect("inprocess", ["eval", "adir", "--model", "mockllm/model", "-M", "nope=3"], tmp_path)
        assert result.exit_code == 0, result.stderr
        assert [line for line in result.stderr.splitlines() if "Warning:" in line] == [
            "Warning: model mockllm/model ignores unknown model argument(s) nope (it takes: custom_outputs, delay)"
        ]


@pytest.mark.parametrize("mode", MODES)
def test_a_folder_without_task_files_exits_2_saying_so(tmp_path: Path, mode: str) -> None:
    (tmp_path / "notasks").mkdir()
    (tmp_path / "notasks" / "helpers.py").write_text("VALUE = 1\n")
    result = run_inspect(mode, ["eval", "notasks", "--model", "mockllm/model"], tmp_path)
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "no task files in notasks" in line
    assert _no_logs(tmp_path)


# -- a model nobody answers for -----------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("mode", MODES)
def test_a_base_url_nobody_listens_on_warns_once_then_fails(tmp_path: Path, mode: str) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-unused-key", "INSPECT_CLI_RETRY_DELAY": "0.01"}
    result = run_inspect(
        mode,
        ["eval", str(ARITH), "--model", "openai/gpt-test", "--max-retries", "2", "--display", "plain"],
        tmp_path,
        env,
    )
    assert result.exit_code == 1, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1, result.stderr  # 4 samples failed, each after retries: one warning
    assert warnings[0].startswith(f"Warning: retrying: connection to {url}/chat/completions failed")
    assert "Traceback" not in result.stderr
    [info] = list_eval_logs(tmp_path / "logs")
    log = read_eval_log(info.name)
    assert log.status == "error" and log.error is not None
    assert "(after 2 retries)" in log.error.message


# -- storage --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_bucket_as_log_dir_is_one_line(tmp_path: Path, s3: str, mode: str) -> None:
    result = _eval(mode, tmp_path, "--log-dir", "s3://no-such-bucket-inspect-cli-test/logs")
    assert result.exit_code == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "no-such-bucket-inspect-cli-test" in line
    assert "bucket" in line.lower() and "not found" in line.lower(), line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", MODES)
def test_convert_refuses_to_replace_a_directory(tmp_path: Path, mode: str) -> None:
    made = _eval(mode, tmp_path, "--log-format", "json")
    assert made.exit_code == 0, made.stderr
    [info] = list_eval_logs(tmp_path / "logs")
    source = Path(info.name.removeprefix("file://"))
    out = tmp_path / "out"
    blocker = out / (source.stem + ".eval")
    blocker.mkdir(parents=True)
    (blocker / "keep.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        result = run_inspect(
            mode, ["log", "convert", str(source), "--to", "eval", "--output-dir", str(out), *extra], tmp_path
        )
        assert result.exit_code == 1, result.stderr
        assert "is a directory" in result.stderr and "Traceback" not in result.stderr
        assert blocker.is_dir() and (blocker / "keep.txt").read_text() == "mine"
        assert sorted(p.name for p in out.iterdir()) == [blocker.name]


@pytest.mark.parametrize("mode", MODES)
def test_listing_a_log_dir_that_does_not_exist(tmp_path: Path, mode: str) -> None:
    plain = run_inspect(mode, ["list", "logs", "--log-dir", "does-not-exist"], tmp_path)
    as_json = run_inspect(mode, ["list", "logs", "--log-dir", "does-not-exist", "--json"], tmp_path)
    for result in (plain, as_json):
        assert result.exit_code == 0, result.stderr
        assert "does-not-exist" in result.stderr
        assert "no such" in result.stderr or "does not exist" in result.stderr
        assert "Traceback" not in result.stderr
    assert plain.stdout == ""
    assert load_json(as_json.stdout) == []
    assert not (tmp_path / "does-not-exist").exists()
