"""Concentration and evaluation metrics against the ptools / lorenzgini published examples.

Values from ../shared/REFERENCES.md: PAI/PEI (ptools test-pai.R), generalized Gini
(Bernasco & Steenbeek 2017 / lorenzgini), WDD (Wheeler & Ratcliffe 2018, Table in the paper:
-118, SE sqrt(1568), z -2.98, CI -196..-40), Poisson E-test (Krishnamoorthy & Thomson 2004
examples as in ptools: (0, 3) 0.0884, (6, 2) 0.1749).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from barrio.errors import InputError
from barrio.spatial.concentration import (
    generalized_gini,
    gini,
    lorenz,
    pai_table,
    places_for_share,
    poisson_e_test,
    top_share,
    wdd,
)


def test_pai_pei_rri_ptools_example():
    t = pai_table([6, 3, 0], [3, 2, 1])
    np.testing.assert_allclose(t["PAI"], [2, 1.5, 1])
    np.testing.assert_allclose(t["PEI"], [1, 1, 1])
    np.testing.assert_allclose(t["RRI"], np.cumsum([3, 2, 1]) / np.cumsum([6, 3, 0]))


def test_generalized_gini_published_examples():
    assert generalized_gini([5, 2, 1] + [0] * 7) == pytest.approx(0.75, abs=1e-12)
    assert generalized_gini([10, 8, 2] + [0] * 7) == pytest.approx(0.78, abs=1e-12)


def test_wdd_paper_example():
    r = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    assert r.total == -118
    assert r.se_total == pytest.approx(np.sqrt(1568))
    assert round(r.z, 2) == -2.98
    assert (round(r.ci_low), round(r.ci_high)) == (-196, -40)
    assert wdd((20, 20), (20, 10)).local == -10


def test_poisson_e_test_published_values():
    assert poisson_e_test(0, 3) == pytest.approx(0.0884, abs=5e-5)
    assert poisson_e_test(6, 2) == pytest.approx(0.1749, abs=5e-5)
    assert poisson_e_test(6, 2) == pytest.approx(poisson_e_test(2, 6))
    with pytest.raises(InputError, match="both zero"):
        poisson_e_test(0, 0)


def test_top_share_and_lorenz():
    x = [50, 30, 10, 5, 5, 0, 0, 0, 0, 0]
    assert top_share(x, 0.1) == pytest.approx(0.5)
    assert top_share(x, 0.2) == pytest.approx(0.8)
    assert places_for_share(x, 0.8) == pytest.approx(0.2)
    curve = lorenz(x)
    assert curve["share_crime"].iloc[-1] == pytest.approx(1)
    assert curve["share_crime"].iloc[1] == pytest.approx(0.5)


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=80))
def test_gini_bounds_and_invariance(counts):
    g = gini(counts)
    assert 0 <= g <= 1 - 1 / len(counts) + 1e-12
    assert gini(counts[::-1]) == pytest.approx(g)
    if sum(counts) > 0:
        assert gini([3 * c for c in counts]) == pytest.approx(g)
        # rescaled from the least concentration N < n crimes allow (N places with one each),
        # the generalized index is never above the ordinary one, and equal to it when N >= n
        sparse = generalized_gini(counts)
        if sum(counts) >= len(counts):
            assert sparse == pytest.approx(g)
        else:
            assert sparse <= g + 1e-12
        assert -1e-12 <= sparse <= 1 + 1e-12


def test_gini_extremes():
    assert gini([1, 1, 1, 1]) == 0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    # one crime in two places is as even as one crime can be (found by Hypothesis)
    assert generalized_gini([0, 1]) == pytest.approx(0.0)
    with pytest.raises(InputError):
        gini([1, -1])
