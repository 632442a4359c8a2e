"""An eval killed with SIGKILL at any moment leaves a log every reader can read.

Each sample of the task below carries about 1 MB of incompressible metadata,
so every flush writes megabytes (the writer, not the model, is the
bottleneck: most of a run is spent inside a flush). `inspect eval` runs with
`--log-buffer 1 --max-samples 2` and a slow mock model, and is killed with
SIGKILL at seeded random moments: 10 kills, 5 per format, 4 of them timed
while a flush is being written (a `.tmp-*` file is in the log dir), the
others anywhere in the run. After each kill, what the log dir holds must be:

- listed by `inspect list logs` as exactly the log files there (never a
  leftover `.tmp-*` file), every header readable;
- accepted by `unzip -t` (`.eval` logs);
- read whole by our reader, holding samples that are a prefix-consistent
  subset of a finished run's, each complete and equal to that run's copy;
- read by the real inspect-ai with the same samples (one batch call for
  every log of every kill, at the end).

Old behaviour this catches: the `.eval` log was appended to in place, so a
kill while a 1 MB sample entry was being written left a file ending in a
partial entry with no end-of-central-directory record after it. Python's
zipfile (inspect-ai) searches only the last 64 KiB for that record and fails
with "File is not a zip file"; `unzip -t` fails too. Every kill that left a
`.tmp-*` file behind (it hit a flush under way) would have produced such a
file. (Checked by making the flush append in place again: the first kill
already fails, even our own reader finding no end record.)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from inspect_cli.log import EvalSample, read_eval_log

from support.cli_runner import clean_env, run_inspect, start_inspect
from support.inspect_ai_env import inspect_ai_python

SAMPLES = 14
KB = 1000  # metadata per sample (base64 of random bytes: deflate cannot shrink it much)

TASK = """
import base64
import random

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes
from inspect_cli.solver import generate


def blob(i, kb):
    return base64.b64encode(random.Random(i).randbytes(kb * 768)).decode()


@task
def big(n: int = 10, kb: int = 1000):
    samples = [
        Sample(input=f"Say {i}", target=str(i), id=f"s{i:02d}", metadata={"blob": blob(i, kb)})
        for i in range(1, n + 1)
    ]
    return Task(dataset=samples, solver=[generate()], scorer=includes())
"""

# What inspect-ai makes of a log: status and, per sample, what identifies its content.
INSPECT_AI_SCRIPT = """
import hashlib, json, sys
from inspect_ai.log import read_eval_log

out = {}
for path in sys.argv[1:]:
    log = read_eval_log(path)
    out[path] = {
        "status": log.status,
        "samples": sorted(
            [s.id, s.epoch, s.output.completion, hashlib.sha256(s.metadata["blob"].encode()).hexdigest(),
             {k: v.value for k, v in (s.scores or {}).items()}]
            for s in log.samples or []
        ),
    }
print(json.dumps(out))
"""

ANSWERS = {f"Say {i}": f"{i} " + "x" * 2000 for i in range(1, SAMPLES + 1)}  # some long answers too


def _args(fmt: str, log_dir: Path) -> list[str]:
    return [
        "eval", "big_tasks.py@big", "--model", "mockllm/model", "-M", "delay=0.15",
        "-M", f"custom_outputs={json.dumps(ANSWERS)}", "-T", f"n={SAMPLES}", "-T", f"kb={KB}",
        "--log-buffer", "1", "--max-samples", "2", "--log-format", fmt, "--display", "none",
        "--log-dir", str(log_dir),
    ]  # fmt: skip


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _essence(sample: EvalSample) -> dict[str, Any]:
    """A sample's content: everything but its uuid, times and events (which differ between runs)."""
    return {
        "id": sample.id,
        "epoch": sample.epoch,
        "input": sample.input,
        "target": sample.target,
        "metadata": {k: _sha(v) if k == "blob" else v for k, v in sample.metadata.items()},
        "messages": [(m.role, m.text) for m in sample.messages],
        "completion": sample.output.completion,
        "scores": {k: (v.value, v.answer) for k, v in (sample.scores or {}).items()},
        "usage": {k: u.total_tokens for k, u in sample.model_usage.items()},
        "error": sample.error,
    }


def _theirs_essence(sample: EvalSample) -> list[Any]:
    """What the inspect-ai script above reports for a sample, computed from ours."""
    blob = sample.metadata["blob"]
    return [
        sample.id,
        sample.epoch,
        sample.output.completion,
        _sha(blob),
        {k: v.value for k, v in (sample.scores or {}).items()},
    ]


def _files(log_dir: Path) -> tuple[list[Path], list[Path]]:
    """The logs and the leftover temporary files in a log dir."""
    names = sorted(os.listdir(log_dir)) if log_dir.exists() else []
    logs = [log_dir / n for n in names if not n.startswith(".") and n.endswith((".eval", ".json"))]
    temps = [log_dir / n for n in names if n.startswith(".tmp-")]
    assert len(logs) + len(temps) == len(names), names
    return logs, temps


def _kill_at(process: subprocess.Popen[Any], delay: float) -> float | None:
    """SIGKILL `delay` seconds after the start; the moment it was sent, or
    None when the eval ended first (it ran faster than the reference run)."""
    started = time.monotonic()
    while time.monotonic() - started < delay and process.poll() is None:
        time.sleep(0.005)
    if process.poll() is not None:
        return None
    process.send_signal(signal.SIGKILL)
    return time.monotonic() - started


