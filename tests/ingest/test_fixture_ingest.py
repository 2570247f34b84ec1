"""The fixture city's planted defects are all caught, each with the right reason and row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from barrio.fixtures import build_city
from barrio.ingest.service import ingest
from barrio.workspace import Workspace

# fixture ground-truth label -> (reason in the rejects file, action)
EXPECTED = {
    "invalid_date": ("bad_date", "rejected"),
    "future_date": ("future_date", "rejected"),
    "swapped_coordinates": ("swapped_coordinates", "corrected"),
    "unknown_category": ("unknown_category", "flagged"),
    "outside_city": ("outside_areas", "flagged"),
    "invalid_age": ("implausible_age", "cleared"),
    "duplicate": ("duplicate_row", "rejected"),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fixture") / "ws"
    ws = Workspace.init(root, crs="EPSG:32614")
    city = build_city(ws.sources, size="small")
    ingest(ws, "areas", city.areas)
    ingest(ws, "population", city.population, mapping="fixture-population")
    run = ingest(ws, "incidents", city.incidents, mapping="fixture-incidents")
    return city, run


def test_every_planted_defect_is_reported_at_its_row(loaded) -> None:
    city, run = loaded
    assert run.reconciles
    assert run.rows_read == city.n_incidents_written
    problems = pd.read_csv(run.rejects_file, dtype={"row": int})
    found = set(zip(problems["row"], problems["reason"], problems["action"], strict=True))
    for label, rows in city.bad_rows.items():
        reason, action = EXPECTED[label]
        for row in rows:
            assert (row, reason, action) in found, (label, row)


def test_rejected_rows_are_exactly_the_planted_ones(loaded) -> None:
    city, run = loaded
    planted = sum(len(city.bad_rows[k]) for k in ("invalid_date", "future_date", "duplicate"))
    assert run.rows_rejected == planted


def test_outside_points_are_kept_and_flagged(loaded, tmp_path: Path) -> None:
    city, run = loaded
    assert run.problems["flagged"]["outside_areas"] >= len(city.bad_rows["outside_city"])
