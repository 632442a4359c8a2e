"""Generation settings and sample limits of `eval`, `eval-set` (and
`--attempt-timeout` of `eval-retry`): their options, declared once, and
their parsing into the library's values.

Each option not given on the command line takes INSPECT_EVAL_<OPTION> from
the environment (`--best-of` from INSPECT_EVAL_BEST_OF), as Inspect's do.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import settings


def _from_env(check: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """A callback giving an option its environment value when the command line
    does not (then `check`ing the value, if it must be)."""

    def callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        source = ctx.get_parameter_source(param.name or "")
        if source is None or source.name == "DEFAULT":
            raw = settings.eval_option(param.opts[0])
            if raw is not None:
                try:
                    value = param.type_cast_value(ctx, raw)
                except typer.BadParameter as ex:
                    variable = "INSPECT_EVAL_" + param.opts[0].lstrip("-").replace("-", "_").upper()
                    raise typer.BadParameter(f"{ex.message} (from {variable})", param=param) from None
        if isinstance(value, Enum):  # typer converts choices to their Enum after the callback
            value = value.value
        return check(value) if check is not None else value

    return callback


def _more_than_zero(option: str) -> Callable[[Any], Any]:
    def check(value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise typer.BadParameter(f"must be more than 0, got {value:g}", param_hint=f"'{option}'")
        return value

    return check


class CachePrompt(str, Enum):
    auto = "auto"
    true = "true"
    false = "false"


class ReasoningEffort(str, Enum):
    none = "none"
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"
    xhigh = "xhigh"
    max = "max"


class Verbosity(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


class Effort(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"
    xhigh = "xhigh"
    max = "max"


class ReasoningMode(str, Enum):
    standard = "standard"
    pro = "pro"


class ReasoningSummary(str, Enum):
    none = "none"
    concise = "concise"
    detailed = "detailed"
    auto = "auto"


class ReasoningHistory(str, Enum):
    none = "none"
    all = "all"
    last = "last"
    auto = "auto"


def _option(name: str, metavar: str | None, help: str, **more: Any) -> Any:
    return typer.Option(name, metavar=metavar, help=help, show_default=False, callback=_from_env(), **more)


BestOf = Annotated[
    int | None,
    _option(
        "--best-of", "N", "Completions made server-side, of which the best is returned (none of our providers).", min=1
    ),
]
FrequencyPenalty = Annotated[
    float | None,
    _option("--frequency-penalty", "PENALTY", "-2.0 to 2.0: penalize tokens by how often they occurred (OpenAI)."),
]
PresencePenalty = Annotated[
    float | None,
    _option("--presence-penalty", "PENALTY", "-2.0 to 2.0: penalize tokens that occurred at all (OpenAI)."),
]
LogitBias = Annotated[
    str | None,
    _option("--logit-bias", "TOKEN=BIAS[,...]", 'Bias (-100 to 100) of token ids, e.g. "42=10,43=-10" (OpenAI).'),
]
StopSeqs = Annotated[
    str | None,
    _option("--stop-seqs", "SEQ[,SEQ...]", "Stop generating at these sequences (comma-separated)."),
]
NumChoices = Annotated[
    int | None, _option("--num-choices", "N", "Completions to generate for each request (OpenAI).", min=1)
]
Logprobs = Annotated[bool, _option("--logprobs", None, "Return the log probabilities of the output tokens (OpenAI).")]
TopLogprobs = Annotated[
    int | None,
    _option(
        "--top-logprobs",
        "N",
        "Most likely tokens (0-20) returned at each position with their log probabilities (OpenAI).",
        min=0,
    ),
]
PromptLogprobs = Annotated[
    int | None,
    _option("--prompt-logprobs", "N", "Log probabilities returned per prompt token (vLLM, via openai/).", min=1),
]
CachePromptOption = Annotated[
    CachePrompt | None,
    _option("--cache-prompt", None, "Cache the prompt prefix: auto, true or false (Anthropic)."),
]
ReasoningEffortOption = Annotated[
    ReasoningEffort | None,
    _option(
        "--reasoning-effort", None, "Effort spent reasoning (OpenAI reasoning models; a thinking budget on Anthropic)."
    ),
]
VerbosityOption = Annotated[
    Verbosity | None,
    _option(
        "--verbosity", None, "How concise or verbose the answer is (OpenAI GPT-5 via the Responses API; recorded only)."
    ),
]
EffortOption = Annotated[
    Effort | None,
    _option(
        "--effort",
        None,
        "Tokens spent on an answer, thoroughness against economy (Anthropic Claude 4.5+; "
        "xhigh needs 4.7, max 4.6, else high is sent).",
    ),
]
ReasoningModeOption = Annotated[
    ReasoningMode | None,
    _option(
        "--reasoning-mode",
        None,
        "standard, or pro: more work for hard tasks (OpenAI GPT-5.6+ Responses API; recorded only).",
    ),
]
ReasoningTokens = Annotated[
    int | None, _option("--reasoning-tokens", "N", "Most tokens to reason with (Anthropic thinking budget).", min=1)
]
ReasoningSummaryOption = Annotated[
    ReasoningSummary | None,
    _option("--reasoning-summary", None, "Summary of the reasoning to return (OpenAI Responses API; recorded only)."),
]
ReasoningHistoryOption = Annotated[
    ReasoningHistory | None,
    _option("--reasoning-history", None, "Reasoning kept in the history sent back to the model (recorded only)."),
]
ResponseSchema = Annotated[
    str | None,
    _option(
        "--response-schema",
        "JSON",
        'Structured output: {"name": ..., "json_schema": {...}, "description": ..., "strict": ...} '
        "(OpenAI response_format, Anthropic output_format).",
    ),
]
Modalities = Annotated[
    str | None,
    _option(
        "--modalities",
        "MODALITY[,...]|FILE",
        "Output beyond text: 'image', or a YAML/JSON file listing 'image' and {options: {openai: {...}}} "
        "image output settings (recorded only: our providers return text).",
    ),
]
ExtraHeaders = Annotated[
    str | None, _option("--extra-headers", "MAPPING", "Extra HTTP headers of each request: a JSON or YAML mapping.")
]
ExtraBody = Annotated[
    str | None, _option("--extra-body", "MAPPING", "Extra fields of each request's body: a JSON or YAML mapping.")
]
FallbackModels = Annotated[
    str | None,
    _option("--fallback-models", "MODEL[,MODEL...]", "Models to fall back to when the model refuses (Anthropic)."),
]
WorkingLimit = Annotated[
    int | None,
    _option(
        "--working-limit",
        "SECONDS",
        "Stop a sample after this much working time (time waiting for a model connection does not count).",
        min=1,
    ),
]
TurnLimit = Annotated[
    int | None, _option("--turn-limit", "N", "Stop a sample after this many model generations.", min=1)
]
CostLimit = Annotated[
    float | None,
    typer.Option(
        "--cost-limit",
        metavar="DOLLARS",
        help="Stop a sample once its model usage costs more than this (needs --model-cost-config).",
        show_default=False,
        callback=_from_env(_more_than_zero("--cost-limit")),
    ),
]
ModelCostConfig = Annotated[
    str | None,
    _option(
        "--model-cost-config",
        "FILE",
        "YAML or JSON file of model prices in dollars per million tokens "
        "(model: {input, output, input_cache_write, input_cache_read}): the cost is recorded in the log.",
    ),
]
AttemptTimeout = Annotated[
    float | None,
    typer.Option(
        "--attempt-timeout",
        metavar="SECONDS",
        help="Seconds one attempt of a model request may take before it is abandoned and retried.",
        show_default=False,
        callback=_from_env(_more_than_zero("--attempt-timeout")),
    ),
]

# The parameters above, by name, as the commands declare them.
NAMES = (
    "best_of",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "stop_seqs",
    "num_choices",
    "logprobs",
    "top_logprobs",
    "prompt_logprobs",
    "cache_prompt",
    "verbosity",
    "effort",
    "reasoning_effort",
    "reasoning_mode",
    "reasoning_tokens",
    "reasoning_summary",
    "reasoning_history",
    "response_schema",
    "extra_headers",
    "extra_body",
    "modalities",
    "fallback_models",
    "working_limit",
    "turn_limit",
    "cost_limit",
    "model_cost_config",
    "attempt_timeout",
)


def library_values(given: dict[str, Any]) -> dict[str, Any]:
    """The options of `given` that are set, as eval()'s keywords take them."""
    out: dict[str, Any] = {}
    for name in NAMES:
        value = given.get(name)
        if value is None or value is False:
            continue
        if isinstance(value, Enum):
            value = value.value
        parse = _PARSERS.get(name)
        out[name] = parse(value, "--" + name.replace("_", "-")) if parse is not None else value
    return out


