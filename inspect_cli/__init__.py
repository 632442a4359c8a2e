"""inspect_cli: run LLM evaluations and manage Inspect-compatible eval logs."""

__version__ = "0.1.0"
