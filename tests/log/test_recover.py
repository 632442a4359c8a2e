"""recover_eval_log / recoverable_eval_logs: finishing the log a killed eval left
`started`, on logs made as our writer leaves them (tests/support/crashed.py).
Real killed evals: tests/eval/test_recover_killed.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inspect_cli.errors import BadArgumentError, LogError, LogExistsError, LogFormatError, NotFoundError
from inspect_cli.log import (
    RecoveryNotAvailable,
    _recover,
    read_eval_log,
    recover_eval_log,
    recoverable_eval_logs,
    write_eval_log,
)

from support.crashed import ARITH, MULTI, crashed_log

NAME = "2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv"


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_recovery_keeps_the_samples_and_says_the_eval_crashed(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"{NAME}.{fmt}"
    finished = crashed_log(path, keep=4)
    before = path.read_bytes()
    log = recover_eval_log(str(path))
    target = tmp_path / f"{NAME}-recovered.{fmt}"
    assert log.location == str(target)
    assert path.read_bytes() == before  # the crashed log is left as it was
    back = read_eval_log(target)
    for got in (log, back):
        assert got.status == "error" and got.error is not None and "died" in got.error.message
        assert [(s.id, s.epoch, s.uuid) for s in got.samples or []] == [
            (s.id, s.epoch, s.uuid) for s in (finished.samples or [])[:4]
        ]
        assert got.eval.run_id == finished.eval.run_id and got.plan == finished.plan
        assert got.stats.started_at == finished.eval.created and got.stats.completed_at > got.stats.started_at
        [(model, usage)] = got.stats.model_usage.items()
        assert model == "mockllm/model"
        assert usage.total_tokens == sum(s.model_usage[model].total_tokens for s in (finished.samples or [])[:4])
        # results come from the samples kept (as Inspect's recovery computes them)
        assert got.results is not None and got.results.completed_samples == 4
        assert [s.name for s in got.results.scores] == [s.name for s in (finished.results or got.results).scores]
    assert [s.events for s in back.samples or []] == [s.events for s in (finished.samples or [])[:4]]


def test_usage_totals_every_field_and_role(tmp_path: Path) -> None:
    from inspect_cli.log import ModelUsage

    usage = ModelUsage(
        input_tokens=10,
        output_tokens=5,
        total_tokens=15,
        input_tokens_cache_read=1,
        reasoning_tokens=3,
        total_cost=0.125,
    )
    totals = _recover._total_usage([{"m": usage, "n": ModelUsage(input_tokens=1)}, {"m": usage}])
    assert totals["m"] == ModelUsage(
        input_tokens=20,
        output_tokens=10,
        total_tokens=30,
        input_tokens_cache_read=2,
        reasoning_tokens=6,
        total_cost=0.25,
    )
    assert totals["n"] == ModelUsage(input_tokens=1)


def test_a_second_recovery_is_refused(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.eval"
    crashed_log(path)
    recovered = recover_eval_log(path)
    written = Path(recovered.location or "").read_bytes()
    with pytest.raises(RecoveryNotAvailable, match="recovered already"):
        recover_eval_log(path)
    with pytest.raises(RecoveryNotAvailable, match="status 'error'"):
        recover_eval_log(recovered.location or "")
    assert Path(recovered.location or "").read_bytes() == written


def test_overwrite_replaces_the_crashed_log_in_place(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.json"
    crashed_log(path, source=ARITH, keep=2)
    log = recover_eval_log(path, overwrite=True)
    assert log.location == str(path) and sorted(os.listdir(tmp_path)) == [path.name]
    assert read_eval_log(path).status == "error" and len(read_eval_log(path).samples or []) == 2
    with pytest.raises(RecoveryNotAvailable, match="status 'error'"):
        recover_eval_log(path, overwrite=True)


def test_overwrite_in_an_eval_set_with_a_successful_log_of_the_task_is_refused(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.eval"
    finished = crashed_log(path)
    write_eval_log(finished, tmp_path / "2026-11-28T07-00-00-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval")
    before = path.read_bytes()
    (tmp_path / ".eval-set-id").write_text("set")
    with pytest.raises(RecoveryNotAvailable, match="successful log of the same task"):
        recover_eval_log(path, overwrite=True)
    assert path.read_bytes() == before
    recover_eval_log(path)  # a new file beside it is fine
    (tmp_path / ".eval-set-id").unlink()  # not an eval set: nothing takes the newest log as the latest run
    assert recover_eval_log(path, overwrite=True).status == "error"


def test_what_cannot_be_recovered(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        recover_eval_log(tmp_path / "missing.eval")
    for name, content in [("foreign.eval", b"PK\x03\x04 not really"), ("foreign.json", b'{"hello": 1}')]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(LogFormatError):
            recover_eval_log(tmp_path / name)
    with pytest.raises(RecoveryNotAvailable, match="status 'success'"):
        recover_eval_log(MULTI, output=str(tmp_path / "out.eval"))
    assert sorted(os.listdir(tmp_path)) == ["foreign.eval", "foreign.json"]  # nothing written


def test_an_existing_output_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.eval"
    crashed_log(path)
    other = tmp_path / "other.json"
    other.write_text("keep me")
    with pytest.raises(LogExistsError):
        recover_eval_log(path, output=str(other))
    assert other.read_text() == "keep me"
    log = recover_eval_log(path, output=str(tmp_path / "elsewhere" / "out.json"))  # the format follows the suffix
    assert read_eval_log(tmp_path / "elsewhere" / "out.json").eval.run_id == log.eval.run_id


def test_a_log_that_changes_while_read_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its eval is still running: the in-place write would lose its newer samples."""
    path = tmp_path / f"{NAME}.eval"
    crashed_log(path, keep=2)
    real_read = _recover.read_eval_log

    def read_then_flush(location: str, header_only: bool = False) -> object:
        log = real_read(location, header_only=header_only)
        if not header_only:
            path.unlink()
            crashed_log(path, keep=3)  # the writer flushed once more meanwhile
            os.utime(path, (1, 1))
        return log

    monkeypatch.setattr(_recover, "read_eval_log", read_then_flush)
    with pytest.raises(LogError, match="still running"):
        recover_eval_log(path, overwrite=True)
    assert len(read_eval_log(path).samples or []) == 3