def _logit_bias(text: str, option: str) -> dict[str, float]:
    bias: dict[str, float] = {}
    for item in _items(text):
        token, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            bias[str(int(token))] = float(value)
        except ValueError:
            raise typer.BadParameter(f"expected TOKEN_ID=BIAS[,...], got {item!r}", param_hint=f"'{option}'") from None
    return bias


def _items(text: str, option: str = "") -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _mapping(text: str, option: str) -> dict[str, Any]:
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = None
    if not isinstance(value, dict):
        raise typer.BadParameter(f"expected a JSON or YAML mapping, got {text!r}", param_hint=f"'{option}'")
    return value


def _response_schema(text: str, option: str) -> dict[str, Any]:
    import json

    try:
        value = json.loads(text)
    except ValueError as ex:
        raise typer.BadParameter(f"not JSON ({ex})", param_hint=f"'{option}'") from None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("name"), str)
        or not isinstance(value.get("json_schema"), dict)
    ):
        raise typer.BadParameter(
            'expected {"name": NAME, "json_schema": {...}} (with optional "description" and "strict")',
            param_hint=f"'{option}'",
        )
    unknown = sorted(set(value) - {"name", "json_schema", "description", "strict"})
    if unknown:
        raise typer.BadParameter(f"unknown field(s) {', '.join(unknown)}", param_hint=f"'{option}'")
    return value


