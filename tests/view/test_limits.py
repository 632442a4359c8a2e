"""What clients can hold of the viewer: idle connections time out and cost no
thread, blocking work runs on a bounded number of threads, byte ranges are
streamed, and numbers out of range are refused with 400."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from inspect_cli.view import ViewServer

from support.view_helpers import KeptAlive, ViewDir, raw_get

SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
LOG = urllib.parse.quote(SUCCESS_EVAL, safe="")


def address(server: ViewServer) -> tuple[str, int]:
    host, port = server.url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    return host, int(port)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes `sock` within `seconds` (what it sends first is read and dropped)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def test_hundreds_of_idle_connections_hold_no_thread_and_do_not_delay_a_request(view_dir: ViewDir) -> None:
    with ViewServer(view_dir.root, port=0) as server:
        threads_before = threading.active_count()
        idle = [socket.create_connection(address(server), timeout=10) for _ in range(300)]
        try:
            for sock in idle[:20]:  # some send half a request line, and then nothing
                sock.sendall(b"GET /api/logs HTTP/1.1\r\nHo")
            time.sleep(0.2)
            started = time.monotonic()
            status, _, body = raw_get(server.url, "/api/logs")
            assert status == 200 and json.loads(body)["files"]
            assert time.monotonic() - started < 2.0
            assert threading.active_count() < threads_before + 20  # not one thread per connection
            assert not any(closed_within(sock, 0.01) for sock in idle[::30])  # still held, and harmless
        finally:
            for sock in idle:
                sock.close()


def test_idle_connections_are_closed_after_the_idle_timeout(view_dir: ViewDir) -> None:
    with ViewServer(view_dir.root, port=0, idle_timeout=1.0) as server:
        started = time.monotonic()
        silent = [socket.create_connection(address(server)) for _ in range(50)]
        partial = [socket.create_connection(address(server)) for _ in range(5)]
        for sock in partial:  # slowloris: a request that never ends
            sock.sendall(b"GET /api/logs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        answered = socket.create_connection(address(server))  # kept alive after one answer
        answered.sendall(b"GET /api/log-size/" + LOG.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            assert not closed_within(silent[0], 0.5)  # not at once
            for sock in [*silent, *partial, answered]:
                assert closed_within(sock, 5.0)
            assert time.monotonic() - started < 6.0
            assert raw_get(server.url, "/api/logs")[0] == 200  # and the server still answers
        finally:
            for sock in [*silent, *partial, answered]:
                sock.close()


def test_blocking_work_runs_on_a_bounded_number_of_threads(view_dir: ViewDir) -> None:
    with ViewServer(view_dir.root, port=0, workers=3, max_requests=6) as server:
        lock = threading.Lock()
        running = [0, 0]  # now, most at once
        size = server.api.log_size

        def slow_size(name: str) -> int:
            with lock:
                running[0] += 1
                running[1] = max(running)
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return size(name)

        server.api.log_size = slow_size  # type: ignore[method-assign]  # counts the threads at work
        statuses: list[int] = []

        def client() -> None:
            kept = KeptAlive(server.url)
            for _ in range(5):
                statuses.append(kept.get(f"/api/log-size/{LOG}")[0])
            kept.close()

        clients = [threading.Thread(target=client) for _ in range(20)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    assert statuses == [200] * 100
    assert running[1] == 3


def test_a_large_byte_range_is_streamed_with_its_length(view_dir: ViewDir) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    (view_dir.root / "large.eval").write_bytes(data)  # served as bytes: it need not be a log
    with ViewServer(view_dir.root, port=0) as server:
        status, headers, body = raw_get(server.url, "/api/log-bytes/large.eval?start=1000&end=1000000000000000000")
        assert status == 200 and body == data[1000:]
        assert headers["content-length"] == str(len(data) - 1000) and "transfer-encoding" not in headers
        status, _, body = raw_get(server.url, "/api/log-bytes/large.eval?start=262143&end=524289")
        assert status == 200 and body == data[262143:524290]


def test_a_log_that_fails_half_way_is_cut_off_not_completed(
    view_dir: ViewDir, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once a streamed log has started, an error can only cut the connection:
    the client sees an incomplete body, never a complete but truncated one."""
    import http.client

    from inspect_cli.errors import LogFormatError

    with ViewServer(view_dir.root, port=0) as server:

        def fails_half_way(name: str, write: object, header_only_mb: float | None = None) -> None:
            assert callable(write)
            write(b"[" + b" " * 200_000)
            raise LogFormatError("damaged half way")

        server.api.log = fails_half_way  # type: ignore[method-assign]  # a log damaged after its first 64 KB
        connection = http.client.HTTPConnection(*address(server), timeout=10)
        connection.request("GET", f"/api/logs/{LOG}")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        connection.close()
        assert raw_get(server.url, "/api/logs")[0] == 200
    assert capsys.readouterr().err == ""  # the log's fault: nothing to report


