"""The viewer opens a log once and reads only what it opened: a symlink in the
log dir swapped between the check and the open can never make it serve a
file outside the log dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspect_cli import storage
from inspect_cli.errors import ForbiddenError, NotFoundError, StorageError
from inspect_cli.view import ViewServer

from support.view_helpers import SECRET, KeptAlive, ViewDir, raw_get, write_secret_log

SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
RACE_SECONDS = 5.0


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def endpoints(name: str) -> list[str]:
    """Every API path that reads the log `name`."""
    return [
        f"/api/logs/{q(name)}",
        f"/api/logs/{q(name)}?header-only=0",
        f"/api/log-headers?file={q(name)}",
        f"/api/log-size/{q(name)}",
        f"/api/log-bytes/{q(name)}?start=0&end=100000000",
        f"/api/log-summaries/{q(name)}",
        f"/api/log-sample/{q(name)}?id=q01&epoch=1",
    ]


def point(link: Path, target: Path) -> None:
    """Make `link` a symlink to `target`, atomically (the name never disappears)."""
    tmp = link.with_name(".tmp-" + link.name)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def refused(path: str, status: int, body: bytes) -> bool:
    """A refusal: 403, or (for log-headers) the log's place holding an error."""
    if SECRET.encode() in body:
        return False
    if path.startswith("/api/log-headers"):
        return status == 200 and set(json.loads(body)[0]) == {"read_error"}
    return status == 403 and "error" in json.loads(body)


@pytest.fixture
def swappable(view_dir: ViewDir, tmp_path: Path) -> Iterator[tuple[ViewDir, Path, bytes]]:
    """The view dir with `inner/race.eval` (a log inside) and, outside it,
    `secret/race.eval` (a log with SECRET in it); yields the secret folder
    and the secret log's bytes."""
    root = view_dir.root
    (root / "inner").mkdir()
    (root / "inner" / "race.eval").write_bytes((root / SUCCESS_EVAL).read_bytes())
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    secret = write_secret_log(root / SUCCESS_EVAL, secret_dir / "race.eval")
    assert len(secret) != (root / SUCCESS_EVAL).stat().st_size
    yield view_dir, secret_dir, secret


