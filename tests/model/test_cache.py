"""The model output cache: keys, expiry, damaged entries, concurrency, and
hits across processes and eval-retry, counted at the model server."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import eval, eval_retry
from inspect_cli.errors import UsageError
from inspect_cli.log import read_eval_log
from inspect_cli.model import (
    CachePolicy,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
    _cache,
    cache_list_expired,
    cache_path,
    get_model,
)
from inspect_cli.model._cache import entry_path, expiry_seconds, fetch, store

from support.cli_runner import run_inspect

TASKS = Path(__file__).parents[1] / "eval" / "tasks" / "cache_tasks.py"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(folder))
    return folder


def _plain(text: str) -> ModelOutput:
    from inspect_cli.model import ChatCompletionChoice, ChatMessageAssistant

    return ModelOutput(model="m", choices=[ChatCompletionChoice(message=ChatMessageAssistant(content=text))])


def _key(**changes: Any) -> Path | None:
    request: dict[str, Any] = {
        "model": "openai/gpt-test",
        "base_url": "http://127.0.0.1:1/v1",
        "input": [ChatMessageUser(content="hi", id="a")],
        "config": GenerateConfig(temperature=0.5),
        "policy": CachePolicy(),
        "epoch": 1,
    }
    request.update(changes)
    return entry_path(**request)


@pytest.mark.parametrize(
    ("expiry", "seconds"),
    [
        ("30s", 30),
        ("2m", 120),
        ("3h", 10800),
        ("1D", 86400),
        ("2W", 14 * 86400),
        ("1M", 30 * 86400),
        ("1Y", 365 * 86400),
    ],
)
def test_expiry_units_are_inspects(expiry: str, seconds: int) -> None:
    assert expiry_seconds(expiry) == seconds


@pytest.mark.parametrize("expiry", ["3d", "1w", "1H", "1.5h", "h", "10", "", "-1h"])
def test_bad_expiries_are_refused(expiry: str) -> None:
    with pytest.raises(UsageError, match="cache expiry must be"):
        expiry_seconds(expiry)


def test_what_decides_the_key(cache_dir: Path) -> None:
    base = _key()
    assert base is not None and base.parent == cache_dir / "generate" / "openai" / "gpt-test"
    assert len(base.name) == 64
    # the same request: message ids, retries, timeouts and connections do not decide the answer
    assert _key(input=[ChatMessageUser(content="hi", id="b")]) == base
    assert _key(config=GenerateConfig(temperature=0.5, max_retries=3, timeout=9, max_connections=2)) == base
    assert _key(config=GenerateConfig(temperature=0.5, cache=CachePolicy(expiry="1h"))) == base
    # a different request
    for changed in (
        _key(model="openai/other"),
        _key(base_url="http://127.0.0.1:2/v1"),
        _key(input=[ChatMessageUser(content="hello")]),
        _key(config=GenerateConfig(temperature=0.7)),
        _key(policy=CachePolicy(scopes={"role": "red"})),
        _key(epoch=2),
    ):
        assert changed is not None and changed != base
    # per_epoch=False: one answer for every epoch
    shared = CachePolicy(per_epoch=False)
    assert _key(policy=shared, epoch=1) == _key(policy=shared, epoch=2)


def test_a_model_name_that_would_leave_the_cache_is_not_cached(cache_dir: Path) -> None:
    assert _key(model="openai/../../etc") is None
    with pytest.raises(UsageError):
        cache_path("../x")


def test_entries_expire_by_the_clock(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(_cache, "clock", lambda: now[0])
    path = _key()
    assert path is not None
    assert store(path, _plain("four"), CachePolicy(expiry="1h"))
    assert fetch(path) is not None and fetch(path).completion is None  # as stored
    assert fetch(path).choices[0].message.text == "four"
    now[0] += 3599
    assert fetch(path) is not None and cache_list_expired() == []
    now[0] += 2
    assert fetch(path) is None and cache_list_expired() == [path]
    never = _key(epoch=5)
    assert never is not None and store(never, _plain("always"), CachePolicy(expiry=None))
    now[0] += 100 * 365 * 86400
    assert fetch(never) is not None


def test_damaged_and_foreign_files_are_misses_and_prune_keeps_foreign_ones(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _key()
    assert path is not None and store(path, _plain("x"), CachePolicy())
    for damage in (b"", b"{not json", b'{"format": "other", "expires": null, "output": {}}', path.read_bytes()[:40]):
        path.write_bytes(damage)
        assert fetch(path) is None
    foreign = path.parent / ("0" * 32)  # an Inspect (pickle) entry's name
    foreign.write_bytes(b"\x80\x04pickle")
    assert cache_list_expired() == [path]  # ours and damaged: pruneable; Inspect's: never
    from inspect_cli.model._cache import prune_cache

    [removed] = prune_cache()
    assert removed.entries == 1 and not path.exists() and foreign.exists()


def _writer(args: tuple[str, int]) -> int:
    """In a separate process: store and read entries, some keys shared by every process."""
    folder, worker = args
    os.environ["INSPECT_CACHE_DIR"] = folder
    from inspect_cli.model import CachePolicy, ChatCompletionChoice, ChatMessageAssistant, ModelOutput
    from inspect_cli.model._cache import fetch, store

    bad = 0
    for round in range(40):
        for key in (f"shared-{round % 5}", f"own-{worker}-{round}"):
            path = _key(input=[ChatMessageUser(content=key)])
            assert path is not None
            text = f"{key} by {worker} " + "x" * 5000  # big enough to be written in several pieces
            output = ModelOutput(model="m", choices=[ChatCompletionChoice(message=ChatMessageAssistant(content=text))])
            store(path, output, CachePolicy())
            read = fetch(path)
            if read is None or not read.choices[0].message.text.startswith(key):
                bad += 1
    return bad


def test_concurrent_processes_never_see_a_partial_entry(cache_dir: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        bad = pool.map(_writer, [(str(cache_dir), worker) for worker in range(4)])
    assert bad == [0, 0, 0, 0]
    files = list((cache_dir / "generate").rglob("*"))
    entries = [f for f in files if f.is_file()]
    assert not [f for f in entries if f.name.startswith(".tmp-")]  # no temporary file left
    assert len(entries) == 5 + 4 * 40
    assert all(fetch(f) is not None for f in entries)


def test_generate_with_cache_outside_an_eval(cache_dir: Path, model_server: Any) -> None:
    model = get_model("openai/gpt-test")

    async def ask() -> list[str]:
        answers = []
        for config in (GenerateConfig(cache=True), GenerateConfig(cache=True), GenerateConfig()):
            answers.append((await model.generate("What is 2+3?", config)).completion or "")
        answers.append((await model.generate("What is 2+3?", cache=CachePolicy(expiry="1h"))).completion or "")
        return answers

    model_server.answers = {"2+3": "5"}
    assert asyncio.run(ask()) == ["5"] * 4
    assert model_server.requests == 2  # the second was cached; the third asked not to be (cached again: a hit)


def test_a_second_process_is_answered_from_the_cache_and_the_log_shows_it(
    tmp_path: Path, cache_dir: Path, model_server: Any
) -> None:
    env = {"INSPECT_CACHE_DIR": str(cache_dir), "OPENAI_BASE_URL": f"{model_server.url}/v1", "OPENAI_API_KEY": "sk-t"}
    args = ["eval", f"{TASKS}@questions", "--model", "openai/gpt-test", "--display", "none", "--epochs", "2"]
    first = run_inspect("subprocess", [*args, "--log-dir", str(tmp_path / "a"), "--cache"], tmp_path, env)
    assert first.exit_code == 0, first.stderr
    assert model_server.requests == 8  # 4 samples x 2 epochs: each epoch its own entry
    second = run_inspect("subprocess", [*args, "--log-dir", str(tmp_path / "b"), "--cache", "1D"], tmp_path, env)
    assert second.exit_code == 0, second.stderr
    assert model_server.requests == 8  # nothing asked again
    uncached = run_inspect("subprocess", [*args, "--log-dir", str(tmp_path / "c")], tmp_path, env)
    assert uncached.exit_code == 0 and model_server.requests == 16  # without --cache: asked

    [a], [b], [c] = (sorted((tmp_path / d).glob("*.eval")) for d in "abc")
    first_log, second_log, plain = read_eval_log(str(a)), read_eval_log(str(b)), read_eval_log(str(c))
    assert first_log.eval.model_generate_config.cache == CachePolicy(expiry="7D")
    assert second_log.eval.model_generate_config.cache == CachePolicy(expiry="1D")
    events = [[e for s in log.samples or [] for e in s.events if e.event == "model"] for log in (first_log, second_log)]
    assert {e.cache for e in events[0]} == {"write"} and all(e.call is not None for e in events[0])
    assert {e.cache for e in events[1]} == {"read"} and all(e.call is None for e in events[1])
    assert [e.output.completion for e in events[0]] == [e.output.completion for e in events[1]]
    assert second_log.stats.model_usage == {}  # cached answers cost nothing
    assert {e.cache for s in plain.samples or [] for e in s.events if e.event == "model"} == {None}
    # no API key anywhere in the cache
    assert not any(b"sk-t" in f.read_bytes() for f in cache_dir.rglob("*") if f.is_file())


def test_eval_retry_costs_nothing_for_what_was_already_asked(
    tmp_path: Path, cache_dir: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_AFTER_GENERATE", "q3")
    [failed] = eval(
        f"{TASKS}@questions", model="openai/gpt-test", display="none", cache=True, log_dir=str(tmp_path), max_samples=1
    )
    assert failed.status == "error" and model_server.requests == 3  # q1, q2, q3 asked; q3 failed; q4 never ran
    monkeypatch.delenv("FAIL_AFTER_GENERATE")
    [retried] = eval_retry(failed.location, display="none")
    assert retried.status == "success"
    assert model_server.requests == 4  # only q4 asked: q3's request was answered from the cache
    [q3] = [s for s in retried.samples or [] if s.id == "q3"]
    assert [e.cache for e in q3.events if e.event == "model"] == ["read"]


def test_a_task_can_ask_for_the_cache_in_its_solver(tmp_path: Path, cache_dir: Path, model_server: Any) -> None:
    for _ in range(2):
        [log] = eval(f"{TASKS}@cached_in_solver", model="openai/gpt-test", display="none", log_dir=str(tmp_path))
        assert log.status == "success"
    assert model_server.requests == 1


def test_a_bad_expiry_fails_before_any_request(tmp_path: Path, cache_dir: Path, model_server: Any) -> None:
    with pytest.raises(UsageError, match="cache expiry"):
        eval(f"{TASKS}@questions", model="openai/gpt-test", display="none", cache="3d", log_dir=str(tmp_path))
    assert model_server.requests == 0


def test_inspect_ai_reads_a_log_with_cache_hits(tmp_path: Path, cache_dir: Path, model_server: Any) -> None:
    import subprocess

    from support.inspect_ai_env import inspect_ai_python

    logs = []
    for _ in range(2):
        [log] = eval(f"{TASKS}@questions", model="openai/gpt-test", display="none", cache="1D", log_dir=str(tmp_path))
        logs.append(log.location)
    script = (
        "import sys\nfrom inspect_ai.log import read_eval_log\n"
        "for f in sys.argv[1:]:\n"
        "    log = read_eval_log(f)\n"
        "    events = {e.cache for s in log.samples for e in s.events if e.event == 'model'}\n"
        "    print(log.eval.model_generate_config.cache.expiry, sorted(events))\n"
    )
    run = subprocess.run([str(inspect_ai_python()), "-c", script, *logs], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.splitlines() == ["1D ['write']", "1D ['read']"]
