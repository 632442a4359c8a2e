"""The viewer's HTTP server: the page's static files and the JSON API.

Standard library only (`http.server`, one thread per request): it serves one
person's browser, and starting `inspect view` stays fast. The API follows
Inspect's viewer API where it has one:

    GET /api/logs                         the listing: {"log_dir", "files": [...]}
    GET /api/log-headers?file=A&file=B    headers of several logs
    GET /api/logs/<log>?header-only=MB    a log as JSON (header only above MB)
    GET /api/log-size/<log>               its size in bytes
    GET /api/log-bytes/<log>?start=&end=  a byte range (end inclusive)
    GET /api/events?last_eval_time=MS     ["refresh-evals"] when logs changed since
and adds
    GET /api/log-summaries/<log>          one summary per sample (also while running)
    GET /api/log-sample/<log>?id=&epoch=  one sample, attachments resolved

`<log>` is a path relative to the log dir, or the `name` the listing gives,
percent-encoded. With INSPECT_VIEW_AUTHORIZATION_TOKEN set, every API request
must carry it in its Authorization header.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from .. import settings
from ..errors import ForbiddenError, InspectCliError, NotFoundError, SampleNotFoundError
from ..log import _codec
from ._api import ViewApi

TOKEN_VAR = settings.VIEW_TOKEN
_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def is_loopback(host: str) -> bool:
    """Whether a host name or address (IPv6 possibly in brackets) is this machine's loopback."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, authorization: str | None, allow_unauthenticated: bool) -> None:
    """Refuse to serve the logs beyond loopback to anyone at all, unless asked to."""
    if not is_loopback(host) and authorization is None and not allow_unauthenticated:
        raise InspectCliError(
            f"listening on {host} would let anyone who can reach this machine read the logs: "
            f"set {TOKEN_VAR}, or pass --unsafe-allow-unauthenticated"
        )


class BadRequest(ValueError):
    """A request with missing or malformed parameters (HTTP 400)."""


def _status(ex: Exception) -> HTTPStatus:
    if isinstance(ex, ForbiddenError):
        return HTTPStatus.FORBIDDEN
    if isinstance(ex, (NotFoundError, SampleNotFoundError)):
        return HTTPStatus.NOT_FOUND
    if isinstance(ex, ValueError):
        return HTTPStatus.BAD_REQUEST
    return HTTPStatus.INTERNAL_SERVER_ERROR


