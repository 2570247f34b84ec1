"""Disclosure control of the fixture city's indicator table with its workspace settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from barrio.disclosure import recoverable, relations

IDS = ["family-violence", "sexual-violence"]


@pytest.fixture(scope="module")
def table(demo_city: Path):
    from barrio.indicators.service import stored_table
    from barrio.workspace import Workspace

    return stored_table(Workspace.open(demo_city), ids=IDS, period="year")


def test_public_indicators_hide_small_sensitive_cells(demo_city: Path, table) -> None:
    from barrio.disclosure.service import area_parents, public_indicators
    from barrio.workspace import Workspace

    ws = Workspace.open(demo_city)
    out = public_indicators(ws, table)
    t = out.table
    small = t["suppressed"].eq("primary")
    counts = table["numerator"].to_numpy()
    assert (small.to_numpy() == ((counts > 0) & (counts < 5))).all()  # both are sensitive
    assert out.complementary > 0
    assert out.summary()["sensitive"] == IDS
    # the proof, rerun independently of protect's own loop
    rel = relations(t, parents=area_parents(ws))
    assert len(recoverable(rel, (t["suppressed"] != "").to_numpy())) == 0
    # published totals still add up with the hidden cells' true values
    assert np.allclose(rel.residuals(table["numerator"].to_numpy(float)), 0)


def test_k_comes_from_barrio_toml(demo_city: Path, table, tmp_path: Path) -> None:
    from barrio.disclosure.service import public_indicators
    from barrio.workspace import Workspace

    root = tmp_path / "city"
    shutil.copytree(demo_city, root)
    with (root / "barrio.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[disclosure]\nk = 3\n")
    out = public_indicators(Workspace.open(root), table)
    hidden = out.table.loc[out.table["suppressed"] == "primary"].index
    assert table.loc[hidden, "numerator"].max() == 2
    assert out.k == 3
