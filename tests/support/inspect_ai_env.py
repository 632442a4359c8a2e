"""A throwaway virtual environment holding the real inspect-ai, for compatibility tests.

Kept in .cache/ (git-ignored) and reused across runs; INSPECT_AI_PYTHON names
an existing interpreter to use instead. Its `inspect` command is never put on
PATH: it would shadow ours.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INSPECT_AI_VERSION = "0.3.285"
ROOT = Path(__file__).resolve().parents[2]


def inspect_ai_python() -> Path:
    configured = os.environ.get("INSPECT_AI_PYTHON")
    if configured:
        return Path(configured)
    venv = ROOT / ".cache" / f"inspect-ai-{INSPECT_AI_VERSION}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"inspect-ai=={INSPECT_AI_VERSION}",
            ],
            check=True,
        )
        marker.touch()
    return python
