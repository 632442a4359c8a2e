"""JSON over HTTP for the model providers, with retries.

Transient failures (HTTP 429 and 5xx, dropped connections, timeouts) are
retried with exponential backoff and full jitter, waiting at least what a
`Retry-After` header asks. Other HTTP errors fail at once. Error messages name
the URL (credentials in it redacted) and status, never request headers (which
hold the API key). A base URL may carry `user:password@` (sent as HTTP Basic
auth when the provider sends no Authorization header of its own) and a query
(kept after each endpoint's path).
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import random
import time
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from .. import _secrets, settings
from .._console import warn
from ._api import ModelAPI, ModelAPIError

RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504, 529}
DEFAULT_MAX_RETRIES = 10
DEFAULT_TIMEOUT = 600.0


class HttpClient:
    """One aiohttp session per provider instance and event loop."""

    def __init__(self) -> None:
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warned = False  # the first failure to be retried is reported at once

    async def _client(self) -> Any:
        import aiohttp

        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
            self._loop = loop
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def post_json(
        self,
        url: str,
        body: dict[str, Any],
        headers: dict[str, str],
        max_retries: int | None = None,
        timeout: float | None = None,
        attempt_timeout: float | None = None,
    ) -> dict[str, Any]:
        """POST `body` as JSON and return the JSON response, retrying transient
        failures; an attempt that takes longer than `attempt_timeout` (else
        `timeout`) seconds is abandoned and retried."""
        import aiohttp

        session = await self._client()
        url, basic = _split_credentials(url)
        if basic is not None and not any(k.lower() == "authorization" for k in headers):
            headers = {**headers, "Authorization": basic}
        shown = _secrets.redact_url(url)  # for messages: secret query values hidden, however short
        retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        given = [t for t in (attempt_timeout, timeout) if t]
        per_attempt = min(given) if given else DEFAULT_TIMEOUT
        client_timeout = aiohttp.ClientTimeout(total=per_attempt)
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                async with session.post(url, data=_encode(body), headers=headers, timeout=client_timeout) as response:
                    if response.status < 400:
                        return _decode(await response.read(), shown)
                    text = (await response.text())[:500]
                    problem = f"HTTP {response.status} from {shown}: {_summary(text)}"
                    if response.status not in RETRYABLE:
                        raise ModelAPIError(_secrets.redact(problem))
                    retry_after = _retry_after(response.headers.get("retry-after"))
            except ModelAPIError:
                raise
            except TimeoutError:
                problem = f"request to {shown} timed out after {client_timeout.total:g} s"
            except aiohttp.ClientError as ex:
                problem = f"connection to {shown} failed ({type(ex).__name__}: {ex})"
            if attempt >= retries:
                suffix = f" (after {attempt} retries)" if attempt else ""
                raise ModelAPIError(_secrets.redact(problem + suffix))
            if not self._warned:
                self._warned = True
                warn(f"retrying: {problem} (up to {retries} retries; later failures are not shown)")
            await asyncio.sleep(_backoff(attempt, retry_after))
            attempt += 1


def _split_credentials(url: str) -> tuple[str, str | None]:
    """`url` without its `user:password@` part, and that part as an HTTP Basic
    Authorization value (aiohttp refuses credentials in a URL beside an
    Authorization header)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=host)), f"Basic {token}"


def _encode(body: dict[str, Any]) -> bytes:
    import msgspec

    return msgspec.json.encode(body)


def _decode(data: bytes, url: str) -> dict[str, Any]:
    import msgspec

    try:
        value = msgspec.json.decode(data)
    except msgspec.DecodeError:
        raise ModelAPIError(f"invalid JSON in the response from {url}") from None
    if not isinstance(value, dict):
        raise ModelAPIError(f"unexpected response from {url} (not a JSON object)")
    return value


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than Retry-After.

    INSPECT_CLI_RETRY_DELAY scales the base delay (seconds; default 1).
    """
    base = settings.get_float(settings.RETRY_DELAY)
    base = 1.0 if base is None else base
    delay = random.uniform(0, min(60.0, base * 2**attempt))
    return max(delay, retry_after or 0.0)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _summary(text: str) -> str:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return text.strip() or "(no body)"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error or data)[:300]


class HttpModelAPI(ModelAPI):
    """A provider reached over HTTP: base URL and API key from the model args or
    the environment; other model args go into each request's body."""

    provider = ""
    base_url_var = ""
    api_key_var = ""
    default_base_url = ""
    key_needed_elsewhere = True  # False: a server at a custom base URL may need no key

    def __init__(self, model_name: str, base_url: str | None, model_args: dict[str, Any]) -> None:
        super().__init__(model_name, base_url, model_args)
        self.base_url = (base_url or settings.get(self.base_url_var) or self.default_base_url).rstrip("/")
        self.api_key = model_args.get("api_key") or settings.get(self.api_key_var)
        _secrets.add(self.api_key)
        _secrets.add_named(model_args.items())
        _secrets.redact_url(self.base_url)  # registers credentials in the URL
        if not self.api_key and (self.key_needed_elsewhere or self.base_url == self.default_base_url):
            raise ModelAPIError(f"{self.api_key_var} is not set (needed for {self.provider}/ models)")
        self.extra_body = {k: v for k, v in model_args.items() if k != "api_key"}
        self.http = HttpClient()

    def endpoint(self, path: str) -> str:
        """The URL of `path` under the base URL (before the base URL's query, if any)."""
        base: str = self.base_url or ""
        parts = urlsplit(base)
        return urlunsplit(parts._replace(path=parts.path.rstrip("/") + path))

    # GenerateConfig field -> request body key, for the settings the API takes
    settings: tuple[tuple[str, str], ...] = ()

    def with_settings(self, body: dict[str, Any], config: Any) -> dict[str, Any]:
        """`body` plus the generation settings that are set, `extra_body`, and
        the model args (which win, as the most specific)."""
        for name, key in self.settings:
            value = getattr(config, name)
            if value is not None:
                body[key] = value
        body.update(config.extra_body or {})
        body.update(self.extra_body)
        return body

    def headers(self, config: Any, own: dict[str, str]) -> dict[str, str]:
        """The provider's headers with the config's `extra_headers` (which win, as
        the SDKs let them: a caller may set e.g. a newer API version)."""
        extra = {str(k): str(v) for k, v in (config.extra_headers or {}).items()}
        replaced = {k.lower() for k in extra}
        return {**{k: v for k, v in own.items() if k.lower() not in replaced}, **extra}

    async def close(self) -> None:
        await self.http.close()


def schema_fields(schema: Any) -> dict[str, Any]:
    """A response schema's fields as plain JSON: from the mapping the CLI and
    logs hold, or a `ResponseSchema`-like object (with its JSON schema an
    object with `model_dump` or a msgspec Struct)."""
    import msgspec

    if not isinstance(schema, dict):
        dump = getattr(schema, "model_dump", None)
        schema = dump(exclude_none=True) if callable(dump) else msgspec.to_builtins(schema)
    if not isinstance(schema, dict) or "name" not in schema or "json_schema" not in schema:
        raise ModelAPIError("response_schema needs a name and a json_schema")
    return {k: v for k, v in schema.items() if v is not None}
