"""The fixture city's register: deterministic, Querétaro-like final shares, valid references."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from barrio.audit.recs_status import check_sequence, status_as_of
from barrio.fixtures.geography import build_areas
from barrio.fixtures.recommendations import (
    build_register,
    default_priority_neighborhoods,
    write_recommendations,
)

# Querétaro Local Safety Audit, final monitoring (issue #7): 141 recommendations,
# 77 % addressed, 8 % in process, 15 % not implemented (published rounded to whole percent).
QUERETARO = {"addressed": 0.77, "in_process": 0.08, "not_implemented": 0.15}


def test_same_seed_same_bytes(tmp_path):
    a = write_recommendations(tmp_path / "a")
    b = write_recommendations(tmp_path / "b")
    assert [f.read_bytes() for f in a] == [f.read_bytes() for f in b]
    c = write_recommendations(tmp_path / "c", seed=7)
    assert a[0].read_bytes() != c[0].read_bytes()


def test_final_shares_reproduce_queretaro():
    rows = build_register()
    events = pd.DataFrame(rows["status_events"])
    events["id"] = np.arange(len(events))
    ids = {r["code"]: i for i, r in enumerate(rows["recommendations"])}
    events["recommendation_id"] = events["code"].map(ids)
    final = status_as_of(events, dt.date(2024, 12, 31))
    assert len(final) == len(rows["recommendations"]) == 141
    shares = final["status"].value_counts(normalize=True).to_dict()
    for status, published in QUERETARO.items():
        assert shares[status] == pytest.approx(published, abs=0.005)  # published rounding
    for code, group in events.groupby("code"):
        check_sequence(group.sort_values(["effective_on", "id"])["status"], code=code)
    assert events["effective_on"].min() == dt.date(2023, 1, 16)
    assert events["effective_on"].max() <= dt.date(2024, 12, 31)


def test_neighborhoods_are_fixture_city_neighborhoods():
    areas = build_areas(np.random.default_rng(2020))
    hoods = set(areas.loc[areas["level"] == "neighborhood", "area_id"])
    priority = default_priority_neighborhoods()
    assert len(priority) == 12
    assert set(priority) <= hoods
    used = {h for r in build_register()["recommendations"] for h in r["neighborhoods"]}
    assert used <= set(priority)
    given = build_register(neighborhoods=["VE-D01-C001"], n=20)["recommendations"]
    assert {h for r in given for h in r["neighborhoods"]} == {"VE-D01-C001"}
