"""Models: one interface over the providers, with connection limits and accounting.

`get_model("openai/gpt-4o")` returns a Model; `await model.generate(messages)`
returns a ModelOutput. The provider is named by the part before the first
'/'. Each model allows at most `max_connections` requests in flight (shared by
every sample that uses it), and records its token usage and a ModelEvent in
the sample being run (see `_context.py`).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from datetime import UTC, datetime
from typing import Any

from .. import _secrets, settings
from .._console import warn
from ..errors import InspectCliError, UsageError
from ..log._types import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelEvent,
    ModelOutput,
    ModelUsage,
)
from . import _cache
from ._api import PROVIDERS, ModelAPI
from ._cost import compute_cost, model_cost


def _load_providers() -> None:
    from . import _anthropic, _mockllm, _openai  # noqa: F401  (they register themselves)


class Model:
    """A model of a provider, as `provider/name`."""

    def __init__(self, api: ModelAPI, name: str, config: GenerateConfig) -> None:
        self.api = api
        self.name = name
        self.config = config
        self._semaphore: asyncio.Semaphore | None = None
        self._semaphore_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"Model({self.name!r})"

    def connections(self) -> int:
        count = _first(
            self.config.max_connections, settings.get_int(settings.MAX_CONNECTIONS), self.api.max_connections()
        )
        if count < 1:  # a task's GenerateConfig(max_connections=0): no request could ever start
            raise UsageError(f"max_connections must be at least 1, not {count}")
        return count

    def share_connections(self, limit: asyncio.Semaphore) -> None:
        """Count this model's requests against `limit`: evals running at once
        against the same model share its connections."""
        self._semaphore = limit
        self._semaphore_loop = asyncio.get_running_loop()

    def _limit(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._semaphore_loop is not loop:
            self._semaphore = asyncio.Semaphore(self.connections())
            self._semaphore_loop = loop
        return self._semaphore

    async def generate(
        self, input: str | list[ChatMessage], config: GenerateConfig | None = None, **kwargs: Any
    ) -> ModelOutput:
        """Send `input` to the model; returns its output (after retries, if any)."""
        from ._context import current_sample

        messages: list[ChatMessage] = [ChatMessageUser(content=input)] if isinstance(input, str) else list(input)
        merged = merge_config(self.config, config)
        if kwargs:
            merged = merge_config(merged, GenerateConfig(**kwargs))
        if merged.system_message and not any(isinstance(m, ChatMessageSystem) for m in messages):
            messages.insert(0, ChatMessageSystem(content=merged.system_message))
        sample = current_sample()
        policy = _cache.cache_policy(merged.cache)
        entry = (
            _cache.entry_path(
                self.name, self.api.base_url, messages, merged, policy, sample.epoch if sample is not None else None
            )
            if policy is not None
            else None
        )
        timestamp = _now()
        cached = _cache.fetch(entry) if entry is not None else None
        if cached is not None:
            # answered from the cache: recorded as Inspect does (no call, no usage counted)
            if sample is not None:
                sample.events.append(
                    ModelEvent(
                        timestamp=timestamp,
                        working_start=sample.working_time(),
                        model=self.name,
                        input=messages,
                        config=merged,
                        output=cached,
                        cache="read",
                        completed=_now(),
                        working_time=cached.time,
                    )
                )
                sample.count_turn()  # a turn, even when the cache answers it
            return cached
        started = time.monotonic()
        limit = self._limit()
        if sample is not None:
            sample.begin_wait()  # waiting for a connection is not working time
        try:
            await limit.acquire()
        finally:
            if sample is not None:
                sample.end_wait()
        try:
            output, call = await self.api.generate(messages, merged)
        finally:
            limit.release()
        if call is not None:
            call.request = _secrets.masked(call.request)  # as recorded: `-M token=...` never in the log
        output.time = time.monotonic() - started
        if not output.model:
            output.model = self.api.model_name
        if output.completion is None:
            output.completion = completion_text(output)
        for choice in output.choices:
            choice.message.source = choice.message.source or "generate"
            choice.message.model = choice.message.model or self.api.model_name
        price = model_cost(self.name)
        if price is not None and output.usage is not None:
            output.usage.total_cost = compute_cost(price, output.usage)
        if entry is not None and policy is not None and output.error is None:
            _cache.store(entry, output, policy)
        if sample is not None:
            if output.usage is not None:
                _add_usage(sample.model_usage.setdefault(self.name, ModelUsage()), output.usage)
            sample.events.append(
                ModelEvent(
                    timestamp=timestamp,
                    working_start=sample.working_time(),
                    model=self.name,
                    input=messages,
                    config=merged,
                    output=output,
                    cache="write" if entry is not None else None,
                    call=call,
                    completed=_now(),
                    working_time=output.time,
                )
            )
            sample.count_turn()
            sample.check_cost()
        return output


def completion_text(output: ModelOutput) -> str:
    if not output.choices:
        return ""
    message = output.choices[0].message
    return message.text


def merge_config(base: GenerateConfig, override: GenerateConfig | None) -> GenerateConfig:
    """`base` with the fields `override` sets (not None) replaced."""
    if override is None:
        return base
    values = {f: getattr(base, f) for f in base.__struct_fields__}
    for field in override.__struct_fields__:
        value = getattr(override, field)
        if value is not None:
            values[field] = value
    return GenerateConfig(**values)


def _add_usage(total: ModelUsage, usage: ModelUsage) -> None:
    total.input_tokens += usage.input_tokens
    total.output_tokens += usage.output_tokens
    total.total_tokens += usage.total_tokens
    for field in ("input_tokens_cache_write", "input_tokens_cache_read", "reasoning_tokens", "total_cost"):
        value = getattr(usage, field)
        if value is not None:
            setattr(total, field, (getattr(total, field) or 0) + value)


# What was warned about in each running eval (its event loop): a model made
# again for each task of a run warns once.
_WARNED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[tuple[str, tuple[str, ...]]]] = (
    weakref.WeakKeyDictionary()
)


def _warn_unknown_args(api: ModelAPI, name: str, model_args: dict[str, Any]) -> None:
    """A warning naming the model args the provider does not take (they are ignored)."""
    known = api.known_model_args
    unknown = tuple(sorted(set(model_args) - known)) if known is not None else ()
    if not unknown:
        return
    try:
        warned = _WARNED.setdefault(asyncio.get_running_loop(), set())
    except RuntimeError:  # made outside an eval: no run to say it once in
        warned = set()
    if (name, unknown) not in warned:
        warned.add((name, unknown))
        takes = ", ".join(sorted(known or ())) or "none"
        warn(f"model {name} ignores unknown model argument(s) {', '.join(unknown)} (it takes: {takes})")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _first(*values: int | None) -> int:
    for value in values:
        if value is not None:
            return value
    raise AssertionError("no value")


def base_url_setting(model: str) -> str | None:
    """The setting that names the base URL of `model`'s provider (e.g.
    OPENAI_BASE_URL), if it has one."""
    _load_providers()
    factory = PROVIDERS.get(model.partition("/")[0])
    name = getattr(factory, "base_url_var", None)
    return name if isinstance(name, str) and name else None


_MODELS: dict[tuple[str, str | None, str], Model] = {}


def get_model(
    model: str | Model | None = None,
    config: GenerateConfig | None = None,
    base_url: str | None = None,
    *,
    role: str | None = None,
    default: str | Model | None = None,
    **model_args: Any,
) -> Model:
    """A model by name (`provider/model`). Without a name: inside an eval, the
    model being evaluated; elsewhere INSPECT_EVAL_MODEL. With a `role` (and
    no name): the eval's model for that role (`--model-role`), else `default`,
    else the model being evaluated.

    The same name, base URL and arguments give the same Model, so its
    connection limit is shared by everything that uses it.
    """
    if isinstance(model, Model):
        return model
    if role is not None and model is None:
        from ._context import model_roles

        chosen = model_roles().get(role)
        if chosen is not None:
            return chosen
        if default is not None:
            return get_model(default, config, base_url, **model_args)
    if model is None and config is None and base_url is None and not model_args:
        from ._context import active_model

        active = active_model()
        if active is not None:
            return active  # inside an eval: the model being evaluated
    name = model or settings.get(settings.EVAL_MODEL)
    if not name:
        raise InspectCliError(
            "no model given: pass --model (e.g. --model openai/gpt-4o-mini) or set INSPECT_EVAL_MODEL"
        )
    provider, sep, model_name = name.partition("/")
    if not sep or not model_name:
        raise InspectCliError(f"model '{name}' is not of the form provider/model (e.g. openai/gpt-4o-mini)")
    _load_providers()
    factory = PROVIDERS.get(provider)
    if factory is None:
        raise InspectCliError(f"unknown model provider '{provider}' (known: {', '.join(sorted(PROVIDERS))})")
    key = (name, base_url, repr(sorted(model_args.items())))
    cached = _MODELS.get(key)
    if cached is not None and config is None:
        return cached
    api = factory(model_name, base_url, dict(model_args))
    _warn_unknown_args(api, name, model_args)
    instance = Model(api, name, config or GenerateConfig())
    if config is None:
        _MODELS[key] = instance
    return instance
