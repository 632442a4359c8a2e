"""Helpers for the viewer tests. A log dir for the viewer: real Inspect logs plus the things a viewer must
refuse to serve (a secret beside the logs, a hidden folder, symlinks out)."""

from __future__ import annotations

import http.client
import os
import shutil
from pathlib import Path
from typing import NamedTuple

SECRET = "TOP-SECRET-CONTENT"


class ViewDir(NamedTuple):
    root: Path  # the log dir
    outside: Path  # a log outside it (symlinked from inside)
    logs: list[str]  # the log files inside, relative to root


def make_view_dir(fixture_root: Path, tmp_path: Path) -> ViewDir:
    root = tmp_path / "logs"
    shutil.copytree(fixture_root / "v0.3.285" / "logs", root)
    (root / "broken.eval").write_bytes(b"PK\x03\x04 not really a zip")
    (root / ".env").write_text(f"OPENAI_API_KEY={SECRET}\n")
    (root / "notes.txt").write_text(SECRET)
    (root / "results.json").write_text(f'{{"secret": "{SECRET}"}}')  # JSON beside the logs, not a log
    hidden = root / ".hidden"
    hidden.mkdir()
    shutil.copy(next(root.glob("*.json")), hidden / "secret.json")
    outside = tmp_path / "elsewhere" / "outside.eval"
    outside.parent.mkdir()
    shutil.copy(next(root.glob("*.eval")), outside)
    (tmp_path / "elsewhere" / "passwd.json").write_text(f'{{"secret": "{SECRET}"}}')
    os.symlink(outside, root / "link-out.eval")
    os.symlink(tmp_path / "elsewhere", root / "dir-out")
    os.symlink(root / "broken.eval", root / "link-in.eval")
    logs = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.suffix in (".eval", ".json") and not p.name.startswith(".") and ".hidden" not in p.parts
        and p.name != "results.json"
        and "dir-out" not in p.parts and p.name != "link-out.eval"
    )  # fmt: skip
    return ViewDir(root, outside, logs)


def raw_get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET `path` exactly as written (no client-side normalisation of `..`)."""
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", (headers or {}).pop("Host", f"{host}:{port}"))
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def write_secret_log(source: Path, target: Path) -> bytes:
    """A copy of the log `source` at `target` with SECRET in its header (run id)
    and in every sample and summary (the input): a log a viewer must never
    serve. Returns its bytes."""
    from inspect_cli.log import read_eval_log, write_eval_log

    log = read_eval_log(source)
    log.eval.run_id = SECRET
    for sample in log.samples or []:
        sample.input = f"{SECRET} {sample.id}"
    write_eval_log(log, target)
    return target.read_bytes()


class KeptAlive:
    """GETs on one kept-alive connection (reopened if the server closes it)."""

    def __init__(self, url: str) -> None:
        host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