def _modalities(text: str, option: str) -> list[str | dict[str, Any]]:
    """Comma-separated names, or (as Inspect decides) the YAML/JSON file at
    `text` when one exists or the text looks like a path."""
    import os

    import yaml

    def refuse(message: str) -> typer.BadParameter:
        return typer.BadParameter(message, param_hint=f"'{option}'")

    path = Path(text)
    if path.is_file():
        try:
            value = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as ex:
            raise refuse(f"cannot read {text}: {str(ex).splitlines()[0]}") from None
        if not isinstance(value, list):
            raise refuse(f"{text} must hold a list, got {type(value).__name__}")
        items: list[Any] = value
    elif "/" in text or os.sep in text or text.lower().endswith((".yaml", ".yml", ".json")):
        raise refuse(f"modalities file not found: {text}")
    else:
        items = _items(text)
    if not items:
        raise refuse("expected 'image' or a YAML/JSON file of modalities")
    for item in items:
        if item == "image":
            continue
        if isinstance(item, dict) and set(item) <= {"options"} and isinstance(item.get("options") or {}, dict):
            continue
        raise refuse(f"expected 'image' or an image output config {{options: {{...}}}}, got {item!r}")
    return items


def _cache_prompt(value: str, option: str) -> str | bool:
    return value if value == "auto" else value == "true"


def _whole(value: float, option: str) -> int | float:
    return int(value) if float(value).is_integer() else value


_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "logit_bias": _logit_bias,
    "stop_seqs": _items,
    "fallback_models": _items,
    "extra_headers": _mapping,
    "extra_body": _mapping,
    "response_schema": _response_schema,
    "cache_prompt": _cache_prompt,
    "modalities": _modalities,
    "attempt_timeout": _whole,  # Inspect records whole seconds as an integer
}
