"""`inspect eval FOLDER` runs the tasks `inspect list tasks FOLDER` lists: one
rule for which folders and files are searched."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_cli._engine.discovery import list_tasks
from inspect_cli._engine.task import task_files

TASK = "from inspect_ai import Task, task\n\n@task\ndef {name}():\n    return Task()\n"


def test_eval_searches_a_folder_as_list_tasks_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("env", "venv", "tests", "_private", ".hidden", "ok", "ok/deeper", "ok/tests"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "t.py").write_text(TASK.format(name="t_" + folder.replace("/", "_").strip("._")))
    (tmp_path / "ok" / "_under.py").write_text(TASK.format(name="under"))
    (tmp_path / "ok" / ".dot.py").write_text(TASK.format(name="dot"))
    (tmp_path / "top.py").write_text(TASK.format(name="top"))
    (tmp_path / "helper.py").write_text("VALUE = 1\n")  # no task: not a task file
    expected = ["ok/deeper/t.py", "ok/t.py", "top.py"]
    assert sorted(task_files(".")) == sorted(f"./{f}" for f in expected)
    assert sorted({info.file for info in list_tasks(".")}) == expected
    assert task_files("ok/_under.py") == ["ok/_under.py"]  # a file named is run whatever its name
