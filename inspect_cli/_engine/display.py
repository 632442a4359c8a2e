"""What an eval shows while it runs and when it ends.

`full`: a live progress bar per running task (on a terminal; otherwise as
`plain`), the bars of tasks running at once together in one live display.
`plain`: a line per task as it starts, at each tenth of its samples, and as
it ends. `none`: nothing while running. Progress goes to stderr; at the end, each
task's outcome (see `outcome`: a panel in `full` mode when stdout is a
terminal and NO_COLOR is unset, else plain lines) and the log locations go
to stdout.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from .. import _secrets, settings
from ..errors import UsageError
from ..log._types import EvalLog
from .outcome import number
from .outcome import shown_location as shown_location  # (eval_set shows locations alike)

MODES = ("full", "plain", "none")


class Display:
    @staticmethod
    def check(mode: str | None) -> None:
        if mode is not None and mode not in MODES:
            raise UsageError(f"display must be {', '.join(MODES)}, not {mode!r}")

    def __init__(self, mode: str | None) -> None:
        self.check(mode)
        mode = mode or "full"
        if mode == "full" and not sys.stderr.isatty():
            mode = "plain"
        self.mode = mode
        self._live: Any = None  # the bars of the tasks running (mode full)
        self._bars = 0

    def _add_bar(self, description: str, total: int) -> tuple[Any, Any]:
        if self._live is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._live = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[info]}"),
                transient=True,
            )
            self._live.start()
        self._bars += 1
        return self._live, self._live.add_task(description, total=total, info="")

    def _remove_bar(self, bar: Any) -> None:
        self._live.remove_task(bar)
        self._bars -= 1
        if self._bars == 0:
            self._live.stop()
            self._live = None

    def task(self, name: str, model: str, total: int) -> TaskProgress:
        return TaskProgress(self, name, model, total)

    def summary(self, logs: list[EvalLog]) -> None:
        """Each task's outcome (a panel on a terminal, else lines), then the
        logs' locations and, if any failed, the command that retries them."""
        if self.mode == "none":
            return
        from .outcome import panel, plain_lines, retry_command

        if self.mode == "full" and sys.stdout.isatty() and not settings.no_color():
            from rich.console import Console

            console = Console()
            for log in logs:
                console.print(panel(log))
        else:
            for log in logs:
                print("\n".join(plain_lines(log)))
        print()
        for log in logs:
            print(f"Log: {log.location}")
        retry = retry_command(logs)
        if retry is not None:
            print(f"Retry with: {_secrets.redact(retry)}")
        sys.stdout.flush()

    def set_summary(self, logs: list[EvalLog]) -> None:
        """An eval set's outcome: a table of its members, then their logs."""
        if self.mode == "none":
            return
        from .outcome import outcome

        rows = [("task", "model", "status", "samples", "score")]
        for log in logs:
            results = log.results
            samples = outcome(log).samples  # errored members: the samples they finished
            score = ""
            if results is not None and results.scores and results.scores[0].metrics:
                name, metric = next(iter(results.scores[0].metrics.items()))
                score = f"{name}={number(metric.value)}"
            rows.append((log.eval.task, log.eval.model, log.status, samples, score))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print(_secrets.redact("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()))
        print()
        for log in logs:
            print(f"Log: {shown_location(log.location or '')}")
        sys.stdout.flush()


class TaskProgress:
    """Progress of one task: samples done, errors, tokens, elapsed time."""

    def __init__(self, display: Display, name: str, model: str, total: int) -> None:
        self.display = display
        self.name, self.model, self.total = name, model, total
        self.done = self.errors = self.tokens = 0
        self.started = time.monotonic()
        self._next_line = 0
        self._live: Any = None
        if display.mode == "full":
            self._live, self._bar = display._add_bar(f"[bold]{name}[/bold] ({model})", total)
        elif display.mode == "plain":
            print(f"{name} ({model}): {total} samples", file=sys.stderr, flush=True)

    def sample_done(self, error: bool, tokens: int) -> None:
        self.done += 1
        self.errors += int(error)
        self.tokens += tokens
        if self._live is not None:
            self._live.update(self._bar, completed=self.done, info=self._info())
        elif self.display.mode == "plain" and (self.done >= self._next_line or self.done == self.total):
            self._next_line = self.done + max(1, self.total // 10)
            print(f"{self.name}: {self.done}/{self.total} samples, {self._info()}", file=sys.stderr, flush=True)

    def _info(self) -> str:
        elapsed = time.monotonic() - self.started
        return f"{self.errors} errors, {self.tokens:,} tokens, {elapsed:.1f}s"

    def close(self, status: str) -> None:
        if self._live is not None:
            self.display._remove_bar(self._bar)
        if self.display.mode != "none":
            print(
                f"{self.name}: {status} ({self.done}/{self.total} samples, {self._info()})", file=sys.stderr, flush=True
            )
