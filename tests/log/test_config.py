"""A log's configuration: the effective config after the changes made while it
ran (config_updates), the headline metric, and the run config that reproduces
the run; compared with the real inspect-ai on the same logs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from inspect_cli.log import (
    ConfigUpdate,
    ConfigValueChange,
    EvalConfig,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalScore,
    EvalSpec,
    GenerateConfig,
    HeadlineMetric,
    ProvenanceData,
    effective_eval_config,
    effective_generate_config,
    headline_metric,
    read_eval_log,
    write_eval_log,
)
from inspect_cli.log._config import run_config

from support.helpers import FIXTURES
from support.inspect_ai_env import inspect_ai_python

MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
EXTREMES = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"


def _log(config: EvalConfig | None = None, *changes: ConfigValueChange) -> EvalLog:
    log = EvalLog(
        eval=EvalSpec(
            created="2025-01-01T00:00:00Z",
            task="t",
            model="mockllm/model",
            config=config or EvalConfig(),
            model_generate_config=GenerateConfig(timeout=60, max_connections=10),
        )
    )
    if changes:
        log.config_updates = [
            ConfigUpdate(changes=[c], scope="process", provenance=ProvenanceData(author="me")) for c in changes
        ]
    return log


def test_effective_config_applies_the_changes_in_order() -> None:
    log = _log(
        EvalConfig(max_samples=4, time_limit=3600),
        ConfigValueChange(config="eval", name="max_samples", value=8),
        ConfigValueChange(config="eval", name="max_samples", value=16),
        ConfigValueChange(config="eval", name="time_limit", value=None),  # no limit
        ConfigValueChange(config="generate", name="timeout", value=300),
        ConfigValueChange(config="generate", name="timeout", cleared=True),  # back to the launch value
        ConfigValueChange(config="generate", name="max_connections", value=5),
        ConfigValueChange(config="concurrency", name="max_samples", value=99),  # never folds in
        ConfigValueChange(config="eval", name="knob_from_the_future", value=1),
    )
    effective = effective_eval_config(log)
    assert (effective.max_samples, effective.time_limit) == (16, None)
    assert not hasattr(effective, "knob_from_the_future")
    generate = effective_generate_config(log)
    assert (generate.timeout, generate.max_connections) == (60, 5)
    effective.max_samples = 1  # a copy
    assert log.eval.config.max_samples == 4 and effective_eval_config(_log()).max_samples is None


@pytest.mark.parametrize("suffix", [".json", ".eval"])
def test_inspect_reads_our_config_updates(tmp_path: Path, suffix: str) -> None:
    log = read_eval_log(MULTI)
    log.config_updates = [
        ConfigUpdate(
            changes=[
                ConfigValueChange(config="eval", name="max_samples", value=3, previous=1),
                ConfigValueChange(config="generate", name="temperature", value=0.5),
            ],
            scope="task",
            provenance=ProvenanceData(timestamp="2026-01-02T03:04:05Z", author="me", reason="retune"),
        )
    ]
    path = tmp_path / f"log{suffix}"
    write_eval_log(log, path)
    assert read_eval_log(path, header_only=True).config_updates == log.config_updates
    script = (
        "import sys, json\n"
        "from inspect_ai.log import read_eval_log, effective_eval_config, effective_generate_config\n"
        "log = read_eval_log(sys.argv[1])\n"
        "u = log.config_updates[0]\n"
        "print(json.dumps([u.scope, u.provenance.author, u.provenance.timestamp.isoformat(),"
        " effective_eval_config(log).max_samples, effective_generate_config(log).temperature]))\n"
    )
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    effective = [effective_eval_config(log).max_samples, effective_generate_config(log).temperature]
    assert (
        json.loads(run.stdout)
        == ["task", "me", "2026-01-02T03:04:05+00:00", *effective]
        == [
            "task",
            "me",
            "2026-01-02T03:04:05+00:00",
            3,
            0.5,
        ]
    )


def _scored(*scores: tuple[str, str, str | None, list[str]]) -> EvalLog:
    log = _log()
    log.results = EvalResults(
        scores=[
            EvalScore(
                name=name,
                scorer=scorer,
                reducer=reducer,
                metrics={m: EvalMetric(name=m, value=i) for i, m in enumerate(metrics)},
            )
            for name, scorer, reducer, metrics in scores
        ]
    )
    return log


def test_the_headline_metric(capsys: pytest.CaptureFixture[str]) -> None:
    log = _scored(("a", "a", None, ["accuracy", "stderr"]), ("b", "b", "max", ["mean"]))
    assert headline_metric(_log()) is None
    first = headline_metric(log)
    assert first and (first.score.name, first.name, first.metric.value) == ("a", "accuracy", 0)
    log.eval.headline_metric = HeadlineMetric(scorer="b")
    chosen = headline_metric(log)
    assert chosen and (chosen.score.name, chosen.name) == ("b", "mean")
    assert log.results is not None
    log.results.headline = HeadlineMetric(metric="stderr")  # the results' choice comes first
    chosen = headline_metric(log)
    assert chosen and (chosen.score.name, chosen.name) == ("a", "stderr")
    assert capsys.readouterr().err == ""
    log.results.headline = HeadlineMetric(scorer="a", reducer="max")
    fallback = headline_metric(log)
    assert fallback and (fallback.score.name, fallback.name) == ("a", "accuracy")
    assert "Headline scorer 'a' not found in eval results" in capsys.readouterr().err


def test_the_headline_of_fixture_logs_is_inspects() -> None:
    for path in (MULTI, EXTREMES):
        found = headline_metric(read_eval_log(path, header_only=True))
        assert found and (found.score.name, found.name) == ("includes", "accuracy")


def test_the_run_config_is_inspects(tmp_path: Path) -> None:
    """A log with every part of a run config set: Inspect's own export of it
    (eval_log_to_run_config_dict) must be ours."""
    log = read_eval_log(MULTI, header_only=True)
    spec = log.eval
    spec.task_registry_name = "pkg/arith_multi"
    spec.solver, spec.solver_args = "my_solver", {"s": 1}
    spec.model_base_url, spec.model_args = "http://localhost:1", {"k": "v"}
    spec.model_generate_config = GenerateConfig(temperature=0.5, max_tokens=100, stop_seqs=["x"])
    spec.model_roles = {"grader": {"model": "mockllm/other", "config": {"temperature": 0.1}, "args": {"q": 1}}}
    spec.config.limit, spec.config.epochs_reducer, spec.config.time_limit = 3, ["max"], 10
    spec.sandbox = {"type": "docker", "config": "compose.yaml"}
    spec.tags, spec.metadata = ["t1"], {"m": 1}
    log.plan.config = GenerateConfig(seed=42)
    log.config_updates = [  # not part of the exported config
        ConfigUpdate(
            changes=[ConfigValueChange(config="eval", name="time_limit", value=99)],
            scope="task",
            provenance=ProvenanceData(author="me"),
        )
    ]
    path = tmp_path / "log.json"
    write_eval_log(log, path)
    script = (
        "import sys, json\n"
        "from inspect_ai.log import read_eval_log\n"
        "from inspect_ai.log._config import eval_log_to_run_config_dict\n"
        "print(json.dumps(eval_log_to_run_config_dict(read_eval_log(sys.argv[1], header_only=True))))\n"
    )
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    theirs = json.loads(run.stdout)
    ours = run_config(read_eval_log(path, header_only=True))
    assert json.dumps(ours) == json.dumps(theirs)  # order too
    assert ours["sandbox"] == "docker:compose.yaml" and ours["eval_config"]["time_limit"] == 10
