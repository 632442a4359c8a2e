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
    """(task, task_id) from a file name that starts with a creation time, as
    Inspect 0.3.285 reads them from the `_`-separated parts after the time:
    `<created>_<task>` gives no id, `<created>_<task>_<id>` the id, and a name
    with more parts its third part after the time (observed, kept as is).
    None for other names: their header tells."""
    stem = os.path.splitext(name.rsplit("/", 1)[-1])[0]
    parts = stem.split("_")
    if len(parts) < 2 or not _CREATED.match(parts[0]):
        return None
    if len(parts) == 2:
        return parts[1], ""
    return parts[1], parts[2] if len(parts) == 3 else parts[3]