def test_a_log_swapped_for_a_symlink_after_the_check_is_refused(
    swappable: tuple[ViewDir, Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap made certain: the check (realpath) sees `swap.eval` and
    `swapdir` as a plain file and folder, as they were a moment before they
    became symlinks out. Every endpoint must refuse, none may read the secret."""
    view_dir, secret_dir, secret = swappable
    root = view_dir.root
    os.symlink(secret_dir / "race.eval", root / "swap.eval")
    os.symlink(secret_dir, root / "swapdir")
    realpath = os.path.realpath
    swapped = (str(root / "swap.eval"), str(root / "swapdir") + os.sep)

    def checked_before_the_swap(path: str | os.PathLike[str], *args: object, **kwargs: object) -> str:
        text = os.path.normpath(os.fspath(path))
        return text if text.startswith(swapped) else realpath(text)

    with ViewServer(root, port=0) as server:
        monkeypatch.setattr(os.path, "realpath", checked_before_the_swap)
        for name in ("swap.eval", "swapdir/race.eval"):
            for path in endpoints(name):
                status, _, body = raw_get(server.url, path)
                assert refused(path, status, body), (path, status, body[:300])
                assert body != secret and str(len(secret)).encode() != body


def test_open_confined_follows_links_inside_and_refuses_the_rest(swappable: tuple[ViewDir, Path, bytes]) -> None:
    view_dir, secret_dir, _ = swappable
    root = str(view_dir.root)
    with storage.open_confined(root, "link-in.eval", "link-in.eval") as f:  # a symlink to broken.eval
        assert f.read() == (view_dir.root / "broken.eval").read_bytes()
    with storage.open_confined(root, os.path.join(root, "inner", "race.eval"), "x") as f:
        assert f.read(4) == b"PK\x03\x04"
    for outside in ("link-out.eval", "dir-out/passwd.json", "../elsewhere/outside.eval", str(secret_dir / "race.eval")):
        with pytest.raises(ForbiddenError):
            storage.open_confined(root, outside, outside)
    with pytest.raises(NotFoundError, match="missing.eval: no such file"):
        storage.open_confined(root, "missing.eval", "missing.eval")
    with pytest.raises(StorageError, match="not a regular file"):
        storage.open_confined(root, "inner", "inner")
    os.mkfifo(view_dir.root / "fifo.eval")  # would block a plain open
    with pytest.raises(StorageError, match="not a regular file"):
        storage.open_confined(root, "fifo.eval", "fifo.eval")


_FLIPPER = """
import os, sys, time
deadline = time.monotonic() + float(sys.argv[1])
links = [sys.argv[i:i + 3] for i in range(2, len(sys.argv), 3)]
flips = 0
while time.monotonic() < deadline:
    for link, inside, outside in links:
        for target in (outside, inside):
            tmp = os.path.join(os.path.dirname(link), ".tmp-" + os.path.basename(link))
            os.symlink(target, tmp)
            os.replace(tmp, link)
            flips += 1
    time.sleep(0.0002)
print(flips)
"""


def test_symlinks_flipped_while_requests_run_never_serve_a_byte_from_outside(
    swappable: tuple[ViewDir, Path, bytes],
) -> None:
    """For several seconds a process flips `race.eval` between a log inside and
    the secret log outside, and `racedir` between a folder inside and the
    secret folder, while threads request every endpoint for both. Each answer
    must be the inside log's (the same as when nothing flips) or a refusal."""
    view_dir, secret_dir, secret = swappable
    root = view_dir.root
    links = [
        (root / "race.eval", root / "inner" / "race.eval", secret_dir / "race.eval"),
        (root / "racedir", root / "inner", secret_dir),
    ]
    paths = [path for name in ("race.eval", "racedir/race.eval") for path in endpoints(name)]
    with ViewServer(root, port=0) as server:
        for link, _, outside in links:  # pointing out: refused
            point(link, outside)
        client = KeptAlive(server.url)
        for path in paths:
            assert refused(path, *client.get(path)), path
        for link, inside, _ in links:  # pointing in: the answers every request must give
            point(link, inside)
        expected = {path: client.get(path) for path in paths}
        assert all(status == 200 for status, _ in expected.values()), expected
        client.close()

        counts = {"inside": 0, "refused": 0}
        leaks: list[tuple[str, int, bytes]] = []
        others: list[tuple[str, int, bytes]] = []
        lock = threading.Lock()
        flipper = subprocess.Popen(
            [sys.executable, "-c", _FLIPPER, str(RACE_SECONDS), *(str(p) for link in links for p in link)],
            stdout=subprocess.PIPE,
            text=True,
        )

        def hammer(offset: int) -> None:
            client = KeptAlive(server.url)
            i = offset
            try:
                while flipper.poll() is None:
                    path = paths[i % len(paths)]
                    i += 1
                    status, body = client.get(path)
                    with lock:
                        if (status, body) == expected[path]:
                            counts["inside"] += 1
                        elif refused(path, status, body):
                            counts["refused"] += 1
                        elif SECRET.encode() in body or secret[:100] in body or body == str(len(secret)).encode():
                            leaks.append((path, status, body[:200]))
                        else:
                            others.append((path, status, body[:200]))
            finally:
                client.close()

        threads = [threading.Thread(target=hammer, args=(n * 5,)) for n in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=RACE_SECONDS + 60)
        flips = int(flipper.communicate(timeout=30)[0])
        took = time.monotonic() - started

    requests = counts["inside"] + counts["refused"] + len(leaks) + len(others)
    print(f"race: {requests} requests, {flips} flips in {took:.1f} s: {counts}, {len(leaks)} leaks")
    assert leaks == [], f"{len(leaks)} of {requests} requests served the secret: {leaks[:3]}"
    assert others == [], others[:3]
    assert requests >= 1000 and flips >= 1000
    assert counts["inside"] > 0 and counts["refused"] > 0  # both sides of the flip were seen