BAD_VALUES = [
    f"/api/log-bytes/{LOG}?start=0&end=1e18",
    f"/api/log-bytes/{LOG}?start=0&end=inf",
    f"/api/log-bytes/{LOG}?start=0&end=nan",
    f"/api/log-bytes/{LOG}?start=0&end=1.5",
    f"/api/log-bytes/{LOG}?start=0&end=0x10",
    f"/api/log-bytes/{LOG}?start=0&end=" + "9" * 5000,
    f"/api/log-bytes/{LOG}?start=-1&end=10",
    f"/api/log-bytes/{LOG}?start=1e3&end=2000",
    f"/api/log-bytes/{LOG}?start=100000000&end=100000010",  # starts past the end of the file
    f"/api/log-bytes/{LOG}?start=&end=10",
    f"/api/log-sample/{LOG}?id=q01&epoch=inf",
    f"/api/log-sample/{LOG}?id=q01&epoch=nan",
    f"/api/log-sample/{LOG}?id=q01&epoch=0",
    f"/api/log-sample/{LOG}?id=q01&epoch=-1",
    f"/api/log-sample/{LOG}?id=q01&epoch=1.0",
    f"/api/log-sample/{LOG}?id=q01&epoch=1e0",
    "/api/events?last_eval_time=inf",
    "/api/events?last_eval_time=-inf",
    "/api/events?last_eval_time=nan",
    "/api/events?last_eval_time=-1",
    "/api/events?last_eval_time=soon",
    f"/api/logs/{LOG}?header-only=inf",
    f"/api/logs/{LOG}?header-only=nan",
    f"/api/logs/{LOG}?header-only=-1",
]


@pytest.mark.parametrize("path", BAD_VALUES)
def test_numbers_out_of_range_are_a_400_with_a_json_error(view_dir: ViewDir, path: str) -> None:
    with ViewServer(view_dir.root, port=0) as server:
        status, headers, body = raw_get(server.url, path)
    assert status == 400 and headers["content-type"] == "application/json", (status, body[:200])
    assert json.loads(body)["error"]


def test_numbers_in_range_are_answered(view_dir: ViewDir) -> None:
    data = (view_dir.root / SUCCESS_EVAL).read_bytes()
    with ViewServer(view_dir.root, port=0) as server:
        status, _, body = raw_get(server.url, f"/api/log-bytes/{LOG}?start=0&end=1000000000000000000")
        assert status == 200 and body == data  # an end past the file is clamped to it
        status, _, body = raw_get(server.url, f"/api/log-bytes/{LOG}?start={len(data) - 1}&end={len(data) - 1}")
        assert status == 200 and body == data[-1:]
        assert raw_get(server.url, f"/api/log-sample/{LOG}?id=q01&epoch=1")[0] == 200
        assert raw_get(server.url, "/api/events?last_eval_time=1764310000000.5")[0] == 200
        assert raw_get(server.url, f"/api/logs/{LOG}?header-only=0.5")[0] == 200


def test_a_byte_range_past_the_end_of_the_file_is_refused(view_dir: ViewDir, tmp_path: Path) -> None:
    from inspect_cli.view import ViewApi

    api = ViewApi(view_dir.root)
    size = (view_dir.root / SUCCESS_EVAL).stat().st_size
    with pytest.raises(ValueError, match="bad byte range"):
        api.log_bytes(SUCCESS_EVAL, size, size + 10)
    assert api.log_bytes(SUCCESS_EVAL, size - 1, size + 10) == (view_dir.root / SUCCESS_EVAL).read_bytes()[-1:]
