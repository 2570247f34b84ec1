"""A small fixture-city workspace with its diagnosis, shared by the audit tests of a module."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def city_ws(tmp_path_factory):
    """The small fixture city ingested into a workspace, plus its diagnosis and assessment files.

    The audited neighbourhoods stand in for the priority set: the twelve with the highest summed
    crime rates over the codebook's themes.
    """
    from barrio.audit.codebook import load_codebook
    from barrio.audit.crime_rates import crime_rates_by_theme
    from barrio.fixtures import build_city
    from barrio.fixtures.assessment import build_assessment
    from barrio.fixtures.diagnosis import build_diagnosis
    from barrio.ingest.service import ingest
    from barrio.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("city") / "ws", crs="EPSG:32614")
    city = build_city(ws.sources, size="small", seed=2020)
    ingest(ws, "areas", city.areas)
    ingest(ws, "population", city.population, mapping="fixture-population")
    ingest(ws, "incidents", city.incidents, mapping="fixture-incidents")
    rates = crime_rates_by_theme(ws, load_codebook())
    ranked = rates.groupby("area_id")["rate"].sum().sort_values(ascending=False)
    diagnosis = build_diagnosis(ws.sources, list(ranked.index[:12]), rates=rates, seed=2020)
    assessment = build_assessment(ws.sources, seed=2020)
    return ws, diagnosis, assessment, rates
