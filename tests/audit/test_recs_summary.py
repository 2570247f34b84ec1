"""Monitoring summary on a hand-built register (every expected figure counted by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from barrio.audit.recs_summary import summarize

RECS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "theme": ["youth", "youth", "robbery", "robbery", "public_space"],
        "institution": ["SSPM", "DIF", "SSPM", "SSPM", None],
    }
)
HOODS = pd.DataFrame({"recommendation_id": [1, 1, 2, 4, 5], "area_id": ["A", "B", "A", "B", "C"]})
_EV = [
    (1, 1, "not_started", "2023-01-10"), (2, 1, "in_process", "2023-04-01"),
    (3, 1, "addressed", "2023-08-01"), (4, 2, "not_started", "2023-01-10"),
    (5, 2, "not_implemented", "2023-07-15"), (6, 3, "not_started", "2023-01-10"),
    (7, 3, "in_process", "2023-02-01"), (8, 4, "not_started", "2023-01-10"),
    (9, 4, "in_process", "2023-03-01"), (10, 4, "addressed", "2023-03-01"),
    (11, 5, "not_started", "2023-05-05"), (12, 5, "discarded", "2023-06-30"),
]  # fmt: skip
EVENTS = pd.DataFrame(_EV, columns=["id", "recommendation_id", "status", "effective_on"])
AT = dt.date(2023, 12, 31)


def _row(frame: pd.DataFrame, key: str, value) -> dict:
    return frame.set_index(key).loc[value].to_dict()


def test_counts_and_shares_by_status():
    result = summarize(RECS, EVENTS, HOODS, AT)
    assert result.total == 5
    by = result.by_status.set_index("status")
    assert by["count"].to_dict() == {"not_started": 0, "in_process": 1, "addressed": 2,
                                     "not_implemented": 1, "discarded": 1}  # fmt: skip
    assert by["share"].to_dict() == pytest.approx(
        {"not_started": 0.0, "in_process": 0.2, "addressed": 0.4, "not_implemented": 0.2,
         "discarded": 0.2}, abs=1e-12)  # fmt: skip


def test_by_theme_and_institution():
    result = summarize(RECS, EVENTS, HOODS, AT)
    youth = _row(result.by_theme, "theme", "youth")
    assert (youth["total"], youth["addressed"], youth["not_implemented"]) == (2, 1, 1)
    assert youth["share_addressed"] == pytest.approx(0.5)
    sspm = _row(result.by_institution, "institution", "SSPM")
    assert (sspm["total"], sspm["addressed"], sspm["in_process"]) == (3, 2, 1)
    assert sspm["share_addressed"] == pytest.approx(2 / 3, abs=1e-12)
    assert _row(result.by_institution, "institution", "(none)")["discarded"] == 1
    assert result.by_institution["institution"].tolist()[0] == "SSPM"  # largest first


def test_by_neighborhood_counts_a_recommendation_in_each_of_its_neighborhoods():
    result = summarize(RECS, EVENTS, HOODS, AT)
    table = result.by_neighborhood.set_index("area_id")
    assert table["total"].to_dict() == {"A": 2, "B": 2, "C": 1, "(none)": 1}
    assert table.loc["B", "share_addressed"] == pytest.approx(1.0)
    assert table.loc["A", "share_not_implemented"] == pytest.approx(0.5)
    assert table.loc["(none)", "in_process"] == 1


def test_change_over_time_by_quarter():
    over = summarize(RECS, EVENTS, HOODS, AT).over_time
    assert over["date"].tolist() == [dt.date(2023, 3, 31), dt.date(2023, 6, 30),
                                     dt.date(2023, 9, 30), dt.date(2023, 12, 31)]  # fmt: skip
    got = over.set_index("date")[["total", "not_started", "in_process", "addressed",
                                  "not_implemented", "discarded"]].to_numpy().tolist()  # fmt: skip
    assert got == [[4, 2, 1, 1, 0, 0], [5, 1, 2, 1, 0, 1], [5, 0, 1, 2, 1, 1], [5, 0, 1, 2, 1, 1]]
    assert over["share_in_process"].tolist() == pytest.approx([0.25, 0.4, 0.2, 0.2])


def test_as_of_a_past_date_and_before_any_event():
    mid = summarize(RECS, EVENTS, HOODS, dt.date(2023, 3, 1))
    assert mid.total == 4  # rec 5 registered in May
    assert mid.by_status.set_index("status")["count"]["addressed"] == 1  # rec 4, tie by id
    empty = summarize(RECS, EVENTS, HOODS, dt.date(2022, 1, 1))
    assert empty.total == 0
    assert empty.over_time.empty


def test_summary_only_counts_the_recommendations_given():
    public = RECS[RECS["id"] != 2]
    result = summarize(public, EVENTS, HOODS, AT)
    assert result.total == 4
    assert "DIF" not in result.by_institution["institution"].tolist()
    assert result.over_time["total"].tolist() == [3, 4, 4, 4]
