"""Model prices, for the cost of each request and the samples' cost limits.

Prices are dollars per million tokens, per kind of token (Inspect's
`ModelCost`); reasoning tokens are output tokens. A model's price is found
under its full name (`openai/gpt-4o`) or its name without the provider
(`gpt-4o`), as set by `set_model_cost()` or a cost config file
(`--model-cost-config`: YAML or JSON mapping model names to prices).
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..errors import UsageError
from ..log._types import ModelUsage


class ModelCost(msgspec.Struct, kw_only=True):
    """Dollars per million tokens of each kind."""

    input: float
    output: float
    input_cache_write: float = 0.0
    input_cache_read: float = 0.0


_PRICES: dict[str, ModelCost] = {}


def set_model_cost(model: str, cost: ModelCost) -> None:
    """Price `model` (a full `provider/name` or just its name)."""
    _PRICES[model] = cost


def model_cost(model: str) -> ModelCost | None:
    """The price of `model` (`provider/name`), if one was set."""
    return _PRICES.get(model) or _PRICES.get(model.partition("/")[2])


def compute_cost(cost: ModelCost, usage: ModelUsage) -> float:
    """Dollars for `usage` at `cost`."""
    tokens = (
        usage.input_tokens * cost.input
        + usage.output_tokens * cost.output
        + (usage.input_tokens_cache_write or 0) * cost.input_cache_write
        + (usage.input_tokens_cache_read or 0) * cost.input_cache_read
    )
    return tokens / 1_000_000


def load_model_cost_config(config: str | dict[str, Any]) -> None:
    """Register the prices of a cost config: a YAML/JSON file (path or URL) or a
    mapping of model names to `ModelCost` (or its fields as a dict)."""
    if isinstance(config, str):
        config = _read(config)
    for model, price in config.items():
        if isinstance(price, ModelCost):
            set_model_cost(str(model), price)
            continue
        if not isinstance(price, dict):
            raise UsageError(f"model cost config: the price of {model} must be a mapping of token kinds to dollars")
        try:
            set_model_cost(str(model), msgspec.convert(price, ModelCost, strict=False))
        except msgspec.ValidationError as ex:
            raise UsageError(f"model cost config: price of {model}: {ex}") from None


def _read(location: str) -> dict[str, Any]:
    import yaml

    from ..storage import filesystem

    fs, path = filesystem(location)
    try:
        with fs.open(path, "r") as f:
            data = yaml.safe_load(f.read())
    except FileNotFoundError:
        raise UsageError(f"model cost config not found: {location}") from None
    except yaml.YAMLError as ex:
        raise UsageError(f"model cost config {location} is not YAML or JSON: {str(ex).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"model cost config {location} must map model names to prices")
    return data
