"""Logs as a killed eval leaves them, made without running one: our writer
(`LogFile`) started and flushed, never finished."""

from __future__ import annotations

from pathlib import Path

import msgspec

from inspect_cli.log import EvalLog, EvalStats, read_eval_log
from inspect_cli.log._file import log_format

from support.helpers import FIXTURES

# A finished run of 3 samples x 2 epochs (.eval) and one of 4 samples (.json), both by Inspect 0.3.285.
MULTI = FIXTURES / "v0.3.285/logs/more/2026-11-28T06-09-37-00-00_arith-multi_bvkpT4wn77vNpQR8boQ2Wv.eval"
ARITH = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-21-00-00_arith_6XCZyJXKWhKqVUpWUTdKhB.json"


def crashed_log(path: Path, source: Path = MULTI, keep: int = 3) -> EvalLog:
    """Write at `path` (its suffix picks the format) the log of `source`'s run
    as its writer leaves it when killed after flushing the first `keep`
    samples; returns the finished run it was made from."""
    finished = read_eval_log(source)
    started = msgspec.structs.replace(
        finished, status="started", samples=None, results=None, reductions=None, error=None, stats=EvalStats()
    )
    writer = log_format(str(path)).log_file(str(path))
    writer.start(started)
    writer.flush((finished.samples or [])[:keep])
    return finished
