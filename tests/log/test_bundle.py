"""`bundle_log_dir`: what a bundle holds, Inspect's listing.json, and how an
existing output dir is refused or replaced."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from inspect_cli.errors import ExistsError, NotFoundError, UsageError
from inspect_cli.log import _bundle, bundle_log_dir, read_eval_log, read_eval_log_sample_summaries
from inspect_cli.view import ViewApi

from support.view_helpers import SECRET, ViewDir, make_view_dir

LOGS = "v0.3.285/logs"
SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
DATA_CALL = re.compile(r'^inspectData\(("(?:[^"\\]|\\.)*"), (.*)\);\n$', re.S)


@pytest.fixture
def view_dir(fixture_root: Path, tmp_path: Path) -> ViewDir:
    """The fixture logs plus what must never be bundled (secrets beside them, symlinks out)."""
    return make_view_dir(fixture_root, tmp_path)


def data(path: Path) -> tuple[str, Any]:
    """The path a data script names and the JSON it hands over (or its error)."""
    match = DATA_CALL.match(path.read_text(encoding="utf-8"))
    assert match, path
    name, rest = json.loads(match.group(1)), match.group(2)
    if rest.startswith("null, "):
        return name, {"error": json.loads(rest[len("null, ") :])}
    return name, json.loads(json.loads(rest))


def test_a_bundle_holds_the_page_the_logs_and_each_pages_data(view_dir: ViewDir, tmp_path: Path) -> None:
    out = tmp_path / "www"
    bundle_log_dir(str(view_dir.root), str(out))
    assert {p.name for p in out.iterdir()} == {"index.html", "robots.txt", "assets", "logs", "data"}
    assert {p.name for p in (out / "assets").iterdir()} == {"app.js", "style.css", "icon.svg"}
    page = (out / "index.html").read_text()
    assert 'src="assets/app.js"' in page and "<body data-bundle=" in page and "Content-Security-Policy" in page
    assert "/static/" not in page

    api = ViewApi(view_dir.root)
    name, listing = data(out / "data" / "listing.js")
    assert name == "listing" and listing["log_dir"] == "logs"  # the folder's name, not the machine's path
    rels = [row["rel"] for row in listing["files"]]
    assert rels == [f["name"][len(api.log_dir) + 1 :] for f in api.logs()["files"]]
    assert sorted(rels) == view_dir.logs  # nothing hidden, no symlink out of the log dir, no other JSON
    for row, header in zip(listing["files"], api.log_headers(rels)):
        assert row["name"] == row["rel"]  # no absolute paths
        if "read_error" in header:
            assert header["read_error"].endswith(row["header"]["read_error"])  # named relative to the log dir
            continue
        assert row["header"]["status"] == header["status"] and row["header"]["eval"]["task"] == header["eval"]["task"]
        if header.get("results"):
            assert row["header"]["results"]["scores"] == [
                {"name": s["name"], "metrics": s["metrics"]} for s in header["results"]["scores"][:1]
            ]
        assert (out / "logs" / row["rel"]).read_bytes() == (view_dir.root / row["rel"]).read_bytes()

    row = next(r for r in listing["files"] if r["rel"] == SUCCESS_EVAL)
    base = out / "data" / row["data"]
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    _, header = data(base / "header.js")
    assert header["eval"]["task"] == "arith" and "samples" not in header
    _, summaries = data(base / "summaries.js")
    assert summaries == api.sample_summaries(SUCCESS_EVAL)
    assert len(list((base / "samples").iterdir())) == len(log.samples or [])
    name, sample = data(base / "samples" / "1.js")
    assert name == f"{row['data']}/samples/1"
    assert sample == api.sample(SUCCESS_EVAL, summaries[1]["id"], summaries[1]["epoch"])

    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert SECRET.encode() not in everything and str(view_dir.root).encode() not in everything


def test_an_unreadable_log_is_listed_with_its_error(view_dir: ViewDir, tmp_path: Path) -> None:
    out = tmp_path / "www"
    bundle_log_dir(str(view_dir.root), str(out))
    _, listing = data(out / "data" / "listing.js")
    row = next(r for r in listing["files"] if r["rel"] == "broken.eval")
    assert set(row["header"]) == {"read_error"}
    _, header = data(out / "data" / row["data"] / "header.js")
    assert set(header) == {"error"} and header["error"]


def test_listing_json_is_inspects(fixture_root: Path, tmp_path: Path) -> None:
    """Each readable log's entry as Inspect 0.3.285 writes it (seen from its `inspect view bundle`)."""
    out = tmp_path / "www"
    bundle_log_dir(str(fixture_root / LOGS), str(out))
    listing = json.loads((out / "logs" / "listing.json").read_text())
    assert len(listing) == 19
    entry = listing[SUCCESS_EVAL]
    assert list(entry) == [
        "eval_id", "run_id", "task", "task_id", "task_version", "version", "status", "invalidated",
        "model", "started_at", "completed_at", "primary_metric",
    ]  # fmt: skip
    assert entry["primary_metric"] == {"name": "accuracy", "value": 0.75, "params": {}}
    started = listing["more/deep/2026-11-28T06-10-17-00-00_arith-slow_RAXKnpDvdMj2xXBysx5bRZ.json"]
    assert started["status"] == "started" and started["started_at"] == "" and "primary_metric" not in started
    failed = listing["2026-11-28T06-09-23-00-00_arith-flaky_ZXLYRNkuFEHEdTq52KgjkE.eval"]
    assert list(failed)[8] == "error" and "deliberate solver failure" in failed["error"]["message"]


