"""inspect_cli: run LLM evaluations and manage Inspect-compatible eval logs.

`Task`, `task`, `Epochs`, `eval`, `eval_async`, `eval_retry`, `eval_set`, `score` and `list_tasks`
load on first use, so the command line starts without the eval engine.
"""

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Task": ("._engine.task", "Task"),
    "task": ("._engine.task", "task"),
    "Epochs": ("._engine.task", "Epochs"),
    "eval": ("._engine.run", "eval"),
    "eval_async": ("._engine.run", "eval_async"),
    "eval_retry": ("._engine.retry", "eval_retry"),
    "eval_set": ("._engine.eval_set", "eval_set"),
    "score": ("._engine.score", "score"),
    "score_async": ("._engine.score", "score_async"),
    "list_tasks": ("._engine.discovery", "list_tasks"),
}

__all__ = [
    "Epochs",
    "Task",
    "__version__",
    "eval",
    "eval_async",
    "eval_retry",
    "eval_set",
    "list_tasks",
    "score",
    "score_async",
    "task",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'inspect_cli' has no attribute {name!r}")