def test_incomplete_action_error_finalizes_a_log_holding_every_sample(tmp_path: Path) -> None:
    complete, partial = tmp_path / "complete.eval", tmp_path / "partial.eval"
    crashed_log(complete, keep=6)  # killed after its last flush, before it was finished
    crashed_log(partial, keep=5)
    assert recover_eval_log(complete, output=str(tmp_path / "c1.eval")).status == "error"  # "retry": always
    done = recover_eval_log(complete, output=str(tmp_path / "c2.eval"), incomplete_action="error")
    assert done.status == "success" and done.error is None
    assert read_eval_log(tmp_path / "c2.eval").status == "success"
    assert recover_eval_log(partial, incomplete_action="error", incomplete_max=0).status == "error"


def _leftover(folder: Path, name: str) -> Path:
    path = folder / f".tmp-ab_d3fgh-{name}"
    path.write_bytes(b"PK half a flush")
    return path


@pytest.mark.parametrize(
    ("cleanup", "keep", "removed"),
    [(True, 3, True), (False, 3, False), ("finalized", 3, False), ("finalized", 6, True)],
)
def test_cleanup_removes_what_a_writer_killed_mid_flush_left(
    tmp_path: Path, cleanup: bool | str, keep: int, removed: bool
) -> None:
    path = tmp_path / f"{NAME}.eval"
    crashed_log(path, keep=keep)
    mine = _leftover(tmp_path, path.name)
    other = _leftover(tmp_path, "2026-11-28T06-09-37-00-00_other_x.eval")
    recover_eval_log(path, cleanup=cleanup, incomplete_action="error")  # type: ignore[arg-type]
    assert mine.exists() is not removed
    assert other.exists()


def test_no_events_leaves_the_transcripts_out(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.eval"
    finished = crashed_log(path)
    log = recover_eval_log(path, no_events=True)
    back = read_eval_log(log.location or "")
    assert all(s.events == [] and s.events_data is None for s in back.samples or [])
    assert [s.messages for s in back.samples or []] == [s.messages for s in (finished.samples or [])[:3]]


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{NAME}.eval"
    crashed_log(path)
    for kwargs in [
        {"incomplete_max": -1},
        {"incomplete_action": "skip"},
        {"cleanup": "always"},
        {"output": str(tmp_path / "x.eval"), "overwrite": True},
    ]:
        with pytest.raises(ValueError) as raised:
            recover_eval_log(path, **kwargs)  # type: ignore[arg-type]
        assert isinstance(raised.value, BadArgumentError)
    assert sorted(os.listdir(tmp_path)) == [path.name]
    recover_eval_log(path, incomplete_max=2)
    assert "no effect" in capsys.readouterr().err


def test_recoverable_logs_are_exactly_the_started_ones_not_yet_recovered(tmp_path: Path) -> None:
    crashed_log(tmp_path / f"{NAME}.eval", keep=2)
    crashed_log(tmp_path / "sub" / "2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json", ARITH, keep=1)
    done = tmp_path / "2026-11-28T06-00-00-00-00_arith_AAAAAAAAAAAAAAAAAAAAAA.eval"
    crashed_log(done)
    recover_eval_log(done)
    write_eval_log(read_eval_log(MULTI), tmp_path / "2026-11-28T05-00-00-00-00_arith-multi_B.eval")
    (tmp_path / "2026-11-28T04-00-00-00-00_broken_C.eval").write_bytes(b"PK\x03\x04 broken")
    found = recoverable_eval_logs(str(tmp_path))
    by_name = {Path(r.log.name).name: r for r in found}
    assert sorted(by_name) == sorted([f"{NAME}.eval", "2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"])
    multi = by_name[f"{NAME}.eval"]
    assert (multi.flushed_samples, multi.total_samples, multi.completed_samples, multi.in_progress_samples) == (
        2,
        6,
        0,
        0,
    )
    assert multi.source == "log" and multi.log.task == "arith-multi"
    assert by_name["2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"].flushed_samples == 1
    assert recoverable_eval_logs(str(tmp_path / "empty")) == []


def test_default_output_path() -> None:
    assert _recover.default_output_path("logs/a.eval") == "logs/a-recovered.eval"
    assert _recover.default_output_path("s3://b/logs/a.json") == "s3://b/logs/a-recovered.json"


def test_recovery_on_s3(tmp_path: Path, s3: str) -> None:
    from inspect_cli import storage

    local = tmp_path / f"{NAME}.eval"
    crashed_log(local, keep=2)
    location = f"{s3}/logs/{NAME}.eval"
    storage.write_bytes(location, local.read_bytes())
    assert [Path(r.log.name).name for r in recoverable_eval_logs(f"{s3}/logs")] == [f"{NAME}.eval"]
    log = recover_eval_log(location)
    assert log.location == f"{s3}/logs/{NAME}-recovered.eval" and log.etag is not None
    assert read_eval_log(log.location).status == "error"
    with pytest.raises(RecoveryNotAvailable):
        recover_eval_log(location)
    assert recoverable_eval_logs(f"{s3}/logs") == []
    assert recover_eval_log(location, overwrite=True).location == location
    assert read_eval_log(location).status == "error"
