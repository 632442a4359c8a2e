"""The viewer's HTTP server: routes, status codes, confinement to the log dir,
the authorization token, and S3 log dirs."""

from __future__ import annotations

import io
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from inspect_cli.log import read_eval_log, write_eval_log
from inspect_cli.log._dump import dump_eval_log
from inspect_cli.view import ViewServer

from support.helpers import load_json
from support.view_helpers import SECRET, ViewDir, raw_get

SUCCESS_EVAL = "2026-11-28T06-09-18-00-00_arith_iFuLDY63AF3YxkTTDvdb5N.eval"
SUCCESS_JSON = "more/2026-11-28T06-09-47-00-00_arith-extremes_M2YXeAEUb3umeeXsc45thT.json"


@pytest.fixture
def server(view_dir: ViewDir) -> Iterator[ViewServer]:
    with ViewServer(view_dir.root, port=0) as server:
        yield server


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def get_json(server: ViewServer, path: str) -> object:
    status, headers, body = raw_get(server.url, path)
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    return load_json(body)


def test_the_api_serves_listing_headers_logs_sizes_bytes_and_events(server: ViewServer, view_dir: ViewDir) -> None:
    listing = get_json(server, "/api/logs")
    assert len(listing["files"]) == len(view_dir.logs)
    full_name = next(f["name"] for f in listing["files"] if f["name"].endswith(SUCCESS_EVAL))
    headers = get_json(server, f"/api/log-headers?file={q(SUCCESS_JSON)}&file={q(full_name)}")
    assert [h["eval"]["task"] for h in headers] == ["arith_extremes", "arith"]
    expected = io.BytesIO()
    dump_eval_log(view_dir.root / SUCCESS_EVAL, expected.write)
    for name in (SUCCESS_EVAL, full_name):
        assert raw_get(server.url, f"/api/logs/{q(name)}")[2] == expected.getvalue()
    header = get_json(server, f"/api/logs/{q(SUCCESS_EVAL)}?header-only=0")
    assert "samples" not in header and header["status"] == "success"
    data = (view_dir.root / SUCCESS_EVAL).read_bytes()
    assert get_json(server, f"/api/log-size/{q(SUCCESS_EVAL)}") == len(data)
    status, response_headers, body = raw_get(server.url, f"/api/log-bytes/{q(SUCCESS_EVAL)}?start=10&end=99")
    assert status == 200 and body == data[10:100] and response_headers["content-type"] == "application/octet-stream"
    assert get_json(server, "/api/events?last_eval_time=0") == ["refresh-evals"]
    assert get_json(server, "/api/events?last_eval_time=4102444800000") == []
    summaries = get_json(server, f"/api/log-summaries/{q(SUCCESS_EVAL)}")
    assert [s["id"] for s in summaries] == ["q01", "q02", "q03", "q04"]
    sample = get_json(server, f"/api/log-sample/{q(SUCCESS_EVAL)}?id=q02&epoch=1")
    assert sample["id"] == "q02" and sample["messages"][0]["content"] == "What is 7*6?"


def test_non_finite_numbers_are_served_as_inspect_writes_them(server: ViewServer) -> None:
    body = raw_get(server.url, f"/api/logs/{q(SUCCESS_JSON)}?header-only=0")[2]
    assert b"NaN" in body and b"Infinity" in body
    header = load_json(body)
    metrics = {s["name"]: s["metrics"] for s in header["results"]["scores"]}
    assert metrics["positive_inf_score"]["mean"]["value"] == float("inf")


