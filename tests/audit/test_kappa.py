"""Cohen's kappa: published and hand-computed examples, and a cross-check with statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

from barrio.audit.kappa import cohens_kappa, kappa_by_theme

# Wikipedia, "Cohen's kappa", worked examples (rows: rater A yes/no, columns: rater B yes/no).
PUBLISHED = [
    ([[20, 5], [10, 15]], 0.4),  # 50 grant proposals: p_o = 0.7, p_e = 0.5
    ([[45, 15], [25, 15]], 0.1304),  # same agreement (60/100), different marginals
    ([[25, 35], [5, 35]], 0.2593),
]


@pytest.mark.parametrize(("table", "expected"), PUBLISHED)
def test_kappa_matches_published_examples(table, expected):
    assert cohens_kappa(table).kappa == pytest.approx(expected, abs=5e-5)


def test_kappa_three_categories_by_hand():
    # rows 80/10/10, columns 80/5/15: p_o = 0.89, p_e = (6400 + 50 + 150) / 10000 = 0.66
    k = cohens_kappa([[75, 1, 4], [5, 4, 1], [0, 0, 10]])
    assert k.p_observed == pytest.approx(0.89, abs=1e-12)
    assert k.p_expected == pytest.approx(0.66, abs=1e-12)
    assert k.kappa == pytest.approx(0.23 / 0.34, abs=1e-12)
    assert k.n == 100


TABLES = [t for t, _ in PUBLISHED] + [
    [[75, 1, 4], [5, 4, 1], [0, 0, 10]],
    np.random.default_rng(7).integers(0, 40, (4, 4)).tolist(),
    np.random.default_rng(8).integers(0, 40, (5, 5)).tolist(),
]


@pytest.mark.parametrize("table", TABLES)
def test_kappa_and_errors_match_statsmodels(table):
    ours, ref = cohens_kappa(table), sm_kappa(np.asarray(table))
    assert ours.kappa == pytest.approx(ref.kappa, rel=1e-10)
    assert ours.se == pytest.approx(ref.std_kappa, rel=1e-10)
    assert ours.se_null == pytest.approx(ref.std_kappa0, rel=1e-10)
    assert ours.p_value == pytest.approx(ref.pvalue_two_sided, rel=1e-8)
    assert ours.ci_low == pytest.approx(ref.kappa_low, rel=1e-10)
    assert ours.ci_high == pytest.approx(ref.kappa_upp, rel=1e-10)


def test_kappa_undefined_when_both_coders_use_one_category():
    k = cohens_kappa([[10, 0], [0, 0]])
    assert np.isnan(k.kappa)
    assert k.p_observed == 1.0


def test_kappa_rejects_bad_tables():
    with pytest.raises(ValueError, match="square"):
        cohens_kappa([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="negative"):
        cohens_kappa([[1, -2], [3, 4]])


def _codings(first: dict[str, list[str]], second: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(s, t, False) for s, themes in first.items() for t in themes]
    rows += [(s, t, True) for s, themes in second.items() for t in themes]
    return pd.DataFrame(rows, columns=["segment", "theme", "second_coding"])


def test_kappa_by_theme_builds_one_table_per_theme():
    # 10 double-coded segments. robbery: both 4, first only 1, second only 1, neither 4
    # -> p_o = 0.8, p_e = 0.5*0.5 + 0.5*0.5 = 0.5, kappa = 0.6 (warned)
    first = {f"s{i}": ["robbery"] for i in range(5)} | {f"s{i}": ["youth"] for i in range(5, 10)}
    second = {f"s{i}": ["robbery"] for i in range(4)} | {"s4": ["youth"], "s5": ["robbery"]}
    second |= {f"s{i}": ["youth"] for i in range(6, 10)}
    extra = pd.DataFrame({"segment": ["lonely"], "theme": ["arms"], "second_coding": [False]})
    table = kappa_by_theme(pd.concat([_codings(first, second), extra])).set_index("theme")
    robbery = table.loc["robbery"]
    assert (robbery["both"], robbery["first_only"], robbery["second_only"], robbery["neither"]) == (
        4, 1, 1, 4,
    )  # fmt: skip
    assert robbery["kappa"] == pytest.approx(0.6, abs=1e-12)
    assert bool(robbery["warn"])
    assert "arms" not in table.index  # single-coded segments do not count
    assert (table["segments"] == 10).all()


def test_kappa_by_theme_without_double_coding_is_empty():
    frame = _codings({"a": ["robbery"]}, {})
    assert kappa_by_theme(frame).empty
