"""Sub-commands of ``lupus-teach``, one module each.

Every module in this package defines ``ORDER`` (an int: where ``--help`` lists
the command) and ``register(subparsers)``, which adds its parser and sets
``handler`` to a function ``(args) -> exit code``. Handlers raise
:class:`lupus_teach.errors.LupusTeachError` for problems the user must fix; the
CLI prints the message and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable

Registrar = Callable[[argparse._SubParsersAction], None]


def registrars() -> list[Registrar]:
    """The ``register`` functions of every command module, in ``ORDER``."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
    ]
    modules.sort(key=lambda m: getattr(m, "ORDER", 100))
    return [m.register for m in modules]