ESCAPES = [
    "/api/logs/../../elsewhere/outside.eval",
    "/api/logs/..%2F..%2Felsewhere%2Foutside.eval",
    "/api/logs/%2e%2e%2felsewhere%2foutside.eval",
    "/api/logs/%252e%252e%252felsewhere%252foutside.eval",
    "/api/logs/..%5c..%5celsewhere%5coutside.eval",
    "/api/logs/%2Fetc%2Fpasswd",
    "/api/logs/file%3A%2F%2F%2Fetc%2Fpasswd",
    "/api/logs/link-out.eval",
    "/api/logs/dir-out%2Fpasswd.json",
    "/api/logs/dir-out/passwd.json",
    "/api/logs/.env",
    "/api/logs/notes.txt",
    "/api/logs/results.json",
    "/api/logs/.hidden%2Fsecret.json",
    "/api/logs/broken.eval%00.txt",
    "/api/log-bytes/..%2F..%2Felsewhere%2Fpasswd.json?start=0&end=1000",
    "/api/log-bytes/notes.txt?start=0&end=1000",
    "/api/log-size/.env",
    "/api/log-summaries/link-out.eval",
    "/api/log-sample/dir-out%2Foutside.eval?id=q01&epoch=1",
    "/static/..%2F_server.py",
    "/static/../_server.py",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_requests_cannot_reach_outside_the_log_dir(server: ViewServer, path: str) -> None:
    status, headers, body = raw_get(server.url, path)
    assert status in (403, 404), (status, body)
    assert headers["content-type"] == "application/json"
    assert SECRET.encode() not in body and b"PK\x03\x04" not in body and b"root:" not in body
    assert "error" in json.loads(body)


def test_headers_of_names_outside_come_back_as_errors_not_content(server: ViewServer) -> None:
    names = ["../elsewhere/outside.eval", "link-out.eval", ".env", "/etc/passwd"]
    headers = get_json(server, "/api/log-headers?" + "&".join(f"file={q(n)}" for n in names))
    assert len(headers) == 4 and all(set(h) == {"read_error"} for h in headers)


def test_the_page_and_its_files_are_served(server: ViewServer) -> None:
    status, headers, body = raw_get(server.url, "/")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"/static/app.js" in body
    assert headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'; connect-src 'self'")
    assert headers["x-content-type-options"] == "nosniff"
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css"), ("icon.svg", "image/svg+xml")):
        status, headers, _ = raw_get(server.url, f"/static/{name}")
        assert status == 200 and headers["content-type"].startswith(kind)
    assert raw_get(server.url, "/static/missing.js")[0] == 404


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/nothing", 404, "no such API"),
        ("/api/log-bytes/" + q(SUCCESS_EVAL) + "?start=a&end=2", 400, "must be a number"),
        ("/api/log-bytes/" + q(SUCCESS_EVAL) + "?start=0", 400, "missing parameter 'end'"),
        ("/api/log-bytes/" + q(SUCCESS_EVAL) + "?start=9&end=2", 400, "bad byte range"),
        ("/api/logs/" + q(SUCCESS_EVAL) + "?header-only=lots", 400, "header-only"),
        ("/api/log-sample/" + q(SUCCESS_EVAL) + "?id=q99&epoch=1", 404, "no sample with id"),
        ("/api/logs/missing.eval", 404, "no such file"),
        ("/api/logs/broken.eval", 500, "broken.eval"),
        ("/api/log-summaries/broken.eval", 500, "broken.eval"),
    ],
)
def test_errors_are_json_with_a_status(server: ViewServer, path: str, status: int, message: str) -> None:
    got, headers, body = raw_get(server.url, path)
    assert got == status and headers["content-type"] == "application/json"
    assert message in json.loads(body)["error"]


def test_a_big_log_is_streamed(server: ViewServer, view_dir: ViewDir) -> None:
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    base = (log.samples or [])[0]
    log.samples = [msgspec.structs.replace(base, id=f"s{i:04d}") for i in range(400)]
    log.eval.run_id = "big-run"
    write_eval_log(log, view_dir.root / "big.eval")
    status, headers, body = raw_get(server.url, "/api/logs/big.eval")
    assert status == 200 and headers.get("transfer-encoding") == "chunked" and "content-length" not in headers
    expected = io.BytesIO()
    dump_eval_log(view_dir.root / "big.eval", expected.write)
    assert len(body) > 64 * 1024 and body == expected.getvalue()


