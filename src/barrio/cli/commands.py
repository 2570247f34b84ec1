"""The list of command-group modules the ``barrio`` command registers."""

from __future__ import annotations

MODULES: list = []
