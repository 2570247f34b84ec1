"""The small fixture city (built once per session by tests/conftest.py's ``demo_city``) and its
public exports, written once per session into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

# two sensitive indicators and one ordinary one: protection of both kinds, in a few seconds
IDS = ["family-violence", "sexual-violence", "robbery"]


@pytest.fixture(scope="session")
def city_ws(demo_city: Path):
    from barrio.workspace import Workspace

    return Workspace.open(demo_city)


@pytest.fixture(scope="session")
def public_exports(city_ws, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format written with ``--public`` for :data:`IDS`."""
    from barrio.export.service import FORMATS, export

    root = tmp_path_factory.mktemp("exports")
    out = {}
    for fmt in FORMATS:
        export(city_ws, fmt, root / fmt, ids=IDS, public=True)
        out[fmt] = root / fmt
    return out


@pytest.fixture(scope="session")
def public_table(city_ws):
    """The protected annual table of :data:`IDS` (what the exports publish)."""
    from barrio.disclosure.service import public_indicators
    from barrio.indicators.service import stored_table

    return public_indicators(city_ws, stored_table(city_ws, ids=IDS, period="year")).table
