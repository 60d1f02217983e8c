"""The ARM emulator ("Azure in a box"): serves an estate over HTTPS as Azure Resource Manager does.

Names are exported lazily (PEP 562): ``from tui.emulator import load_estate`` (the wizard's check of an
--estate file before it starts anything) loads the estate model only, not the server and its HTTP stack.
"""

# ruff: noqa: F401  (the TYPE_CHECKING imports are for type checkers: `__getattr__` serves them)
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .estate import Estate, EstateError, load_estate, parse_estate
    from .server import Emulator, EmulatorConfig, EmulatorStartError, EmulatorThread, running

_EXPORTS: dict[str, tuple[str, ...]] = {
    "estate": ("Estate", "EstateError", "load_estate", "parse_estate"),
    "server": ("Emulator", "EmulatorConfig", "EmulatorStartError", "EmulatorThread", "running"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
