"""A log written back keeps the file's own content, except what the caller changed:
no derived value or default is added, unchanged samples are copied as stored,
and what is written always reads back as the object that was written."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.log import LogUpdate, ProvenanceData, TagsEdit, edit_eval_log, read_eval_log, write_eval_log
from inspect_cli.log._tree import to_tree
from inspect_cli.log._zip import ZipReader

from support.helpers import FIXTURES, load_json, manifest_entries, raw_log
from support.inspect_ai_env import inspect_ai_python

READABLE = [FIXTURES / version / entry["path"] for version, entry in manifest_entries()]
PROVENANCE = ProvenanceData(timestamp="2026-12-05T00:00:00+00:00", author="tests")
OLD_JSON = FIXTURES / "v0.3.40/logs/2026-11-28T06-11-50+00-00_arith_YCWmdDiFTm6y9ytex3sNS2.json"
MULTI_EVAL = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"


def _copy(src: Path, tmp_path: Path) -> Path:
    target = tmp_path / src.name
    shutil.copyfile(src, target)
    return target


def _entries(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each entry's (method, crc, data), zstd ones too."""
    with path.open("rb") as f:
        z = ZipReader(f, str(path))
        return {name: (z.read_packed(name)[0], z.read_packed(name)[1], z.read(name)) for name in z.names()}


@pytest.mark.parametrize("src", [p for p in READABLE if p.suffix == ".json"], ids=lambda p: p.name)
def test_unchanged_json_log_is_written_back_byte_for_byte(tmp_path: Path, src: Path) -> None:
    out = tmp_path / "out.json"
    write_eval_log(read_eval_log(src), out)
    assert out.read_bytes() == src.read_bytes()


@pytest.mark.parametrize("src", [p for p in READABLE if p.suffix == ".eval"], ids=lambda p: p.name)
def test_unchanged_eval_log_keeps_every_entry(tmp_path: Path, src: Path) -> None:
    out = tmp_path / "out.eval"
    write_eval_log(read_eval_log(src), out)
    before, after = _entries(src), _entries(out)
    for name, (method, crc, data) in before.items():
        if name.startswith("samples/") or name == "summaries.json":
            assert after[name][2] == data, name
            if method == after[name][0] and name != "summaries.json":
                assert after[name][1] == crc  # copied as stored, not recompressed
        elif name in ("header.json", "reductions.json"):
            assert json.loads(after[name][2]) == json.loads(data), name


def test_a_changed_sample_is_the_only_entry_rewritten(tmp_path: Path) -> None:
    log = read_eval_log(MULTI_EVAL)
    assert log.samples
    log.samples[1].metadata["reviewed"] = True
    out = tmp_path / "out.eval"
    write_eval_log(log, out)
    before, after = _entries(MULTI_EVAL), _entries(out)
    changed = {n for n in before if n.startswith("samples/") and before[n][2] != after[n][2]}
    assert len(changed) == 1
    name = changed.pop()
    new = json.loads(after[name][2])
    old = json.loads(before[name][2])
    assert new["metadata"] == {**old["metadata"], "reviewed": True}
    # the other members of that sample are still as the file had them
    assert {k: v for k, v in new.items() if k != "metadata"} == {k: v for k, v in old.items() if k != "metadata"}
    assert json.loads(after["summaries.json"][2]) != json.loads(before["summaries.json"][2])  # regenerated


def test_a_header_change_adds_no_derived_value(tmp_path: Path) -> None:
    original = raw_log(OLD_JSON)
    assert all("params_passed" not in step for step in original["plan"]["steps"])
    assert "task_args_passed" not in original["eval"]
    log = read_eval_log(OLD_JSON)
    assert log.plan.steps[0].params_passed is not None  # derived on read
    log = edit_eval_log(log, [TagsEdit(tags_add=["reviewed"], tags_remove=[])], PROVENANCE)
    for fmt in ("json", "eval"):
        out = tmp_path / f"out.{fmt}"
        write_eval_log(log, out)
        written = raw_log(out)
        assert written["tags"] == ["reviewed"] and len(written["log_updates"]) == 1
        assert written["plan"] == original["plan"]
        assert written["eval"] == original["eval"]
        assert "invalidated" not in written
        assert written["samples"][0] == original["samples"][0]  # transcript era shape, untouched


def test_a_changed_old_sample_is_written_in_the_current_shape(tmp_path: Path) -> None:
    log = read_eval_log(OLD_JSON)
    assert log.samples
    log.samples[0].metadata["x"] = 1
    out = tmp_path / "out.json"
    write_eval_log(log, out)
    sample = raw_log(out)["samples"][0]
    assert "transcript" not in sample and sample["events"]
    assert read_eval_log(out).samples[0] == log.samples[0]  # type: ignore[index]