def test_an_output_dir_with_files_is_replaced_only_with_overwrite(fixture_root: Path, tmp_path: Path) -> None:
    logs, out = str(fixture_root / LOGS), tmp_path / "www"
    out.mkdir()
    bundle_log_dir(logs, str(out))  # an empty folder is fine
    (out / "stale.txt").write_text("from before")
    with pytest.raises(ExistsError, match="--overwrite"):
        bundle_log_dir(logs, str(out))
    assert (out / "stale.txt").exists()
    bundle_log_dir(logs, str(out), overwrite=True)
    assert not (out / "stale.txt").exists() and (out / "index.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www"]  # no temporary folders left beside it


def test_a_failed_bundle_leaves_the_old_one_as_it_was(
    fixture_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs, out = str(fixture_root / LOGS), tmp_path / "www"
    bundle_log_dir(logs, str(out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def fail(*args: Any, **kwargs: Any) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_bundle, "bundle_page", fail)
    with pytest.raises(Exception, match="No space left"):
        bundle_log_dir(logs, str(out), overwrite=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www"]


def test_bad_locations_are_refused(fixture_root: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(fixture_root / LOGS, logs)
    with pytest.raises(UsageError, match="inside it"):
        bundle_log_dir(str(logs), str(logs / "www"))
    with pytest.raises(UsageError, match="inside it"):
        bundle_log_dir(str(logs), str(logs))
    with pytest.raises(UsageError, match="contain the log dir"):
        bundle_log_dir(str(logs), str(tmp_path), overwrite=True)
    with pytest.raises(UsageError, match="output dir"):
        bundle_log_dir(str(logs))
    with pytest.raises(NotFoundError):
        bundle_log_dir(str(tmp_path / "missing"), str(tmp_path / "www"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExistsError, match="not a directory"):
        bundle_log_dir(str(logs), str(tmp_path / "file"), overwrite=True)
    assert not (logs / "www").exists() and (tmp_path / "file").read_text() == "x"
    assert len(list(logs.rglob("*.eval"))) == len(list((fixture_root / LOGS).rglob("*.eval")))


def test_the_log_dir_defaults_to_inspect_log_dir(
    fixture_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSPECT_LOG_DIR", str(fixture_root / LOGS))
    bundle_log_dir(output_dir=str(tmp_path / "www"))
    assert len(json.loads((tmp_path / "www" / "logs" / "listing.json").read_text())) == 19


def test_s3_log_dir_to_s3_output(fixture_root: Path, tmp_path: Path, s3: str) -> None:
    from inspect_cli import storage

    fs, _ = storage.filesystem(s3)
    source = fixture_root / LOGS / SUCCESS_EVAL
    fs.put_file(str(source), f"{s3[5:]}/logs/{SUCCESS_EVAL}")
    fs.pipe_file(f"{s3[5:]}/www/stale.txt", b"old")
    with pytest.raises(ExistsError):
        bundle_log_dir(f"{s3}/logs", f"{s3}/www")
    bundle_log_dir(f"{s3}/logs", f"{s3}/www", overwrite=True)
    fs.invalidate_cache()
    names = {p[len(s3) - 5 + len("/www/") :] for p in fs.find(f"{s3[5:]}/www")}
    assert "stale.txt" not in names
    assert {"index.html", "robots.txt", "assets/app.js", "data/listing.js", f"logs/{SUCCESS_EVAL}"} <= names
    assert "data/logs/0/samples/0.js" in names and "logs/listing.json" in names
    assert fs.cat_file(f"{s3[5:]}/www/logs/{SUCCESS_EVAL}") == source.read_bytes()
    local = tmp_path / "local"
    bundle_log_dir(f"{s3}/logs", str(local))  # an s3:// log dir to a local bundle
    _, listing = data(local / "data" / "listing.js")
    assert [r["rel"] for r in listing["files"]] == [SUCCESS_EVAL] and listing["log_dir"] == f"{s3}/logs"
    assert os.listdir(local / "data" / "logs" / "0" / "samples")
    summaries = read_eval_log_sample_summaries(source)
    assert len(os.listdir(local / "data" / "logs" / "0" / "samples")) == len(summaries)
