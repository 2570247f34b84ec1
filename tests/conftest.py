"""Shared test fixtures: the real data folder and the synthetic fixture city."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skip the test (fail in CI) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") or os.environ.get("BARRIO_REQUIRE_SERVICES"):
            pytest.fail(f"{path} is required in CI but missing")
        pytest.skip(f"real data not available: {path}")
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder (skips locally when absent)."""
    return shared_path()


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests read messages in English unless they choose a language; reset it after each."""
    from barrio.i18n import set_locale

    set_locale("en")
    yield
    set_locale("en")
