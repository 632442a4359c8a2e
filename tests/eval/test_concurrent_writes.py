"""Nothing is lost to concurrent writers choosing the same log name.

Every new log is created exclusively (a local link that fails when the name
is taken; on S3 a conditional write, `If-None-Match: *`), never renamed over
what is there. The old behaviour these tests catch: two writers that chose
the same name both wrote a temporary file and renamed it into place, so the
later rename silently replaced the earlier log (concurrent `eval-retry` of
one log lost a log in 8 of 14 tries; racing `log convert` runs both
reported success while one of the two logs was gone).
"""

from __future__ import annotations

import base64
import os
import random
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

import msgspec
import pytest

from inspect_cli import eval
from inspect_cli.errors import LogExistsError
from inspect_cli.log import EvalLog, list_eval_logs, read_eval_log, write_eval_log

from support.cli_runner import clean_env, start_inspect
from support.helpers import FIXTURES

TASKS = Path(__file__).parent / "tasks" / "retry_tasks.py"
FIXTURE_LOG = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, with the task file there (logs record it relative to the cwd)."""
    (tmp_path / "retry_tasks.py").write_text(TASKS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _another_run(log: EvalLog, run: str) -> EvalLog:
    """A copy of `log` as if written by another run."""
    spec = msgspec.structs.replace(log.eval, run_id=f"run-{run}", eval_id=f"eval-{run}")
    return msgspec.structs.replace(log, eval=spec)


# -- (a) concurrent eval-retry of one log ------------------------------------------


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_concurrent_retries_of_one_log_each_keep_their_own_log(
    in_tmp: Path, model_server: Any, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """7 `inspect eval-retry` processes of the same failed log, started at once
    (so in the same second: all first choose the same new name). Each must
    exit 0 and name its own new log, complete, written by its own run."""
    monkeypatch.setenv("FAIL_SAMPLE", "q04")
    [failed] = eval("retry_tasks.py@counted", model="openai/gpt-test", display="none", max_samples=1, log_format=fmt)
    assert failed.status == "error"
    original = Path(failed.location).read_bytes()
    monkeypatch.delenv("FAIL_SAMPLE")
    model_server.reset()

    env = clean_env(INSPECT_CLI_RETRY_DELAY="0.01")
    processes = [
        start_inspect(
            ["eval-retry", failed.location, "--display", "plain"],
            in_tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(7)
    ]
    printed = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        [location] = re.findall(r"^Log: (.+)$", out, re.MULTILINE)
        printed.append(os.path.abspath(location))

    assert len(set(printed)) == 7, printed  # each names a different log
    # All chose the same name first; the time in the name moved on for the others.
    print("\nthe retries' logs:", *sorted(os.path.basename(p) for p in printed), sep="\n  ")
    run_ids = set()
    for location in printed:
        log = read_eval_log(location)
        assert log.status == "success" and len(log.samples or []) == 6, location
        assert log.eval.task_id == failed.eval.task_id
        run_ids.add(log.eval.run_id)
    # Seven runs, seven logs: had one replaced another, two names would hold one run.
    assert len(run_ids) == 7
    on_disk = {os.path.abspath(info.name.removeprefix("file://")) for info in list_eval_logs(in_tmp / "logs")}
    assert on_disk == {*printed, os.path.abspath(failed.location)}
    assert Path(failed.location).read_bytes() == original
    assert not [n for n in os.listdir(in_tmp / "logs") if n.startswith(".tmp-")]
    assert model_server.requests == 7 * 3  # each retry ran the 3 unfinished samples


# -- (b) concurrent `inspect log convert` onto one target -----------------------------


def _with_blobs(log: EvalLog, seed: int, kb: int) -> EvalLog:
    """A copy whose samples carry `kb` KB of random metadata (to make a
    conversion take long enough for two of them to overlap)."""
    rng = random.Random(seed)
    samples = [
        msgspec.structs.replace(s, metadata={**s.metadata, "blob": base64.b64encode(rng.randbytes(kb * 768)).decode()})
        for s in log.samples or []
    ]
    return msgspec.structs.replace(log, samples=samples)


def test_concurrent_converts_onto_one_name_never_replace_each_other(tmp_path: Path) -> None:
    """Two `inspect log convert` runs of different logs with the same file
    name into one output dir, started together, round after round: exactly
    one wins, the other exits 1 naming the existing target, and the target
    holds the winner's log, whole."""
    base = read_eval_log(FIXTURE_LOG)
    name = FIXTURE_LOG.name
    sources = {}
    for side, seed in (("a", 1), ("b", 2)):
        log = _another_run(_with_blobs(base, seed, kb=1500), side)
        (tmp_path / side).mkdir()
        write_eval_log(log, tmp_path / side / name)
        sources[side] = log
    target_name = name.removesuffix(".eval") + ".json"

    outcomes = []
    for round in range(8):
        out = tmp_path / f"out{round}"
        processes = {
            side: start_inspect(
                ["log", "convert", str(tmp_path / side / name), "--to", "json", "--output-dir", str(out)],
                tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for side in ("a", "b")
        }
        results = {side: (p.communicate(timeout=120), p.returncode) for side, p in processes.items()}
        winners = [side for side, (_, code) in results.items() if code == 0]
        assert len(winners) == 1, results
        [winner] = winners
        [loser] = [side for side in results if side != winner]
        (out_w, _), _ = results[winner]
        (out_l, err_l), code_l = results[loser]
        assert code_l == 1 and out_l == "", results
        lines = err_l.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error:"), err_l
        assert target_name in lines[0] and "exists" in lines[0], err_l
        assert out_w.strip() == str(out / target_name)
        assert os.listdir(out) == [target_name]  # no temporary file left either
        written = read_eval_log(out / target_name)
        assert written.eval.run_id == sources[winner].eval.run_id
        assert written.samples == sources[winner].samples
        outcomes.append((winner, "meanwhile" if "meanwhile" in lines[0] else "before"))
    print("\nwinner and when the loser found the target:", outcomes)


# -- (c) write_eval_log from threads --------------------------------------------------


def _race(logs: list[EvalLog], target: str | Path) -> dict[int, BaseException | None]:
    """Write each of `logs` to `target` from a thread of its own, all released
    at once; each thread's outcome (None: it wrote the log)."""
    barrier = threading.Barrier(len(logs))
    outcome: dict[int, BaseException | None] = {}

    def write(n: int) -> None:
        barrier.wait()
        try:
            write_eval_log(logs[n], target)
            outcome[n] = None
        except BaseException as ex:  # every outcome is checked by the caller
            outcome[n] = ex

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(logs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcome) == len(logs)
    return outcome


def _one_winner(outcome: dict[int, BaseException | None]) -> tuple[int, list[str]]:
    """The one thread that wrote its log; why each other failed (all LogExistsError)."""
    winners = [n for n, ex in outcome.items() if ex is None]
    assert len(winners) == 1, outcome
    losers = [ex for ex in outcome.values() if ex is not None]
    for ex in losers:
        assert isinstance(ex, LogExistsError), repr(ex)
    return winners[0], [
        "meanwhile" if "meanwhile" in str(ex) else "another run" if "another run" in str(ex) else str(ex)
        for ex in losers
    ]


@pytest.mark.parametrize("suffix", [".eval", ".json"])
def test_threads_creating_one_new_log_one_wins(tmp_path: Path, suffix: str) -> None:
    """8 threads write logs of 8 different runs to one new path at the same
    moment: one succeeds, the seven others raise LogExistsError, and the file
    holds the winner's log."""
    base = read_eval_log(FIXTURE_LOG)
    kinds: dict[str, int] = {}
    for round in range(10):
        target = tmp_path / f"round{round}{suffix}"
        logs = [_another_run(base, f"{round}-{n}") for n in range(8)]
        winner, why = _one_winner(_race(logs, target))
        for kind in why:
            kinds[kind] = kinds.get(kind, 0) + 1
        assert read_eval_log(target).eval.run_id == logs[winner].eval.run_id
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")]
    print("\nthe losers found the log:", kinds)


# -- (d) the same on S3 ------------------------------------------------------------------


def test_two_writers_of_one_new_s3_key_one_wins(s3: str) -> None:
    """Two threads write logs of different runs to one new S3 key at once:
    the conditional write lets one create it; the other gets LogExistsError."""
    base = read_eval_log(FIXTURE_LOG)
    kinds: dict[str, int] = {}
    for round in range(6):
        target = f"{s3}/logs/round{round}.eval"
        logs = [_another_run(base, f"{round}-{n}") for n in range(2)]
        winner, why = _one_winner(_race(logs, target))
        for kind in why:
            kinds[kind] = kinds.get(kind, 0) + 1
        assert read_eval_log(target).eval.run_id == logs[winner].eval.run_id
    print("\nthe losers found the key:", kinds)
