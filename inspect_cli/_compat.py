"""Let task files written for Inspect run unchanged under `inspect eval`.

Inside the `eval` and `eval-retry` commands (and nowhere else), imports of
`inspect_ai` and its submodules resolve to this package, even where the real
inspect-ai is installed. A name this package does not provide fails with an
ImportError that names it, instead of a confusing error later.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

# inspect_ai module -> (our module, names it offers)
ALIASES: dict[str, str] = {
    "inspect_ai": "inspect_cli",
    "inspect_ai.dataset": "inspect_cli.dataset",
    "inspect_ai.solver": "inspect_cli.solver",
    "inspect_ai.scorer": "inspect_cli.scorer",
    "inspect_ai.model": "inspect_cli.model",
    "inspect_ai.log": "inspect_cli.log",
}


class _AliasModule(types.ModuleType):
    """An `inspect_ai...` module whose names come from an inspect_cli module."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name)
        self.__target = target
        self.__path__: list[str] = []  # a package, so submodules route through the finder

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        module = importlib.import_module(self.__target)
        exported = getattr(module, "__all__", None)
        if exported is not None and attr not in exported:
            raise ImportError(
                f"{self.__name__}.{attr} is not supported by inspect_cli (it offers: {', '.join(sorted(exported))})"
            )
        try:
            return getattr(module, attr)
        except AttributeError:
            raise ImportError(f"{self.__name__}.{attr} is not supported by inspect_cli") from None


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "inspect_ai" and not fullname.startswith("inspect_ai."):
            return None
        if fullname not in ALIASES:
            raise ImportError(
                f"{fullname} is not supported by inspect_cli (supported: {', '.join(sorted(ALIASES))})", name=fullname
            )
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _AliasModule(spec.name, ALIASES[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        pass


_FINDER = _Finder()


def install() -> None:
    """Route `inspect_ai` imports to this package (for this process)."""
    for name in list(sys.modules):
        if name == "inspect_ai" or name.startswith("inspect_ai."):
            del sys.modules[name]
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in list(sys.modules):
        if isinstance(sys.modules[name], _AliasModule):
            del sys.modules[name]
