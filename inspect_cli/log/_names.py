"""Log file names: `<created>_<task>_<task id>.<ext>`, as current Inspect names them.

The created time keeps 1-second resolution with ':' and '+' made '-'
(`2026-11-28T06:09:18+00:00` -> `2026-11-28T06-09-18-00-00`); in the task
name, '_' and any other character outside [A-Za-z0-9.-] become '-'
(`arith_flaky` -> `arith-flaky`). Listings read task and task id back from
the name.
"""

from __future__ import annotations

import os
import re

_CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}[-:]\d{2}[-:]\d{2}")
_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")
_FRACTION = re.compile(r"\.\d+")


def log_file_name(created: str, task: str, task_id: str, format: str = "eval") -> str:
    """The file name Inspect gives a log of this task run."""
    stamp = _FRACTION.sub("", created).replace(":", "-").replace("+", "-")
    return f"{stamp}_{_UNSAFE.sub('-', task)}_{task_id}.{format}"


def parse_log_name(name: str) -> tuple[str, str] | None:
    """(task, task_id) from a file name that follows Inspect's naming, else None."""
    stem = os.path.splitext(name.rsplit("/", 1)[-1])[0]
    parts = stem.split("_")
    if len(parts) < 3 or not _CREATED.match(parts[0]) or not parts[-1]:
        return None
    return "_".join(parts[1:-1]), parts[-1]