def test_the_token_guards_the_api_but_not_the_page(view_dir: ViewDir, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_VIEW_AUTHORIZATION_TOKEN", "s3cret-token")
    with ViewServer(view_dir.root, port=0) as server:
        assert raw_get(server.url, "/")[0] == 200
        for headers in ({}, {"Authorization": "wrong"}, {"Authorization": "Bearer wrong"}):
            status, _, body = raw_get(server.url, "/api/logs", headers)
            assert status == 401 and b"files" not in body
        assert raw_get(server.url, f"/api/logs/{q(SUCCESS_EVAL)}")[0] == 401
        for value in ("s3cret-token", "Bearer s3cret-token"):
            assert raw_get(server.url, "/api/logs", {"Authorization": value})[0] == 200


def test_a_page_on_another_host_name_is_refused(server: ViewServer) -> None:
    # DNS rebinding: evil.example resolving to 127.0.0.1 must not read the logs.
    port = server.url.rstrip("/").rsplit(":", 1)[1]
    status, _, body = raw_get(server.url, "/api/logs", {"Host": f"evil.example:{port}"})
    assert status == 403 and b"files" not in body
    assert raw_get(server.url, "/api/logs", {"Host": f"localhost:{port}"})[0] == 200


def test_a_busy_port_is_a_clear_error(server: ViewServer) -> None:
    from inspect_cli.errors import InspectCliError

    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    with pytest.raises(InspectCliError, match=f"cannot listen on 127.0.0.1:{port}.*--port"):
        ViewServer(port=port)


def test_an_s3_log_dir_is_served_and_confined(s3: str, view_dir: ViewDir, tmp_path: Path) -> None:
    log = read_eval_log(view_dir.root / SUCCESS_EVAL)
    write_eval_log(log, f"{s3}/evals/{SUCCESS_EVAL}")
    write_eval_log(log, f"{s3}/other/outside.eval")
    with ViewServer(f"{s3}/evals", port=0) as server:
        listing = get_json(server, "/api/logs")
        assert listing["log_dir"] == f"{s3}/evals"
        assert [f["name"] for f in listing["files"]] == [f"{s3}/evals/{SUCCESS_EVAL}"]
        [header] = get_json(server, f"/api/log-headers?file={q(listing['files'][0]['name'])}")
        assert header["eval"]["run_id"] == log.eval.run_id
        assert get_json(server, f"/api/logs/{q(SUCCESS_EVAL)}")["samples"][0]["id"] == "q01"
        assert get_json(server, f"/api/log-summaries/{q(SUCCESS_EVAL)}")[0]["id"] == "q01"
        for name in ("../other/outside.eval", f"{s3}/other/outside.eval", f"{s3}/evals/../other/outside.eval"):
            assert raw_get(server.url, f"/api/logs/{q(name)}")[0] == 403
        # A log added by someone else shows in the next listing (no stale cache).
        write_eval_log(log, f"{s3}/evals/sub/second.eval")
        assert len(get_json(server, "/api/logs")["files"]) == 2


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_serving_beyond_loopback_needs_a_token_or_an_explicit_choice(host: str, loopback: bool) -> None:
    from inspect_cli.errors import InspectCliError
    from inspect_cli.view._server import check_exposure, is_loopback

    assert is_loopback(host) == loopback
    check_exposure(host, "token", False)
    check_exposure(host, None, True)
    if loopback:
        check_exposure(host, None, False)
    else:
        with pytest.raises(InspectCliError, match="INSPECT_VIEW_AUTHORIZATION_TOKEN.*--unsafe-allow-unauthenticated"):
            check_exposure(host, None, False)


def test_a_trusted_host_name_is_answered(view_dir: ViewDir) -> None:
    with ViewServer(view_dir.root, port=0, trusted_hosts=["Tunnel.example:8080"]) as server:
        assert raw_get(server.url, "/api/logs", {"Host": "tunnel.example:8080"})[0] == 200
        assert raw_get(server.url, "/api/logs", {"Host": "tunnel.example:9999"})[0] == 403
        assert raw_get(server.url, "/api/logs", {"Host": "127.0.0.2:1"})[0] == 200


def test_an_unknown_bucket_fails_before_serving(s3: str) -> None:
    from inspect_cli.errors import NotFoundError

    with pytest.raises(NotFoundError, match="s3://no-such-bucket-here: bucket not found"):
        ViewServer("s3://no-such-bucket-here/logs", port=0)
