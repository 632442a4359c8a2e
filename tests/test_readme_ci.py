"""The CI jobs in README.md ("In CI") do what the README says: their
`inspect` lines, run as the runner would run them (bash, the binary on PATH,
the job's variables), run the eval set, write the viewer, the reports, and
fail the job exactly when a gate fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.cli_runner import BINARY

ROOT = Path(__file__).resolve().parents[1]
TASK = """
from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import match

@task
def echo():
    # mockllm/model answers every prompt with its default output
    return Task(dataset=[Sample(input=f"say {i}", target="{target}") for i in range(3)], scorer=match(location="any"))
"""


def _jobs() -> dict[str, Any]:
    """The two YAML files of the README's CI section, parsed."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### In CI") :]
    section = section[: section.index("\n### ", 1)]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "the CI section should hold a GitHub Actions and a GitLab CI file"
    github, gitlab = (yaml.safe_load(b) for b in blocks)
    return {"github": github, "gitlab": gitlab}


def _inspect_commands(lines: list[str]) -> list[str]:
    """The shell commands of a job that run `inspect` (downloads and API calls are the runner's business)."""
    return [line for line in lines if line.lstrip().startswith("inspect ")]


def _github_steps(job: dict[str, Any]) -> list[tuple[str, bool]]:
    """(script, runs even after a failure) of each step of the job that runs inspect."""
    steps = []
    for step in job["steps"]:
        run = step.get("run")
        if run is None:
            continue
        joined = run.replace("\\\n", " ")
        commands = _inspect_commands(joined.splitlines())
        if commands:
            steps.append(("\n".join(commands), step.get("if") == "always()"))
    return steps


@pytest.fixture
def runner(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A checkout with an `evals` folder, and the runner's environment with `inspect` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "inspect").symlink_to(BINARY or str(Path(sys.executable).parent / "inspect"))
    work = tmp_path / "checkout"
    (work / "evals").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", EVAL_MODEL="mockllm/model")
    return work, env


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("passing", [True, False], ids=["gates-pass", "gate-fails"])
def test_the_github_actions_job(runner: tuple[Path, dict[str, str]], passing: bool) -> None:
    work, env = runner
    target = "Default output from mockllm/model" if passing else "something else"
    (work / "evals" / "echo.py").write_text(TASK.replace("{target}", target))
    summary = work.parent / "step-summary.md"
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    job = _jobs()["github"]["jobs"]["evals"]
    failed = False
    for script, always in _github_steps(job):
        if failed and not always:
            continue
        result = _bash(script, work, {**env, "EVAL_MODEL": "mockllm/model"})
        failed = failed or result.returncode != 0
        if result.returncode not in (0, 1):
            pytest.fail(f"{script!r} exited {result.returncode}: {result.stderr}")
    assert failed is not passing  # the job fails exactly when a gate fails
    assert (work / "viewer" / "index.html").is_file()
    assert list((work / "logs").glob("*.eval"))
    assert "| echo | mockllm/model |" in summary.read_text()
    cases = ET.parse(work / "report.xml").getroot().iter("testcase")
    outcomes = [case.find("failure") is None for case in cases]
    assert len(outcomes) >= 4 and all(outcomes) is passing  # the log and its 3 samples


@pytest.mark.parametrize("passing", [True, False], ids=["gates-pass", "gate-fails"])
def test_the_gitlab_job(runner: tuple[Path, dict[str, str]], passing: bool) -> None:
    work, env = runner
    target = "Default output from mockllm/model" if passing else "something else"
    (work / "evals" / "echo.py").write_text(TASK.replace("{target}", target))
    job = _jobs()["gitlab"]["evals"]
    env.update(job.get("variables", {}), EVAL_MODEL="mockllm/model")
    script = _bash("\n".join(_inspect_commands(job["script"])), work, env)
    after = _bash("\n".join(_inspect_commands(job["after_script"])), work, env)
    assert (script.returncode == 0) is passing, script.stderr
    assert after.returncode == 0, after.stderr
    if not passing:
        assert "match/accuracy>=0.8" in script.stderr
    for path in job["artifacts"]["paths"]:
        assert (work / path).exists(), path
    assert ET.parse(work / job["artifacts"]["reports"]["junit"]).getroot().tag in ("testsuites", "testsuite")
    assert "| echo | mockllm/model |" in (work / "report.md").read_text()