def _kill_mid_flush(process: subprocess.Popen[Any], log_dir: Path, nth: int, wait: float) -> float:
    """SIGKILL while the `nth` flush's temporary file is being written (`wait`
    seconds after it is first seen)."""
    started = time.monotonic()
    seen: set[str] = set()
    while process.poll() is None and time.monotonic() - started < 60:
        try:
            names = os.listdir(log_dir)
        except FileNotFoundError:
            names = []
        new = {n for n in names if n.startswith(".tmp-")} - seen
        seen |= new
        if new and len(seen) >= nth:
            time.sleep(wait)
            process.send_signal(signal.SIGKILL)
            return time.monotonic() - started
        time.sleep(0.001)
    raise AssertionError(f"the eval ended before its flush number {nth} was seen")


def test_kill_9_at_random_moments(tmp_path: Path) -> None:
    (tmp_path / "big_tasks.py").write_text(TASK)
    rng = random.Random(20261205)

    # A run left to finish: what every sample must look like wherever it is found.
    reference: dict[str, dict[str, Any]] = {}
    finished: list[Path] = []
    durations: dict[str, float] = {}
    for fmt in ("eval", "json"):
        started = time.monotonic()
        result = run_inspect("subprocess", _args(fmt, tmp_path / f"finished-{fmt}"), tmp_path)
        durations[fmt] = time.monotonic() - started
        assert result.exit_code == 0, result.stderr
        [log_path], temps = _files(tmp_path / f"finished-{fmt}")
        assert temps == []
        log = read_eval_log(str(log_path))
        assert log.status == "success" and len(log.samples or []) == SAMPLES
        essences = {str(s.id): _essence(s) for s in log.samples or []}
        if reference:
            assert essences == reference  # both formats hold the same samples
        reference = essences
        finished.append(log_path)
    order = [f"s{i:02d}" for i in range(1, SAMPLES + 1)]

    kills: list[dict[str, Any]] = []
    expected_by_inspect_ai: dict[str, dict[str, Any]] = {}
    for fmt in ("eval", "json"):
        for n in range(5):
            log_dir = tmp_path / f"killed-{fmt}-{n}"
            process = start_inspect(_args(fmt, log_dir), tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            moment: float | None
            if n % 2 == 0:
                how = "random"
                fraction = rng.uniform(0.3, 0.9)
                moment = _kill_at(process, fraction * durations[fmt])
                for _ in range(3):  # the machine got faster than the reference run: aim earlier
                    if moment is not None:
                        break
                    shutil.rmtree(log_dir, ignore_errors=True)
                    fraction /= 2
                    process = start_inspect(
                        _args(fmt, log_dir), tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                    )
                    moment = _kill_at(process, fraction * durations[fmt])
                assert moment is not None, "the eval always ended before the moment chosen to kill it"
            else:
                how = "mid-flush"
                # A .json flush writes its document in one call: kill as soon as its file is seen.
                wait = rng.uniform(0, 0.02) if fmt == "eval" else 0.0
                moment = _kill_mid_flush(process, log_dir, rng.randint(2, SAMPLES - 5), wait)
            process.wait(timeout=30)
            assert process.returncode == -signal.SIGKILL
            logs, temps = _files(log_dir)
            kill = {"format": fmt, "how": how, "at": round(moment, 2), "temps left": [t.stat().st_size for t in temps]}
            kill["samples"] = None
            kills.append(kill)

            # `inspect list logs` lists exactly the logs (never a temporary file), each readable.
            listed = run_inspect(
                "subprocess", ["list", "logs", "--log-dir", str(log_dir), "--json", "--long"], tmp_path
            )
            assert listed.exit_code == 0, (kill, listed.stderr)
            records = json.loads(listed.stdout) if listed.stdout.strip() else []
            assert sorted(os.path.basename(r["name"]) for r in records) == [p.name for p in logs], kill
            assert len(logs) <= 1, kill

            for path in logs:
                if fmt == "eval":
                    unzip = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True)
                    assert unzip.returncode == 0, (kill, unzip.stdout, unzip.stderr)
                log = read_eval_log(str(path))
                samples = log.samples or []
                kill["samples"] = len(samples)
                assert log.status in ("started", "success"), kill
                ids = [str(s.id) for s in samples]
                assert len(set(ids)) == len(ids), kill
                # At most max_samples - 1 = 1 sample may finish out of order: the
                # samples kept are among the first len(samples) + 1 of the dataset.
                assert set(ids) <= set(order[: len(ids) + 1]), (kill, ids)
                for sample in samples:
                    assert _essence(sample) == reference[str(sample.id)], (kill, sample.id)
                if log.status == "success":
                    assert len(samples) == SAMPLES
                expected_by_inspect_ai[str(path)] = {
                    "status": log.status,
                    "samples": sorted(_theirs_essence(s) for s in samples),
                }

    print("\nfinished runs took", durations, "\nkills:", *kills, sep="\n  ")
    assert len(kills) == 10
    assert sum(1 for k in kills if k["samples"] is not None) >= 8  # most kills left a log to check
    # Evidence that some kills hit a flush under way: its temporary file is left behind.
    assert sum(1 for k in kills if k["temps left"]) >= 3, kills

    for path in finished:
        log = read_eval_log(str(path))
        expected_by_inspect_ai[str(path)] = {
            "status": "success",
            "samples": sorted(_theirs_essence(s) for s in log.samples or []),
        }
    script = tmp_path / "inspect_ai_reads.py"
    script.write_text(INSPECT_AI_SCRIPT)
    run = subprocess.run(
        [str(inspect_ai_python()), str(script), *expected_by_inspect_ai],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    theirs = json.loads(run.stdout)
    assert theirs == expected_by_inspect_ai
