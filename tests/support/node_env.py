"""Node packages for tests (TypeScript's compiler, a JSON5 parser), installed
from the npm registry into .cache/node (git-ignored) and reused across runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / ".cache" / "node"
PACKAGES = ["typescript@5.9.3", "json5@2.2.3", "@types/node@20"]


def node_modules() -> Path:
    """The node_modules folder holding PACKAGES (installed on first use)."""
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed for the TypeScript tests (apt-get install nodejs npm)")
    marker = NODE_DIR / ".installed"
    if not marker.exists() or marker.read_text() != " ".join(PACKAGES):
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(NODE_DIR), *PACKAGES],
            check=True,
        )
        marker.write_text(" ".join(PACKAGES))
    return NODE_DIR / "node_modules"


def tsc() -> list[str]:
    return ["node", str(node_modules() / "typescript" / "bin" / "tsc")]
