"""Settings: every variable named and parsed in one place, `.env` loaded by
every command and entry point before any setting is read."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval, eval_retry, settings
from inspect_cli.errors import UsageError
from inspect_cli.log import list_eval_logs, read_eval_log
from inspect_cli.model import _model

from support.cli_runner import MODES, run_inspect
from support.helpers import FIXTURES

README = Path(__file__).resolve().parents[1] / "README.md"
RETRY_TASKS = Path(__file__).parent / "eval" / "tasks" / "retry_tasks.py"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "arith.py"


def test_readme_lists_every_setting_in_one_table() -> None:
    text = README.read_text()
    section = text[text.index("### Settings") :]
    table = section[: section.index("\n\n", section.index("| variable"))]
    listed = re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE)
    assert sorted(listed) == sorted(settings.SETTINGS)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "must be a whole number, not 'abc'"),
        ("0", "must be a whole number of at least 1, not 0"),
        ("2.5", "must be a whole number, not '2.5'"),
    ],
)
def test_whole_numbers_are_checked_and_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv(settings.MAX_SAMPLES, value)
    with pytest.raises(UsageError, match=f"INSPECT_EVAL_MAX_SAMPLES {re.escape(message)}"):
        settings.get_int(settings.MAX_SAMPLES)
    monkeypatch.setenv(settings.MAX_SAMPLES, " 7 ")
    assert settings.get_int(settings.MAX_SAMPLES) == 7


@pytest.mark.parametrize("value", ["x", "-1", "nan", "inf"])
def test_numbers_are_checked(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(settings.RETRY_DELAY, value)
    with pytest.raises(UsageError, match="INSPECT_CLI_RETRY_DELAY must be a number"):
        settings.get_float(settings.RETRY_DELAY)
    monkeypatch.setenv(settings.RETRY_DELAY, "0.5")
    assert settings.get_float(settings.RETRY_DELAY) == 0.5


def test_choices_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.LOG_FORMAT, "yaml")
    with pytest.raises(UsageError, match="INSPECT_LOG_FORMAT must be one of eval, json, not 'yaml'"):
        settings.get_choice(settings.LOG_FORMAT, ["eval", "json"])
    for value, expected in [("1", True), ("yes", True), ("0", False), ("false", False), ("", False)]:
        monkeypatch.setenv(settings.TRACEBACK, value)
        assert settings.get_flag(settings.TRACEBACK) is expected


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_setting_is_a_usage_error_naming_it(mode: str, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("INSPECT_EVAL_MAX_CONNECTIONS=lots\n")
    shutil.copy(EXAMPLE, tmp_path / "arith.py")
    result = run_inspect(mode, ["eval", "arith.py", "--model", "mockllm/model", "--display", "none"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: INSPECT_EVAL_MAX_CONNECTIONS must be a whole number, not 'lots'"


# -- .env, command by command: the setting is only in .env --------------------


@pytest.mark.parametrize("mode", MODES)
def test_eval_with_the_model_only_in_dotenv_and_an_explicit_log_dir(mode: str, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("INSPECT_EVAL_MODEL=mockllm/model\n")
    shutil.copy(EXAMPLE, tmp_path / "arith.py")
    result = run_inspect(mode, ["eval", "arith.py", "--log-dir", "out", "--display", "none"], tmp_path)
    assert result.exit_code == 0, result.stderr
    [log] = list_eval_logs(tmp_path / "out")
    assert read_eval_log(log.name, header_only=True).eval.model == "mockllm/model"


def _failed_openai_log(folder: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    shutil.copy(RETRY_TASKS, folder / "retry_tasks.py")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("FAIL_SAMPLE", "q02")
    [failed] = eval("retry_tasks.py@counted", model="openai/gpt-test", display="none", max_samples=1)
    assert failed.status == "error" and failed.location
    monkeypatch.delenv("FAIL_SAMPLE")
    # From now on the provider's settings exist only in .env.
    (folder / ".env").write_text(
        f"OPENAI_BASE_URL={model_server.url}/v1\nOPENAI_API_KEY=sk-from-dotenv\nINSPECT_CLI_RETRY_DELAY=0.01\n"
    )
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "INSPECT_CLI_RETRY_DELAY"):
        monkeypatch.delenv(name)
    settings.reset_dotenv()
    _model._MODELS.clear()
    model_server.reset()
    return failed.location


@pytest.mark.parametrize("mode", MODES)
def test_eval_retry_with_the_provider_settings_only_in_dotenv(
    mode: str, tmp_path: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = _failed_openai_log(tmp_path, model_server, monkeypatch)
    result = run_inspect(mode, ["eval-retry", location, "--display", "none"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert model_server.requests == 5  # the five samples that did not finish, sent to the .env's server
    assert {h.get("Authorization") for h in model_server.headers} == {"Bearer sk-from-dotenv"}


def test_eval_retry_api_with_the_provider_settings_only_in_dotenv(
    tmp_path: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = _failed_openai_log(tmp_path, model_server, monkeypatch)
    [retried] = eval_retry(location, display="none")
    assert retried.status == "success" and model_server.requests == 5


def test_eval_api_with_the_model_only_in_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("INSPECT_EVAL_MODEL=mockllm/model\n")
    shutil.copy(EXAMPLE, tmp_path / "arith.py")
    monkeypatch.chdir(tmp_path)
    [log] = eval("arith.py", log_dir=str(tmp_path / "out"), display="none")
    assert log.status == "success" and log.eval.model == "mockllm/model"


@pytest.mark.parametrize("mode", MODES)
def test_list_logs_with_the_log_dir_only_in_dotenv(mode: str, tmp_path: Path) -> None:
    (tmp_path / "project" / "sub").mkdir(parents=True)
    shutil.copytree(FIXTURES / "v0.3.285" / "logs", tmp_path / "project" / "kept-logs")
    (tmp_path / "project" / ".env").write_text("INSPECT_LOG_DIR=kept-logs\n")
    result = run_inspect(mode, ["list", "logs", "--json"], tmp_path / "project" / "sub")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count('"name"') == len(list((tmp_path / "project" / "kept-logs").rglob("*.eval"))) + len(
        [p for p in (tmp_path / "project" / "kept-logs").rglob("*.json") if p.name[:4].isdigit()]
    )


def _s3_settings_in_dotenv(folder: Path, s3: str, monkeypatch: pytest.MonkeyPatch) -> str:
    import os

    import s3fs

    from inspect_cli.log import write_eval_log

    log = read_eval_log(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval")
    url = f"{s3}/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
    write_eval_log(log, url)
    lines = [f"{name}={os.environ[name]}" for name in sorted(os.environ) if name.startswith("AWS_")]
    (folder / ".env").write_text("\n".join(lines) + "\n")
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    settings.reset_dotenv()
    s3fs.S3FileSystem.clear_instance_cache()
    return url


@pytest.mark.parametrize("mode", MODES)
def test_log_commands_with_s3_credentials_only_in_dotenv(
    mode: str, tmp_path: Path, s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _s3_settings_in_dotenv(tmp_path, s3, monkeypatch)
    result = run_inspect(mode, ["log", "dump", url, "--header-only"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert '"status": "success"' in result.stdout
    result = run_inspect(mode, ["list", "logs", "--log-dir", f"{s3}/logs", "--status", "success"], tmp_path)
    assert result.exit_code == 0 and result.stdout.strip() == url, result.stderr


def test_read_api_with_s3_credentials_only_in_dotenv(tmp_path: Path, s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _s3_settings_in_dotenv(tmp_path, s3, monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert read_eval_log(url, header_only=True).status == "success"


def test_viewer_with_the_token_only_in_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_cli.view import ViewServer

    (tmp_path / "logs").mkdir()
    (tmp_path / ".env").write_text("INSPECT_VIEW_AUTHORIZATION_TOKEN=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    with ViewServer("logs", port=0) as server:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.url + "api/logs", timeout=10)
        assert refused.value.code == 401
        request = urllib.request.Request(server.url + "api/logs", headers={"Authorization": "from-dotenv"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
