"""The Open SDG progress measure against the methodology document (Statistics Canada / Open
SDG 2.4 ``docs/progress-methodology.md``): its formulas worked by hand on an example, its
category thresholds, its score transformation anchor points and its special cases.

Tolerance: 1e-9 on growth rates and ratios (closed forms), 1e-3 on scores (the document's
slopes are rounded to 4 decimals: 7.1429, 4.1667).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from barrio.report.progress import (
    cagr,
    limit_coefficient,
    measure_progress,
    score,
    status_from_score,
)


def test_worked_example_with_target():
    # Homicide rate 20 per 100k in 2015, 15 in 2020; target 10 by 2030 (lower is better).
    observed = 0.75 ** (1 / 5) - 1  # -5.59 % a year
    required = 0.5 ** (1 / 15) - 1  # -4.52 % a year needed
    ratio = -1 * observed / abs(required)  # d = -1
    p = measure_progress([2015, 2017, 2020], [20.0, 18.0, 15.0], target=10.0)
    assert p.cagr_observed == pytest.approx(observed, abs=1e-9)
    assert p.cagr_required == pytest.approx(required, abs=1e-9)
    assert p.progress_value == pytest.approx(ratio, abs=1e-9)
    assert ratio == pytest.approx(1.2381, abs=1e-4)
    assert p.status == "on_track"  # R >= 95 %
    assert p.score == pytest.approx(7.1429 * ratio - 4.2857, abs=1e-3)


@pytest.mark.parametrize(
    ("latest", "status"),
    [(17.0, "acceleration_needed"), (19.0, "limited_progress"), (22.0, "deterioration")],
)
def test_target_categories(latest, status):
    # Required growth 2015-2030 to go from 20 to 10: R thresholds 95 % / 60 % / 0.
    p = measure_progress([2015, 2020], [20.0, latest], target=10.0)
    ratio = -(math.pow(latest / 20, 1 / 5) - 1) / abs(math.pow(0.5, 1 / 15) - 1)
    assert p.progress_value == pytest.approx(ratio, abs=1e-9)
    assert p.status == status


def test_target_achieved_scores_five():
    p = measure_progress([2015, 2021], [20.0, 9.5], target=10.0)
    assert (p.status, p.score) == ("target_achieved", 5.0)


@pytest.mark.parametrize(
    ("value", "expected"), [(1.3, 5.0), (0.6, 0.0), (-0.6, -5.0), (2.0, 5.0), (-1.0, -5.0)]
)
def test_score_anchor_points_with_target(value, expected):
    # "cut-off thresholds are 130 % for a score of +5 and -60 % for a score of -5";
    # 60 % is the boundary between limited progress (score < 0) and acceleration needed.
    assert score(value, with_target=True) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.02, 5.0), (0.015, 2.5), (0.005, 0.0), (0.0, -2.5), (-0.02, -5.0), (-0.05, -5.0)],
)
def test_score_anchor_points_without_target(value, expected):
    # Figure 1: -2 % -> -5, 0 % -> -2.5, 0.5 % -> 0, 1.5 % -> 2.5, 2 % -> +5.
    assert score(value, with_target=False) == pytest.approx(expected, abs=1e-9)


def test_no_target_uses_growth_thresholds():
    # Lower is better; the rate falls 1 % a year: "acceleration needed" (0.5 % <= CAGR < 1.5 %).
    p = measure_progress([2015, 2020], [100.0, 100.0 * 0.99**5])
    assert p.progress_value == pytest.approx(0.01, abs=1e-9)
    assert p.status == "acceleration_needed"
    higher = measure_progress([2015, 2020], [50.0, 50.0 * 1.02**5], direction=1)
    assert higher.status == "on_track"


def test_base_year_defaults_to_2015_else_first_later_year():
    p = measure_progress([2012, 2015, 2019], [10.0, 12.0, 9.0], target=6.0)
    assert p.base_year == 2015
    q = measure_progress([2016, 2019], [12.0, 9.0], target=6.0)
    assert q.base_year == 2016
    assert q.cagr_required == pytest.approx(cagr(6.0, 12.0, 2030, 2016), abs=1e-12)


def test_special_cases():
    assert measure_progress([2020], [5.0]).status == "unable_to_assess"
    assert measure_progress([2015, 2020], [-1.0, 2.0]).status == "unable_to_assess"
    zero_target = measure_progress([2015, 2020], [4.0, 2.0], target=0.0)
    assert zero_target.target == 0.001  # "replaced by 0.001"
    zero_base = measure_progress([2015, 2020], [0.0, 2.0], direction=1)
    assert zero_base.base_value == 0.001


def test_limit_coefficient():
    assert limit_coefficient(100.0, 100.0) == 0.0
    assert limit_coefficient(50.0, 100.0) == pytest.approx(1 - 0.5**4.44, abs=1e-12)
    assert limit_coefficient(250.0, 100.0) == 1.0


def test_aggregate_status_from_score():
    # "the aggregate progress status for an indicator with an overall score of +1 is
    # 'Progress made but acceleration needed'"
    assert status_from_score(1.0) == "acceleration_needed"
    assert status_from_score(2.5) == "on_track"
    assert status_from_score(-2.6) == "deterioration"
    assert status_from_score(None) == "unable_to_assess"


@given(st.floats(-2, 3, allow_nan=False), st.floats(-2, 3, allow_nan=False))
def test_score_is_bounded_and_monotone_with_target(a, b):
    low, high = sorted((a, b))
    assert -5 <= score(low, with_target=True) <= score(high, with_target=True) <= 5


@given(st.floats(-0.1, 0.1, allow_nan=False), st.floats(-0.1, 0.1, allow_nan=False))
def test_score_is_bounded_and_monotone_without_target(a, b):
    low, high = sorted((a, b))
    assert -5 <= score(low, with_target=False) <= score(high, with_target=False) <= 5


@given(st.floats(-2, 3, allow_nan=False), st.booleans())
def test_status_of_the_score_is_the_status_of_the_value(value, with_target):
    # The document divides the score range equally between the four categories, so a series'
    # score falls in the band of its own status (away from the rounded slopes' boundaries).
    from barrio.report.progress import GROWTH_THRESHOLDS, TARGET_THRESHOLDS, _status

    thresholds = TARGET_THRESHOLDS if with_target else GROWTH_THRESHOLDS
    value = value if with_target else value / 50
    assume(min(abs(value - t) for t in thresholds.values()) > 1e-4)
    assert status_from_score(score(value, with_target=with_target)) == _status(value, thresholds)
