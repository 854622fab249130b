"""Sub-commands of ``lupus-teach`` beyond ``validate``, one registrar each."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Registrar = Callable[[argparse._SubParsersAction], None]

#: Registrars, in the order ``--help`` lists the commands.
REGISTRARS: list[Registrar] = []
