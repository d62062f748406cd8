"""Names of a package imported from their modules when first asked for (PEP 562).

A package that re-exports its modules' names (``from core.views import account_card``)
imported every module at once, and with them everything they import: the reminder
machinery for a command that shows one card. :func:`importer` gives such a package a
module ``__getattr__`` that imports only the module of the name asked for; the package
lists the same names under ``if TYPE_CHECKING:`` for the type checker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def importer(package: dict[str, Any], module_of: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of the package whose globals are ``package``: each name of
    ``module_of`` (name → module) is imported from its module on first use, then kept."""

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        package[name] = value
        return value

    return __getattr__
