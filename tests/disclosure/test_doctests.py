"""The runnable examples in the disclosure modules' docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["audit", "relations", "service", "suppress", "survey"])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"barrio.disclosure.{name}"))
    assert result.attempted > 0
    assert result.failed == 0
