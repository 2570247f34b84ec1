"""Risk matrix: every score formula against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from barrio.audit.risk import percentile_rank, risk_matrix, score_1_to_5
from barrio.errors import InputError


def test_percentile_rank_is_the_mid_rank_formula():
    # positives 10, 20, 20, 40 (N = 4): (B + E/2) / N = 0.5/4, (1 + 1)/4, (1 + 1)/4, 3.5/4
    pr = percentile_rank(pd.Series([0.0, 10, 20, 20, 40]))
    assert np.isnan(pr[0])
    assert pr[1:].tolist() == pytest.approx([0.125, 0.5, 0.5, 0.875])


def test_percentile_rank_within_groups():
    values = pd.Series([1.0, 2, 3, 100, 200])
    groups = pd.Series(["a", "a", "a", "b", "b"])
    assert percentile_rank(values, groups).tolist() == pytest.approx(
        [1 / 6, 3 / 6, 5 / 6, 0.25, 0.75]
    )


def test_score_1_to_5_quartiles_of_positive_values():
    # PR 0.125 -> 2; 0.5 -> 4; 0.875 -> 5; zero -> 1; NaN stays NaN
    scores = score_1_to_5(pd.Series([0.0, 10, 20, 20, 40, np.nan]))
    assert scores[:5].tolist() == [1, 2, 4, 4, 5]
    assert np.isnan(scores[5])
    # eight distinct positives: PR = (i - 0.5)/8 -> 2, 2, 3, 3, 4, 4, 5, 5
    assert score_1_to_5(pd.Series(np.arange(1.0, 9))).tolist() == [2, 2, 3, 3, 4, 4, 5, 5]
    assert score_1_to_5(pd.Series([7.0])).tolist() == [4]  # a lone positive sits at PR 0.5


def test_score_rejects_negative_values():
    with pytest.raises(InputError):
        score_1_to_5(pd.Series([1.0, -1.0]))


RATES = pd.DataFrame({
    "area_id": ["a", "b", "c", "d"] * 2,
    "theme": ["robbery"] * 4 + ["gender_violence"] * 4,
    "rate": [400.0, 100, 0, 50, 5, 10, 20, 40],
})  # fmt: skip


def _finding(area, theme, kind, intensity, second=False):
    return {"area_id": area, "theme": theme, "kind": kind, "intensity": intensity,
            "second_coding": second}  # fmt: skip


FINDINGS = pd.DataFrame([
    _finding("a", "robbery", "threat", 5),
    _finding("a", "robbery", "threat", 4),           # a x robbery: threat sum 9
    _finding("a", "gender_violence", "threat", 1),   # a x gbv: 1
    _finding("b", "gender_violence", "threat", 5),
    _finding("b", "gender_violence", "threat", 5),   # b x gbv: 10
    _finding("b", "robbery", "threat", 2),           # b x robbery: 2
    _finding("a", "public_space", "vulnerability", 4),
    _finding("a", "youth", "vulnerability", 2),      # a: vulnerability sum 6
    _finding("b", "public_space", "vulnerability", 3),  # b: 3
    _finding("b", "community_cohesion", "capacity", 5),  # b: capacity 5; a: none
    _finding("a", "robbery", "threat", 5, second=True),  # second coding: ignored
])  # fmt: skip


def _matrix(**kwargs):
    table = risk_matrix(RATES, FINDINGS, areas=["a", "b"], **kwargs).table
    return table.set_index(["area_id", "theme"])


def test_threat_vulnerability_capacity_by_hand():
    m = _matrix()
    # records: robbery rates a=400, b=100, d=50 positive (c=0): PR a = 2.5/3 -> 5, b = 1.5/3 -> 4
    #          gbv 5, 10, 20, 40: PR a = 0.5/4 -> 2, b = 1.5/4 -> 3
    assert m.loc[("a", "robbery"), "threat_records"] == 5
    assert m.loc[("b", "robbery"), "threat_records"] == 4
    assert m.loc[("a", "gender_violence"), "threat_records"] == 2
    assert m.loc[("b", "gender_violence"), "threat_records"] == 3
    # residents' threat sums over the 4 cells: 9, 1, 10, 2 -> PR 5/8, 1/8, 7/8, 3/8 -> 4, 2, 5, 3
    assert m.loc[("a", "robbery"), "threat_sum"] == 9  # the second coding is not counted
    assert m.loc[("a", "robbery"), "threat_residents"] == 4
    assert m.loc[("a", "gender_violence"), "threat_residents"] == 2
    assert m.loc[("b", "gender_violence"), "threat_residents"] == 5
    assert m.loc[("b", "robbery"), "threat_residents"] == 3
    # vulnerability per area: a 6, b 3 -> PR 3/4, 1/4 -> 5, 3; capacity: a 0 -> 1, b 5 -> 4
    assert m.loc[("a", "robbery"), "vulnerability"] == 5
    assert m.loc[("b", "robbery"), "vulnerability"] == 3
    assert m.loc[("a", "robbery"), "capacity"] == 1
    assert m.loc[("b", "gender_violence"), "capacity"] == 4
    # T = 0.5 records + 0.5 residents
    assert m.loc[("a", "robbery"), "threat"] == 4.5
    assert m.loc[("b", "gender_violence"), "threat"] == 4.0


def test_risk_and_ranking_score_by_hand():
    m = _matrix()
    a = m.loc[("a", "robbery")]  # T 4.5, V 5, C 1
    assert a["risk"] == pytest.approx(4.5 * 5 / 1)
    assert a["score"] == pytest.approx((4.5 * 5 * 5) ** (1 / 3))
    b = m.loc[("b", "gender_violence")]  # T 4, V 3, C 4
    assert b["risk"] == pytest.approx(4 * 3 / 4)
    assert b["score"] == pytest.approx((4 * 3 * 2) ** (1 / 3))
    ranked = risk_matrix(RATES, FINDINGS, areas=["a", "b"]).table
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    assert ranked["score"].is_monotonic_decreasing
    assert (ranked["score"] >= 1).all()
    assert (ranked["score"] <= 5).all()


def test_crosscheck_classes():
    m = _matrix()
    assert m.loc[("a", "robbery"), "crosscheck"] == "priority"  # records 5, residents 4
    assert m.loc[("b", "gender_violence"), "crosscheck"] == "under_reporting"  # 3 vs 5
    assert m.loc[("b", "robbery"), "crosscheck"] == "check_denominators"  # 4 vs 3
    assert m.loc[("a", "gender_violence"), "crosscheck"] == "not_priority"  # 2 vs 2


def test_themes_without_records_use_residents_only():
    findings = pd.concat(
        [FINDINGS, pd.DataFrame([_finding("a", "youth", "threat", 3)])], ignore_index=True
    )
    m = risk_matrix(RATES, findings, areas=["a", "b"]).table.set_index(["area_id", "theme"])
    youth = m.loc[("a", "youth")]
    assert np.isnan(youth["threat_records"])
    assert youth["threat"] == youth["threat_residents"]
    assert youth["crosscheck"] == "records_unavailable"
    assert "no recorded rate" in youth["explanation"]


def test_records_weight_and_theme_scope():
    m = _matrix(records_weight=1.0)
    assert m.loc[("a", "robbery"), "threat"] == 5
    # theme scope: vulnerabilities coded to robbery only -> none -> 1 everywhere
    t = _matrix(scope="theme")
    assert (t["vulnerability"] == 1).all()
    with pytest.raises(InputError):
        _matrix(scope="city")
    with pytest.raises(InputError):
        _matrix(records_weight=1.5)


def test_every_row_explains_its_inputs():
    row = _matrix().loc[("a", "robbery")]
    text = row["explanation"]
    for piece in ("records 5", "rate 400", "residents 4", "intensity sum 9", "vulnerability 5",
                  "capacity 1", "Risk T x V / C = 22.5", "priority"):  # fmt: skip
        assert piece in text, piece


def test_unknown_kind_is_refused():
    bad = pd.DataFrame([_finding("a", "robbery", "risk", 3)])
    with pytest.raises(InputError, match="unknown finding kinds"):
        risk_matrix(RATES, bad)
