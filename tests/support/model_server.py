"""A local model server for tests: speaks OpenAI's Chat Completions API and
Anthropic's Messages API on 127.0.0.1, and can be told to misbehave.

It runs in a thread of the test process, so in-process and subprocess
clients reach it alike. Tests script it through `ModelServer`: answers by
prompt substring, a delay per request, and a queue of failures to inject
(429 with Retry-After, 500, any other status, a dropped connection), whose
error bodies can echo the API key the request presented (as some real APIs
do: "Incorrect API key provided: sk-..."). It counts requests and
the most that were in flight at once. The official `openai` and `anthropic`
SDKs are run against it in the tests, so it cannot drift from the real APIs.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from typing import Any

from aiohttp import web

DEFAULT_ANSWER = "I do not know."


class ModelServer:
    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.delay = 0.0
        self.failures: deque[tuple[str, Any]] = deque()
        self.fail_always: tuple[str, Any] | None = None
        self.echo_key = False  # injected errors' messages quote the request's API key
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    # -- scripting ---------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.answers, self.delay, self.fail_always, self.echo_key = {}, 0.0, None, False
            self.failures.clear()
            self.requests = self.in_flight = self.max_in_flight = 0
            self.bodies, self.headers = [], []

    def fail_next(self, kind: str, count: int = 1, retry_after: float | None = None) -> None:
        """Make the next `count` requests fail: an HTTP status ('429', '500', '401', ...) or 'drop'."""
        for _ in range(count):
            self.failures.append((kind, retry_after))

    # -- serving -----------------------------------------------------------

    def start(self) -> str:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._openai)
            app.router.add_post("/v1/messages", self._anthropic)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            self._runner = runner
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, daemon=True, name="model-server").start()
        ready.wait(10)
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)

    async def _enter(self, request: web.Request) -> tuple[dict[str, Any], tuple[str, Any] | None]:
        body = await request.json()
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.bodies.append(body)
            self.headers.append(dict(request.headers))
            failure = self.failures.popleft() if self.failures else self.fail_always
        return body, failure

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _answer(self, prompt: str) -> str:
        for key, answer in self.answers.items():
            if key in prompt:
                return answer
        return DEFAULT_ANSWER

    async def _serve(self, request: web.Request, api: str) -> web.StreamResponse:
        body, failure = await self._enter(request)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            problem = _validate(api, body, request.headers)
            if problem:
                return _error(api, 400, "invalid_request_error", problem)
            if failure is not None:
                kind, retry_after = failure
                if kind == "drop":
                    assert request.transport is not None
                    request.transport.close()
                    raise ConnectionResetError("dropped on purpose")
                status = int(kind)
                message = f"injected {kind}"
                if self.echo_key:
                    message = f"Incorrect API key provided: {_presented_key(request.headers)}"
                response = _error(api, status, _ERROR_TYPES.get(status, "api_error"), message)
                if retry_after is not None:
                    response.headers["Retry-After"] = str(retry_after)
                return response
            prompt = _last_user_text(api, body)
            text = self._answer(prompt)
            return web.json_response(_reply(api, body, text, len(prompt) // 4, len(text) // 4, next(self._ids)))
        finally:
            self._leave()

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "openai")

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "anthropic")


def _validate(api: str, body: dict[str, Any], headers: Any) -> str | None:
    if not isinstance(body.get("model"), str) or not isinstance(body.get("messages"), list) or not body["messages"]:
        return "model and messages are required"
    if api == "openai":
        for m in body["messages"]:
            if m.get("role") not in ("system", "user", "assistant", "tool", "developer"):
                return f"bad role {m.get('role')!r}"
        if "Bearer " not in headers.get("Authorization", ""):
            return "missing bearer token"
        return None
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens is required"
    authorized = headers.get("x-api-key") or headers.get("Authorization", "").startswith("Bearer ")
    if not authorized or not headers.get("anthropic-version"):
        return "an API key (x-api-key or bearer) and the anthropic-version header are required"
    roles = [m.get("role") for m in body["messages"]]
    if any(r not in ("user", "assistant") for r in roles) or roles[0] != "user":
        return "messages must alternate user/assistant, starting with user"
    if any(a == b for a, b in zip(roles, roles[1:])):
        return "messages must alternate user/assistant"
    return None


_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}


def _presented_key(headers: Any) -> str:
    """The API key a request carries (x-api-key, else the bearer token)."""
    return str(headers.get("x-api-key") or headers.get("Authorization", "").removeprefix("Bearer "))


def _last_user_text(api: str, body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _reply(
    api: str, body: dict[str, Any], text: str, prompt_tokens: int, completion_tokens: int, n: int
) -> dict[str, Any]:
    if api == "openai":
        return {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    return {
        "id": f"msg_{n}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens},
    }


def _error(api: str, status: int, kind: str, message: str) -> web.Response:
    if api == "openai":
        payload: dict[str, Any] = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    else:
        payload = {"type": "error", "error": {"type": kind, "message": message}}
    return web.json_response(payload, status=status)
