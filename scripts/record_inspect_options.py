"""Record the options of Inspect 0.3.285's `inspect eval`, `eval-retry` and
`eval-set` into tests/fixtures/inspect_ai_0.3.285_cli_options.json, so that
tests/cli/test_option_parity.py can check ours without inspect-ai installed.

Run with the real inspect-ai's interpreter (see tests/support/inspect_ai_env.py):

    .cache/inspect-ai-0.3.285/bin/python scripts/record_inspect_options.py

Only facts are recorded, read from the click command objects: each option's
names, what it takes (a flag, a value, an optional value, or a repeatable
value), its environment variables and whether it is hidden. No help text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/inspect_ai_0.3.285_cli_options.json"
COMMANDS = ("eval", "eval-retry", "eval-set")


def main() -> None:
    import click
    import inspect_ai
    from inspect_ai._cli.main import inspect

    if inspect_ai.__version__ != "0.3.285":
        sys.exit(f"expected inspect-ai 0.3.285, found {inspect_ai.__version__}")
    out = {}
    for name in COMMANDS:
        command = inspect.commands[name]  # type: ignore[attr-defined]
        out[name] = [record(p) for p in command.params if isinstance(p, click.Option)]
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({', '.join(f'{k}: {len(v)}' for k, v in out.items())} options)")


def record(option: Any) -> dict[str, Any]:
    if option.is_flag:
        takes = "flag"
    elif option.multiple:
        takes = "repeatable"
    elif option._flag_needs_value:
        takes = "optional"
    else:
        takes = "value"
    envvar = option.envvar
    return {
        "names": list(option.opts),
        "secondary": list(option.secondary_opts),
        "takes": takes,
        "envvar": [envvar] if isinstance(envvar, str) else list(envvar or []),
        "hidden": bool(option.hidden),
    }


if __name__ == "__main__":
    main()
