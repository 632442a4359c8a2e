"""A log's configuration: as changed while it ran, and as a run config to
reproduce the run (`inspect log export-config`, `inspect eval --run-config`)."""

from __future__ import annotations

import copy
import json
from typing import Any, TypeVar

import msgspec

from .. import storage
from ._file import read_eval_log
from ._tree import _EXTRA, extra_fields, to_tree
from ._types import EvalConfig, EvalLog, GenerateConfig

C = TypeVar("C", EvalConfig, GenerateConfig)


def effective_eval_config(log: EvalLog) -> EvalConfig:
    """The eval config after the log's `config_updates` (a copy)."""
    return _effective(log, "eval", log.eval.config)


def effective_generate_config(log: EvalLog) -> GenerateConfig:
    """The model's generate config after the log's `config_updates` (a copy)."""
    return _effective(log, "generate", log.eval.model_generate_config)


def _effective(log: EvalLog, which: str, launch: C) -> C:
    """Apply the changes to `which` config in order: a value sets the field (None
    lifts a limit), `cleared` restores the launch value. Changes to fields this
    config lacks are skipped (fields only a newer version knows are applied
    when the log holds them)."""
    out = copy.deepcopy(launch)
    known = {f.name for f in msgspec.structs.fields(type(launch))}
    extra = dict(extra_fields(launch))
    for update in log.config_updates or []:
        for change in update.changes:
            if change.config != which:
                continue
            if change.name in known:
                value = getattr(launch, change.name) if change.cleared else change.value
                setattr(out, change.name, copy.deepcopy(value))
            elif change.name in extra:
                out.__dict__[_EXTRA] = {
                    **out.__dict__.get(_EXTRA, {}),
                    change.name: copy.deepcopy(extra[change.name] if change.cleared else change.value),
                }
    return out


# EvalConfig fields a run config carries, in Inspect's order; the others
# (concurrency, sandbox clean-up, logging, display) are how a run went, not
# what it was.
_RUN_EVAL_CONFIG = (
    "limit",
    "sample_id",
    "sample_shuffle",
    "epochs",
    "epochs_reducer",
    "approval",
    "review",
    "sentinel",
    "notification",
    "fail_on_error",
    "continue_on_fail",
    "retry_on_error",
    "score_on_error",
    "message_limit",
    "token_limit",
    "token_limit_type",
    "turn_limit",
    "time_limit",
    "working_limit",
    "cost_limit",
    "acp_server",
)


def run_config(log: EvalLog) -> dict[str, Any]:
    """The run config that reproduces the log's run: task and arguments, model
    (and roles), solver, generate and eval config, sandbox, tags and metadata,
    as launched (changes made while it ran are not included)."""
    spec = log.eval
    out: dict[str, Any] = {}
    name = spec.task_registry_name or spec.task
    task: dict[str, Any] = {"task": f"{spec.task_file}@{name}" if spec.task_file else name}
    if spec.task_args:
        task["args"] = spec.task_args
    out["task"] = task
    model: dict[str, Any] = {"model": spec.model}
    if spec.model_base_url:
        model["base_url"] = spec.model_base_url
    if spec.model_args:
        model["args"] = spec.model_args
    if generate := to_tree(spec.model_generate_config):
        model["config"] = generate
    out["model"] = model
    if spec.model_roles:
        out["model_roles"] = {role: _role(value) for role, value in spec.model_roles.items()}
    if plan_config := to_tree(log.plan.config):
        out["generate_config"] = plan_config
    if spec.solver:
        solver: dict[str, Any] = {"solver": spec.solver}
        if spec.solver_args:
            solver["args"] = spec.solver_args
        out["solver"] = solver
    config = to_tree(spec.config)
    if eval_config := {k: config[k] for k in _RUN_EVAL_CONFIG if config.get(k) is not None}:
        out["eval_config"] = eval_config
    if (sandbox := _sandbox(spec.sandbox)) is not None:
        out["sandbox"] = sandbox
    if spec.tags:
        out["tags"] = spec.tags
    if spec.metadata:
        out["metadata"] = spec.metadata
    return out


def _role(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    out = {"model": value.get("model")}
    for key in ("base_url", "config", "args"):
        if value.get(key):
            out[key] = value[key]
    return out


def _sandbox(value: Any) -> str | None:
    """ "type:config" (config a file name), or the type alone."""
    if isinstance(value, dict):
        kind, config = value.get("type"), value.get("config")
    elif isinstance(value, list) and value:
        kind, config = value[0], value[1] if len(value) > 1 else None
    else:
        return None
    if not isinstance(kind, str):
        return None
    return f"{kind}:{config}" if isinstance(config, str) else kind


def export_config(location: str, format: str = "yaml", output: str | None = None) -> str:
    """The run config of the log at `location` as YAML or JSON text (as
    `inspect log export-config` prints it); written to `output` when given."""
    config = run_config(read_eval_log(location, header_only=True))
    if format == "json":
        text = json.dumps(config, indent=2)
    else:
        import yaml

        text = yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
    if output is not None:
        storage.write_bytes(output, text.encode("utf-8"))
    return text
