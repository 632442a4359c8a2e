"""The viewer's HTTP server: the page's static files and the JSON API.

One event loop (aiohttp's low-level web server, imported only when a server
starts: no other command loads it) holds every connection; reading logs runs
in a few worker threads. The API follows Inspect's viewer API where it has one:

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

Limits: a connection that sends no request for `idle_timeout` seconds (also
before its first one) is closed; at most `max_requests` requests are handled
at once (more wait their turn); logs are read by at most `workers` threads;
whole logs and byte ranges are streamed, never held in memory whole.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import ipaddress
import logging
import math
import os
import queue
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, unquote

from .. import settings
from ..errors import ForbiddenError, InspectCliError, NotFoundError, SampleNotFoundError
from ..log import _codec
from ..log._view_api import ViewApi

if TYPE_CHECKING:
    from aiohttp import web

T = TypeVar("T")

TOKEN_VAR = settings.VIEW_TOKEN
IDLE_TIMEOUT = 15.0  # seconds a connection may wait before sending a request
MAX_REQUESTS = 32  # requests handled at once
WORKERS = 16  # threads reading logs
_HOLD_BACK = 64 * 1024  # a streamed log's first bytes, held until it is clear it can be read
_SEND_TIMEOUT = 60.0  # seconds a client may take to accept a part of a response
_SHUTDOWN_TIMEOUT = 2.0  # seconds requests in progress get to finish when the server stops
_MAX_LINE = 65536  # longest request line (log-headers names many logs)
_BACKLOG = 128
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


class _Gone(ConnectionError):
    """The client went away, stopped reading, or the server is stopping."""


def _status(ex: Exception) -> HTTPStatus:
    if isinstance(ex, ForbiddenError):
        return HTTPStatus.FORBIDDEN
    if isinstance(ex, (NotFoundError, SampleNotFoundError)):
        return HTTPStatus.NOT_FOUND
    if isinstance(ex, ValueError) and not isinstance(ex, InspectCliError):
        return HTTPStatus.BAD_REQUEST  # the request's values (a log that is not readable is the server's 500)
    return HTTPStatus.INTERNAL_SERVER_ERROR


class ViewServer:
    """Serves the viewer for one log dir; `serve_forever()` (until Ctrl-C), or
    use it as a context manager to run it in a background thread.

    The port is taken at once (`url` names it); `idle_timeout`, `max_requests`
    and `workers` bound what clients can hold (see the module's doc)."""

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 7575,
        recursive: bool = True,
        authorization: str | None = None,
        trusted_hosts: list[str] | None = None,
        allow_unauthenticated: bool = False,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        max_requests: int = MAX_REQUESTS,
        workers: int = WORKERS,
    ) -> None:
        settings.load_dotenv()
        settings.register_secrets()
        self.authorization = authorization if authorization is not None else settings.get(TOKEN_VAR)
        self.loopback = is_loopback(host)
        check_exposure(host, self.authorization, allow_unauthenticated)
        # Host headers accepted besides loopback names (a tunnel or proxy's name).
        self.trusted_hosts = {h.lower() for h in trusted_hosts or []}
        self.idle_timeout = idle_timeout
        self.max_requests = max_requests
        self.workers = workers
        self.api = ViewApi(log_dir, recursive)
        self.api.logs()  # a log dir that cannot be listed (a file, an unknown bucket) fails now, not in the page
        self._sock = _listen(host, port)
        bound_port = self._sock.getsockname()[1]
        shown = f"[{host.strip('[]')}]" if ":" in host else host
        self.url = f"http://{shown}:{bound_port}/"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def serve_forever(self) -> None:
        """Serve until Ctrl-C (KeyboardInterrupt) or `shutdown()`."""
        asyncio.run(self._serve(None))

    def shutdown(self) -> None:
        """Stop serving (from any thread)."""
        self._stopping.set()
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop has closed: stopped already
                pass

    def __enter__(self) -> ViewServer:
        started = threading.Event()

        def run() -> None:
            try:
                asyncio.run(self._serve(started))
            except BaseException as ex:
                self._failure = ex
            finally:
                started.set()

        self._thread = threading.Thread(target=run, name="inspect-view", daemon=True)
        self._thread.start()
        started.wait()
        if self._failure is not None:
            raise self._failure
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        if self._thread is not None:
            self._thread.join()

    async def _serve(self, started: threading.Event | None) -> None:
        from aiohttp import web

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stopping.is_set():
            self._stop.set()
        workers = _Workers(self.workers)
        server = web.Server(
            _Handler(self, workers).handle,
            keepalive_timeout=self.idle_timeout,  # also closes connections that never send a request
            access_log=None,
            logger=_quiet_logger(),
            max_line_size=_MAX_LINE,
        )
        runner = web.ServerRunner(server, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        try:
            await runner.setup()
            await web.SockSite(runner, self._sock, backlog=_BACKLOG).start()
            if started is not None:
                started.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()
            workers.close()
            self._sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host`:`port` (taken now: a busy port fails at once)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(_BACKLOG)
    except OSError as ex:
        sock.close()
        raise InspectCliError(f"cannot listen on {host}:{port}: {ex.strerror or ex} (choose another --port)") from None
    return sock


def _quiet_logger() -> logging.Logger:
    """aiohttp's own reports (malformed requests from clients) are not shown:
    the server prints one line per failure of its own only."""
    logger = logging.getLogger("inspect_cli.view.http")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    return logger


class _Workers:
    """At most `size` threads running blocking work (reading logs) for the
    event loop. They are daemon threads: a long read still in progress when
    the server stops never holds up the process's exit."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._queue: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.AbstractEventLoop, asyncio.Future[Any]] | None]
        self._queue = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []

    async def run(self, work: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((work, loop, future))
        if not self._idle.acquire(blocking=False) and len(self._threads) < self._size:
            thread = threading.Thread(target=self._work, name="inspect-view-worker", daemon=True)
            self._threads.append(thread)
            thread.start()
        return await future

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            work, loop, future = item
            if not future.cancelled():
                try:
                    outcome: tuple[Any, BaseException | None] = (work(), None)
                except BaseException as ex:
                    outcome = (None, ex)
                try:
                    loop.call_soon_threadsafe(_settle, future, outcome)
                except RuntimeError:  # the loop has closed: nobody waits for it
                    pass
            self._idle.release()


def _settle(future: asyncio.Future[Any], outcome: tuple[Any, BaseException | None]) -> None:
    if not future.done():
        result, error = outcome
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


class _Sink:
    """A response body written by a worker thread, sent by the event loop.

    `write` holds the first 64 KB back (an error found early still gets a
    proper status), then sends a chunked response; `start(length)` and
    `send` send a body of known length as it is read. Each send waits until
    the connection has taken it (a client that stops reading is cut off
    after a while), so nothing piles up in memory."""

    def __init__(self, request: web.BaseRequest, kind: str) -> None:
        self.request = request
        self.kind = kind
        self.loop = asyncio.get_running_loop()
        self.response: web.StreamResponse | None = None
        self.gone = threading.Event()  # set when the request is over (or given up)
        self._held: list[bytes] = []
        self._held_size = 0

    def start(self, length: int | None) -> None:
        """Send the status and headers: `length` bytes follow, or chunks."""
        self._call(self._prepare(length))

    def send(self, data: bytes) -> None:
        assert self.response is not None
        if data:
            self._call(self.response.write(data))

    def write(self, data: bytes) -> None:
        self._held.append(data)
        self._held_size += len(data)
        if self._held_size >= _HOLD_BACK:
            if self.response is None:
                self.start(None)
            self.flush()

    def flush(self) -> None:
        """Send what `write` holds, if the response has started."""
        if self.response is not None and self._held:
            data = b"".join(self._held)
            self._held.clear()
            self._held_size = 0
            self.send(data)

    def held(self) -> bytes:
        return b"".join(self._held)

    async def _prepare(self, length: int | None) -> None:
        from aiohttp import web

        response = web.StreamResponse(headers=_headers(self.kind))
        if length is None:
            response.enable_chunked_encoding()
        else:
            response.content_length = length
        await response.prepare(self.request)
        self.response = response

    def _call(self, step: Coroutine[Any, Any, Any]) -> None:
        """Run `step` on the event loop and wait for it."""
        if self.gone.is_set():
            step.close()
            raise _Gone("the request is over")
        try:
            future = asyncio.run_coroutine_threadsafe(step, self.loop)
        except RuntimeError:  # the loop has closed
            step.close()
            raise _Gone("the server has stopped") from None
        deadline = time.monotonic() + _SEND_TIMEOUT
        while not concurrent.futures.wait([future], timeout=0.25).done:
            if self.gone.is_set() or time.monotonic() > deadline:
                future.cancel()
                raise _Gone("the client does not take the response")
        future.result()


class _Handler:
    """Answers the requests of one running server."""

    def __init__(self, view: ViewServer, workers: _Workers) -> None:
        self.view = view
        self.api = view.api
        self.workers = workers
        self.slots = asyncio.Semaphore(view.max_requests)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        async with self.slots:
            try:
                return await self._route(request)
            except ConnectionError:  # the client left (or stopped reading)
                _abort(request)
                return _response(b"", "text/plain")  # not sent: the connection is closed
            except Exception as ex:
                return _failure(request, ex)

    async def _route(self, request: web.BaseRequest) -> web.StreamResponse:
        if self.view.loopback and not self._host_is_trusted(request):
            # A page on another site reaching this server through DNS rebinding.
            return _json({"error": "forbidden host"}, HTTPStatus.FORBIDDEN)
        if request.method != "GET":
            return _json({"error": f"method {request.method} not allowed"}, HTTPStatus.METHOD_NOT_ALLOWED)
        path, _, query = request.raw_path.partition("?")  # as sent: names are decoded once, below
        if path.startswith("/api/"):
            if not self._authorized(request):
                return _json({"error": "unauthorized"}, HTTPStatus.UNAUTHORIZED)
            return await self._api(request, path, parse_qs(query, keep_blank_values=True))
        return await self._static(unquote(path))

    def _host_is_trusted(self, request: web.BaseRequest) -> bool:
        host = (request.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return is_loopback(name) or host in self.view.trusted_hosts

    def _authorized(self, request: web.BaseRequest) -> bool:
        if self.view.authorization is None:
            return True
        given = (request.headers.get("Authorization") or "").strip()
        if given.lower().startswith("bearer "):
            given = given[7:].strip()
        return hmac.compare_digest(given.encode(), self.view.authorization.encode())

    # -- routes --------------------------------------------------------------

    async def _api(self, request: web.BaseRequest, path: str, query: dict[str, list[str]]) -> web.StreamResponse:
        def param(name: str, default: str | None = None) -> str:
            values = query.get(name)
            if not values:
                if default is None:
                    raise BadRequest(f"missing parameter '{name}'")
                return default
            return values[0]

        api = self.api
        route, _, rest = path[len("/api/") :].partition("/")
        log = unquote(rest)
        if route == "logs" and not rest:
            return await self._json(api.logs)
        if route == "logs":
            header_only = _header_only_mb(query.get("header-only"))
            return await self._stream_log(request, log, header_only)
        if route == "log-headers":
            files = query.get("file", [])
            return await self._json(lambda: api.log_headers(files))
        if route == "log-size":
            return await self._json(lambda: api.log_size(log))
        if route == "log-bytes":
            start, end = _whole("start", param("start"), 0), _whole("end", param("end"), 0)
            return await self._stream_range(request, log, start, end)
        if route == "events":
            since = _finite("last_eval_time", param("last_eval_time", "0"))
            return await self._json(lambda: api.events(since))
        if route == "log-summaries":
            return await self._json(lambda: api.sample_summaries(log))
        if route == "log-sample":
            id, epoch = param("id"), _whole("epoch", param("epoch", "1"), 1)
            return await self._json(lambda: api.sample(log, id, epoch))
        return _json({"error": f"no such API: {path}"}, HTTPStatus.NOT_FOUND)

    async def _static(self, path: str) -> web.StreamResponse:
        name = "index.html" if path in ("/", "/index.html") else path.removeprefix("/static/")
        kind = _STATIC_TYPES.get(os.path.splitext(name)[1])
        if kind is None or "/" in name or name.startswith(".") or name not in _static_files():
            return _json({"error": f"not found: {path}"}, HTTPStatus.NOT_FOUND)
        return _response(await self.workers.run(lambda: _read(os.path.join(STATIC_DIR, name))), kind)

    # -- responses -----------------------------------------------------------

    async def _json(self, produce: Callable[[], Any]) -> web.StreamResponse:
        return _response(await self.workers.run(lambda: _codec.dumps(produce())), "application/json")

    async def _stream_log(self, request: web.BaseRequest, log: str, header_only: float | None) -> web.StreamResponse:
        """A log as JSON of unknown length, sent as it is produced."""
        sink = _Sink(request, "application/json")

        def produce() -> None:
            self.api.log(log, sink.write, header_only)
            sink.flush()

        return await self._streamed(request, sink, produce)

    async def _stream_range(self, request: web.BaseRequest, log: str, start: int, end: int) -> web.StreamResponse:
        """A byte range, sent as it is read."""
        sink = _Sink(request, "application/octet-stream")

        def produce() -> None:
            with self.api.log_range(log, start, end) as (length, chunks):
                sink.start(length)
                for chunk in chunks:
                    sink.send(chunk)

        return await self._streamed(request, sink, produce)

    async def _streamed(self, request: web.BaseRequest, sink: _Sink, produce: Callable[[], None]) -> web.StreamResponse:
        try:
            await self.workers.run(produce)
        except Exception as ex:
            if sink.response is None:
                raise  # nothing sent yet: a JSON error with its status
            if not isinstance(ex, ConnectionError):
                _report(request, ex)
            _abort(request)  # sent in part: cut the connection (the client sees an incomplete body)
            return sink.response
        finally:
            sink.gone.set()
        if sink.response is None:
            return _response(sink.held(), sink.kind)
        return sink.response


def _headers(kind: str) -> dict[str, str]:
    return {
        "Content-Type": kind,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        # The page loads nothing from elsewhere: log content can neither run
        # script nor make the browser fetch from other hosts.
        "Content-Security-Policy": _CSP,
        "Server": "inspect-view",
    }


def _response(body: bytes, kind: str, status: int = HTTPStatus.OK) -> web.Response:
    from aiohttp import web

    return web.Response(body=body, status=status, headers=_headers(kind))


def _json(value: Any, status: int = HTTPStatus.OK) -> web.Response:
    return _response(_codec.dumps(value), "application/json", status)


def _failure(request: web.BaseRequest, ex: Exception) -> web.Response:
    status = _status(ex)
    if status == HTTPStatus.INTERNAL_SERVER_ERROR:
        _report(request, ex)
    message = str(ex) if isinstance(ex, (InspectCliError, ValueError)) else type(ex).__name__
    return _json({"error": message}, status)


def _report(request: web.BaseRequest, ex: Exception) -> None:
    """One line on stderr for a failure that is not the log's or the request's fault."""
    if not isinstance(ex, InspectCliError):
        print(f"inspect view: {request.raw_path}: {type(ex).__name__}: {ex}", file=sys.stderr)


def _abort(request: web.BaseRequest) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


# -- parameters ----------------------------------------------------------------

_DIGITS = re.compile(r"-?[0-9]{1,30}")


def _whole(name: str, text: str, minimum: int) -> int:
    """A whole number written in digits (no exponent, no fraction), at least `minimum`."""
    if _DIGITS.fullmatch(text) is None or int(text) < minimum:
        raise BadRequest(f"parameter '{name}' must be a number: a whole number >= {minimum}, in digits; got {text!r}")
    return int(text)


def _finite(name: str, text: str) -> float:
    """A finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise BadRequest(f"parameter '{name}' must be a number: finite, >= 0; got {text!r}")
    return value


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
        return _finite("header-only", value)
    except BadRequest:
        raise BadRequest(f"header-only must be a number of MB (finite, >= 0), got {values[0]!r}") from None


_STATIC: frozenset[str] | None = None


def _static_files() -> frozenset[str]:
    global _STATIC
    if _STATIC is None:
        _STATIC = frozenset(os.listdir(STATIC_DIR))
    return _STATIC


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()
