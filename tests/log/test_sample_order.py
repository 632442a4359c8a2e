"""The order samples come in: a whole read goes epoch by epoch (ids in
Inspect's order), `read_eval_log_samples` goes id by id as the header's
`dataset.sample_ids` lists them, each id's epochs in turn, as Inspect 0.3.285's
does (observed; not the order stored), then any sample the header does not
name (Inspect's leaves those out; nothing is lost here). Checked against the
real inspect-ai."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from inspect_cli.log import read_eval_log, read_eval_log_samples, write_eval_log
from inspect_cli.log._zip import ZipWriter

from support.helpers import FIXTURES, zip_json_entries
from support.inspect_ai_env import inspect_ai_python

MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
INSPECT_ORDER = """
import json, sys
from inspect_ai.log import read_eval_log, read_eval_log_samples
path = sys.argv[1]
print(json.dumps({
    "whole": [[s.id, s.epoch] for s in read_eval_log(path).samples],
    "streamed": [[s.id, s.epoch] for s in read_eval_log_samples(path, all_samples_required=False)],
}))
"""


def _ordered_logs(tmp_path: Path) -> dict[str, Path]:
    """The multi-epoch fixture as Inspect wrote it, stored in reverse, with its
    header naming the ids in another order, as .json, and with samples the
    header does not name (zip order the writer's)."""
    log = read_eval_log(MULTI)
    paths = {"as written": MULTI}
    log.samples = list(reversed(log.samples or []))
    paths["reversed"] = tmp_path / "reversed.eval"
    write_eval_log(log, paths["reversed"])
    log.eval.dataset.sample_ids = [3, 1, 2]
    paths["ids 3,1,2"] = tmp_path / "ids.eval"
    write_eval_log(log, paths["ids 3,1,2"])
    paths["ids 3,1,2 json"] = tmp_path / "ids.json"
    write_eval_log(log, paths["ids 3,1,2 json"])
    entries = zip_json_entries(MULTI)
    base = next(v for k, v in entries.items() if k.startswith("samples/"))
    paths["unnamed ids"] = tmp_path / "unnamed.eval"
    with open(paths["unnamed ids"], "wb") as f:
        writer = ZipWriter(f)
        for name, value in entries.items():
            if not name.startswith("samples/"):
                writer.add(name, json.dumps(value).encode())
        for id, epoch in [(10, 1), ("b", 1), (2, 1), ("a", 2), (1, 2), ("a", 1)]:
            writer.add(f"samples/{id}_epoch_{epoch}.json", json.dumps({**base, "id": id, "epoch": epoch}).encode())
        writer.close()
    return paths


def test_a_stream_goes_id_by_id_as_the_header_lists_them(tmp_path: Path) -> None:
    paths = _ordered_logs(tmp_path)
    streamed = [(s.id, s.epoch) for s in read_eval_log_samples(paths["ids 3,1,2"])]
    assert streamed == [(3, 1), (3, 2), (1, 1), (1, 2), (2, 1), (2, 2)]
    assert [(s.id, s.epoch) for s in read_eval_log_samples(paths["ids 3,1,2 json"])] == streamed
    whole = [(s.id, s.epoch) for s in read_eval_log(paths["reversed"]).samples or []]
    assert whole == [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2)]


@pytest.mark.parametrize("shape", ["as written", "reversed", "ids 3,1,2", "ids 3,1,2 json", "unnamed ids"])
def test_orders_are_inspects(tmp_path: Path, shape: str) -> None:
    path = _ordered_logs(tmp_path)[shape]
    run = subprocess.run(
        [str(inspect_ai_python()), "-c", INSPECT_ORDER, str(path)], capture_output=True, text=True, check=True
    )
    theirs = json.loads(run.stdout)
    assert [[s.id, s.epoch] for s in read_eval_log(path).samples or []] == theirs["whole"]
    ours = [[s.id, s.epoch] for s in read_eval_log_samples(path, all_samples_required=False)]
    # Inspect's leaves out samples its header does not name; ours yields them after, in a whole read's order.
    assert ours[: len(theirs["streamed"])] == theirs["streamed"]
    assert ours[len(theirs["streamed"]) :] == [p for p in theirs["whole"] if p not in theirs["streamed"]]
