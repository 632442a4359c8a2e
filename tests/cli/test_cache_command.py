"""`inspect cache list|clear|prune|path|dir` and how `--cache` is parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_cli.cli._inspect_options import bare_values
from inspect_cli.model import CachePolicy, ChatMessageUser, GenerateConfig
from inspect_cli.model._cache import entry_path, store

from support.cli_runner import MODES, run_inspect


def _fill(model: str, count: int, expiry: str | None = "1D") -> list[Path]:
    """`count` entries of `model` in the cache INSPECT_CACHE_DIR names."""
    from inspect_cli.model import ChatCompletionChoice, ChatMessageAssistant, ModelOutput

    paths = []
    for i in range(count):
        path = entry_path(model, None, [ChatMessageUser(content=f"q{i}")], GenerateConfig(), CachePolicy(), 1)
        assert path is not None
        output = ModelOutput(model=model, choices=[ChatCompletionChoice(message=ChatMessageAssistant(content="a"))])
        store(path, output, CachePolicy(expiry=expiry))
        paths.append(path)
    return paths


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["t.py", "--cache"], ["t.py", "--cache=7D"]),
        (["t.py", "--cache", "--model", "m"], ["t.py", "--cache=7D", "--model", "m"]),
        (["t.py", "--cache", "1h"], ["t.py", "--cache", "1h"]),
        (["t.py", "--cache=2W"], ["t.py", "--cache=2W"]),
        (["--", "--cache"], ["--", "--cache"]),
    ],
)
def test_a_bare_cache_option_means_seven_days(args: list[str], expected: list[str]) -> None:
    assert bare_values(args, {"--cache": "7D"}) == expected


@pytest.mark.parametrize("mode", MODES)
def test_list_clear_prune_and_path(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(cache))
    _fill("openai/gpt-a", 3)
    old = _fill("anthropic/claude-b", 2)
    env = {"INSPECT_CACHE_DIR": str(cache)}

    for command in (["cache", "path"], ["cache", "dir"]):
        result = run_inspect(mode, command, tmp_path, env)
        assert result.exit_code == 0 and result.stdout.strip() == str(cache / "generate")

    listed = run_inspect(mode, ["cache", "list", "--json"], tmp_path, env)
    assert listed.exit_code == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert [(r["model"], r["entries"]) for r in records] == [("anthropic/claude-b", 2), ("openai/gpt-a", 3)]
    assert all(r["bytes"] > 0 for r in records)
    table = run_inspect(mode, ["cache", "list"], tmp_path, env)
    assert table.stdout.splitlines()[0].split() == ["MODEL", "ENTRIES", "SIZE"] and "openai/gpt-a" in table.stdout

    for path in old:  # make them expired: a day earlier
        data = json.loads(path.read_bytes())
        data["expires"] = data["expires"] - 86400
        path.write_text(json.dumps(data))
    pruneable = run_inspect(mode, ["cache", "list", "--pruneable", "--json"], tmp_path, env)
    assert [r["model"] for r in json.loads(pruneable.stdout)] == ["anthropic/claude-b"]
    pruned = run_inspect(mode, ["cache", "prune"], tmp_path, env)
    assert pruned.exit_code == 0 and "Pruned 2 cache entries" in pruned.stderr
    assert not (cache / "generate" / "anthropic").exists()
    nothing = run_inspect(mode, ["cache", "prune"], tmp_path, env)
    assert "No expired cache entries to prune" in nothing.stderr

    refused = run_inspect(mode, ["cache", "clear"], tmp_path, env)
    assert refused.exit_code == 2 and "--all or --model" in refused.stderr
    unsafe = run_inspect(mode, ["cache", "clear", "--model", "../etc"], tmp_path, env)
    assert unsafe.exit_code == 2 and "cannot name a cache folder" in unsafe.stderr
    cleared = run_inspect(mode, ["cache", "clear", "--model", "openai/gpt-a"], tmp_path, env)
    assert cleared.exit_code == 0 and "Cleared 3 cache entries" in cleared.stderr
    empty = run_inspect(mode, ["cache", "list", "--json"], tmp_path, env)
    assert json.loads(empty.stdout) == []
    _fill("openai/gpt-a", 1)
    everything = run_inspect(mode, ["cache", "clear", "--all"], tmp_path, env)
    assert everything.exit_code == 0 and not (cache / "generate").exists()


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_cache_expiry_is_a_usage_error(mode: str, tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text("")
    result = run_inspect(mode, ["eval", "t.py", "--model", "mockllm/model", "--cache", "3d"], tmp_path)
    assert result.exit_code == 2
    assert "cache expiry must be a whole number and a unit" in result.stderr and "Traceback" not in result.stderr


def test_a_cache_policy_file(tmp_path: Path) -> None:
    from inspect_cli.model._cache import load_policy

    (tmp_path / "policy.yaml").write_text("expiry: 2W\nper_epoch: false\nscopes:\n  role: red\n")
    assert load_policy(str(tmp_path / "policy.yaml")) == CachePolicy(
        expiry="2W", per_epoch=False, scopes={"role": "red"}
    )
    (tmp_path / "bad.yaml").write_text("- not a policy\n")
    from inspect_cli.errors import UsageError

    with pytest.raises(UsageError, match="not a cache policy file"):
        load_policy(str(tmp_path / "bad.yaml"))
