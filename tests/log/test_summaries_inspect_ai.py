"""Sample summaries checked against the real inspect-ai 0.3.285: its model's
fields, what it reads from every fixture log and from our copies of them, and
how it thins random summaries."""

from __future__ import annotations

import json
import math
import random
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

from inspect_cli.log import EvalSampleSummary, read_eval_log, read_eval_log_sample_summaries, write_eval_log
from inspect_cli.log._summaries import stored_summaries
from inspect_cli.log._tree import to_tree

from support.helpers import FIXTURES, changed, manifest_entries, same
from support.inspect_ai_env import inspect_ai_python

SCRIPT = Path(__file__).parents[1] / "support" / "inspect_ai_sample_summaries.py"
LIMITS = FIXTURES.parent / "summaries" / "limits-and-long-texts.eval"
READABLE = [FIXTURES / v / e["path"] for v, e in manifest_entries() if e["readable_by_inspect_ai"]]
EVAL_LOGS = [p for p in READABLE if p.suffix == ".eval"] + [LIMITS]


def _inspect_ai(*args: str) -> Any:
    run = subprocess.run(
        [str(inspect_ai_python()), str(SCRIPT), *args], capture_output=True, text=True, timeout=600
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def _ours(path: Path) -> list[Any]:
    return [to_tree(s) for s in read_eval_log_sample_summaries(path)]


@pytest.fixture(scope="module")
def theirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """inspect-ai's summaries of every readable fixture log and of our copies
    (.eval and .json) of the .eval ones, by path."""
    out = tmp_path_factory.mktemp("copies")
    paths = [*READABLE, LIMITS]
    for i, source in enumerate(EVAL_LOGS):
        log = changed(read_eval_log(source))
        for suffix in (".eval", ".json"):
            write_eval_log(log, out / f"{i}{suffix}")
            paths.append(out / f"{i}{suffix}")
    return _inspect_ai("logs", *map(str, paths))


def test_our_summary_model_has_inspects_fields_and_defaults() -> None:
    fields = msgspec.structs.fields(EvalSampleSummary)
    ours = [
        [f.name, f.required, None if f.required else (f.default_factory() if f.default is msgspec.NODEFAULT else f.default)]
        for f in fields
    ]  # fmt: skip
    assert ours == _inspect_ai("fields")


@pytest.mark.parametrize("path", [*READABLE, LIMITS], ids=lambda p: str(p.relative_to(FIXTURES.parent)))
def test_we_read_the_summaries_inspect_reads(theirs: dict[str, Any], path: Path) -> None:
    assert same(_ours(path), theirs[str(path)])


@pytest.mark.parametrize("index", range(len(EVAL_LOGS)), ids=lambda i: EVAL_LOGS[i].name)
def test_inspect_reads_the_summaries_of_our_copy_as_it_makes_them(theirs: dict[str, Any], index: int) -> None:
    """The summaries our .eval copy stores are those Inspect derives from the
    same samples (in our .json copy) and, for a log of 0.3.285, those it
    stored itself: the limit as its type, thinned texts, the same fields."""
    copies = {Path(path).suffix: theirs[path] for path in theirs if Path(path).stem == str(index)}
    stored, derived = copies[".eval"], copies[".json"]
    assert isinstance(stored, list) and stored
    assert same(stored, derived)
    original = EVAL_LOGS[index]
    if "v0.3.46" not in original.parts:  # older versions stored fewer fields
        assert same(stored, theirs[str(original)])


def _random_text(rng: random.Random) -> str:
    pieces = ["word", "a", " ", "  ", "\n", "\t", "-", "é", "😀", "\u00a0", "\x1c", "x" * 60, '"', "\\"]
    return "".join(rng.choice(pieces) for _ in range(rng.choice([0, 3, 150, 400, 700, 900, 1100])))


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.random()
    if depth > 2 or kind < 0.3:
        return rng.choice([None, True, 0, -7, 1.5, 1e20, 1e-7, 2**70, math.inf])
    if kind < 0.5:
        return _random_text(rng)[: rng.choice([10, 500, 1016, 1200])]
    size = rng.choice([0, 1, 3, 60, 200]) if depth == 0 else rng.choice([0, 1, 3])
    if kind < 0.75:
        return [_random_value(rng, depth + 1) for _ in range(size)]
    return {f"k{i}": _random_value(rng, depth + 1) for i in range(size)}


def _random_input(rng: random.Random, i: int) -> Any:
    if i % 3:
        return _random_text(rng) * rng.choice([1, 8])
    parts = [
        {"type": "text", "text": _random_text(rng) * 8, "refusal": True},
        {"type": "image", "image": "data:image/png;base64,AAAA", "detail": "low"},
        {"type": "reasoning", "reasoning": "thought " * 1000, "redacted": False},
        {"type": "audio", "audio": "a.mp3", "format": "mp3"},
    ]
    return [
        {"role": "system", "id": f"s{i}", "content": _random_text(rng) * 8},
        {"role": "user", "id": f"u{i}", "content": rng.sample(parts, rng.randint(0, len(parts))), "source": "input"},
    ]


def test_we_thin_summaries_as_inspect_does(tmp_path: Path) -> None:
    rng = random.Random(20261205)
    summaries = []
    for i in range(400):
        text = _random_text(rng)
        summaries.append(
            {
                "id": i,
                "epoch": 1,
                "input": _random_input(rng, i),
                "target": "t",
                "metadata": {"value": _random_value(rng), "text": _random_text(rng)},
                "scores": {"s": {"value": 1, "answer": text, "explanation": _random_text(rng), "metadata": {"m": _random_value(rng)}}},
            }
        )  # fmt: skip
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(summaries))
    ours = [to_tree(s) for s in stored_summaries(summaries, "cases")]
    assert same(ours, _inspect_ai("thin", str(cases)))