def test_a_file_changed_since_it_was_read_is_not_copied_from(tmp_path: Path) -> None:
    src = _copy(MULTI_EVAL, tmp_path)
    log = read_eval_log(src)
    shutil.copyfile(FIXTURES / "v0.3.285/logs/2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval", src)
    os.utime(src, (1, 1))
    out = tmp_path / "out.eval"
    write_eval_log(log, out)
    assert to_tree(read_eval_log(out)) == to_tree(log)


def test_integers_stay_integers(tmp_path: Path) -> None:
    raw = load_json(OLD_JSON.read_bytes())
    raw["eval"]["config"]["limit"] = 50
    src = tmp_path / "src.json"
    src.write_text(json.dumps(raw))
    log = read_eval_log(src)
    log.eval.tags = log.tags = ["x"]
    for fmt in ("json", "eval"):
        out = tmp_path / f"out.{fmt}"
        write_eval_log(log, out)
        value = raw_log(out)["eval"]["config"]["limit"]
        assert value == 50 and type(value) is int


def _mutate(log: Any, rng: random.Random) -> None:
    """A random edit a user might make."""
    samples = log.samples or []
    choice = rng.randrange(6)
    if choice == 0:
        log.log_updates = [
            *(log.log_updates or []),
            LogUpdate(edits=[TagsEdit(tags_add=[f"t{rng.randrange(9)}"], tags_remove=[])], provenance=PROVENANCE),
        ]
        log.tags = sorted({*log.tags, *log.log_updates[-1].edits[0].tags_add})  # type: ignore[union-attr]
    elif choice == 1:
        log.eval.metadata = log.metadata = {"k": rng.random()}  # (the top level shows the eval's)
    elif choice == 2 and samples:
        rng.choice(samples).metadata["note"] = rng.randrange(100)
    elif choice == 3 and samples:
        sample = rng.choice(samples)
        sample.scores = None
    elif choice == 4 and samples:
        log.samples = samples[: rng.randrange(len(samples) + 1)]
    elif choice == 5:
        log.plan.steps = log.plan.steps[:1]


@pytest.mark.parametrize("src", READABLE, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_what_is_written_reads_back_as_the_object_written(tmp_path: Path, src: Path) -> None:
    rng = random.Random(src.name)
    for round in range(3):
        log = read_eval_log(src)
        for _ in range(round):
            _mutate(log, rng)
        expected = to_tree(log)
        for fmt in ("json", "eval"):
            out = tmp_path / f"{round}.{fmt}"
            write_eval_log(log, out)
            got = to_tree(read_eval_log(out))
            # a version-1 log is presented as version 2 either way
            assert got == expected, (round, fmt)


_INSPECT_READ = """
import json, sys
from inspect_ai.log import read_eval_log
for path in sys.argv[1:]:
    log = read_eval_log(path)
    print(json.dumps({"params_passed": [s.params_passed for s in log.plan.steps],
                      "task_args_passed": log.eval.task_args_passed, "completed": log.stats.completed_at,
                      "samples": len(log.samples or [])}))
"""


def test_inspect_reads_our_edited_copy_with_the_params_it_derives(tmp_path: Path) -> None:
    src = tmp_path / "src.json"
    raw = load_json(OLD_JSON.read_bytes())
    raw["plan"]["steps"][0]["params"] = {"template": "T"}
    src.write_text(json.dumps(raw))
    log = read_eval_log(src)
    log.stats.completed_at = "2026-12-01T00:00:00+00:00"
    copies = []
    for fmt in ("json", "eval"):
        out = tmp_path / f"out.{fmt}"
        write_eval_log(log, out)
        copies.append(str(out))
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", _INSPECT_READ, str(src), *copies], capture_output=True, text=True, check=True
    )
    original, *ours = [json.loads(line) for line in run.stdout.splitlines()]
    for copy in ours:
        assert copy == {**original, "completed": "2026-12-01T00:00:00+00:00"}


@pytest.mark.parametrize("src", [OLD_JSON, MULTI_EVAL], ids=lambda p: p.suffix)
def test_a_header_only_read_is_written_without_the_files_samples(tmp_path: Path, src: Path) -> None:
    header = read_eval_log(src, header_only=True)
    for fmt in ("json", "eval"):
        out = tmp_path / f"out.{fmt}"
        write_eval_log(header, out)
        assert read_eval_log(out).samples in (None, [])
        assert raw_log(out)["eval"] == raw_log(src)["eval"]  # the header as the file had it