class ViewServer:
    """Serves the viewer for one log dir; `serve_forever()`, or use it as a
    context manager to run it in a background thread."""

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 7575,
        recursive: bool = True,
        authorization: str | None = None,
        trusted_hosts: list[str] | None = None,
        allow_unauthenticated: bool = False,
    ) -> None:
        settings.load_dotenv()
        self.authorization = authorization if authorization is not None else settings.get(TOKEN_VAR)
        self.loopback = is_loopback(host)
        check_exposure(host, self.authorization, allow_unauthenticated)
        # Host headers accepted besides loopback names (a tunnel or proxy's name).
        self.trusted_hosts = {h.lower() for h in trusted_hosts or []}
        self.api = ViewApi(log_dir, recursive)
        self.api.logs()  # a log dir that cannot be listed (a file, an unknown bucket) fails now, not in the page
        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        try:
            self.httpd = server_class((host.strip("[]"), port), _handler(self))
        except OSError as ex:
            raise InspectCliError(
                f"cannot listen on {host}:{port}: {ex.strerror or ex} (choose another --port)"
            ) from None
        self.httpd.daemon_threads = True
        bound_port = self.httpd.server_address[1]
        shown = f"[{host.strip('[]')}]" if ":" in host else host
        self.url = f"http://{shown}:{bound_port}/"
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.httpd.server_close()

    def __enter__(self) -> ViewServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _handler(view: ViewServer) -> type[BaseHTTPRequestHandler]:
    api = view.api

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "inspect-view"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: one line per failure only
            pass

        def do_GET(self) -> None:
            self._started = False  # one handler serves every request of a kept-alive connection
            try:
                if view.loopback and not self._host_is_trusted():
                    # A page on another site reaching this server through DNS rebinding.
                    self._json({"error": "forbidden host"}, HTTPStatus.FORBIDDEN)
                    return
                path, _, query = self.path.partition("?")
                if path.startswith("/api/"):
                    if not self._authorized():
                        self._json({"error": "unauthorized"}, HTTPStatus.UNAUTHORIZED)
                        return
                    self._api(path, parse_qs(query, keep_blank_values=True))
                else:
                    self._static(unquote(path))
            except (BrokenPipeError, ConnectionResetError):
                pass
            except Exception as ex:
                status = _status(ex)
                if status == HTTPStatus.INTERNAL_SERVER_ERROR and not isinstance(ex, InspectCliError):
                    print(f"inspect view: {self.path}: {type(ex).__name__}: {ex}", file=sys.stderr)
                message = str(ex) if isinstance(ex, (InspectCliError, ValueError)) else type(ex).__name__
                if not self._started:
                    self._json({"error": message}, status)
                else:  # a streamed response failed half way: cut the connection
                    self.close_connection = True

        def _host_is_trusted(self) -> bool:
            host = (self.headers.get("Host") or "").strip().lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            return is_loopback(name) or host in view.trusted_hosts

        def _authorized(self) -> bool:
            if view.authorization is None:
                return True
            given = (self.headers.get("Authorization") or "").strip()
            if given.lower().startswith("bearer "):
                given = given[7:].strip()
            return hmac.compare_digest(given.encode(), view.authorization.encode())

        # -- routes ----------------------------------------------------------

        def _api(self, path: str, query: dict[str, list[str]]) -> None:
            def param(name: str, default: str | None = None) -> str:
                values = query.get(name)
                if not values:
                    if default is None:
                        raise BadRequest(f"missing parameter '{name}'")
                    return default
                return values[0]

            def number(name: str, default: str | None = None) -> float:
                text = param(name, default)
                try:
                    return float(text)
                except ValueError:
                    raise BadRequest(f"parameter '{name}' must be a number, got {text!r}") from None

            route, _, rest = path[len("/api/") :].partition("/")
            log = unquote(rest)
            if route == "logs" and not rest:
                self._json(api.logs())
            elif route == "logs":
                self._stream(lambda write: api.log(log, write, _header_only_mb(query.get("header-only"))))
            elif route == "log-headers":
                self._json(api.log_headers(query.get("file", [])))
            elif route == "log-size":
                self._json(api.log_size(log))
            elif route == "log-bytes":
                start, end = int(number("start")), int(number("end"))
                self._send(api.log_bytes(log, start, end), "application/octet-stream")
            elif route == "events":
                self._json(api.events(number("last_eval_time", "0")))
            elif route == "log-summaries":
                self._json(api.sample_summaries(log))
            elif route == "log-sample":
                self._json(api.sample(log, param("id"), int(number("epoch", "1"))))
            else:
                self._json({"error": f"no such API: {path}"}, HTTPStatus.NOT_FOUND)

        def _static(self, path: str) -> None:
            name = "index.html" if path in ("/", "/index.html") else path.removeprefix("/static/")
            kind = _STATIC_TYPES.get(os.path.splitext(name)[1])
            if kind is None or "/" in name or name.startswith(".") or name not in _static_files():
                self._json({"error": f"not found: {path}"}, HTTPStatus.NOT_FOUND)
                return
            with open(os.path.join(STATIC_DIR, name), "rb") as f:
                self._send(f.read(), kind)

        # -- responses -------------------------------------------------------

        def _json(self, value: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
            self._send(_codec.dumps(value), "application/json", status)

        def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self._started = True
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self._common_headers()
            self.wfile.write(body)

        def _common_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            # The page loads nothing from elsewhere: log content can neither run
            # script nor make the browser fetch from other hosts.
            self.send_header("Content-Security-Policy", _CSP)
            self.end_headers()

        def _stream(self, produce: Any) -> None:
            """A JSON body of unknown length, written as it is produced (chunked):
            a large log is never held in memory whole."""
            pending: list[bytes] = []
            size = 0

            def write(data: bytes) -> None:
                nonlocal size
                if not self._started:
                    # Nothing is sent until the first 64 KB: errors found early
                    # (missing file, not a log) still get a proper status.
                    pending.append(data)
                    size += len(data)
                    if size < 64 * 1024:
                        return
                    self._start_chunked()
                    data = b"".join(pending)
                    pending.clear()
                if data:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

            produce(write)
            if not self._started:
                self._send(b"".join(pending), "application/json")
            else:
                self.wfile.write(b"0\r\n\r\n")

        def _start_chunked(self) -> None:
            self._started = True
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self._common_headers()

    return Handler


def _header_only_mb(values: list[str] | None) -> float | None:
    """`header-only=N`: header only above N MB; `true` (Inspect's older viewer): always."""
    if not values:
        return None
    value = values[0].strip().lower()
    if value in ("true", ""):
        return 0.0
    if value == "false":
        return None
    try:
        return float(value)
    except ValueError:
        raise BadRequest(f"header-only must be a number of MB, got {values[0]!r}") from None


_STATIC: frozenset[str] | None = None


def _static_files() -> frozenset[str]:
    global _STATIC
    if _STATIC is None:
        _STATIC = frozenset(os.listdir(STATIC_DIR))
    return _STATIC
