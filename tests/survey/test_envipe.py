"""ENVIPE 2021 victimization indicators on INEGI's microdata (../shared/data/envipe_2021).

References:

* R survey 4.1.1 on the same microdata (data/envipe_r_reference.csv, made by
  data/make_envipe_reference.R): estimates and SEs to a relative 1e-7;
* INEGI's published national figures for 2020 (ENVIPE 2021 results release, 22 Sep 2021, as
  reproduced by the press: afmedios.com, noticias.imer.mx, debate.com.mx, heraldo.mx): each
  must round to the printed figure (tolerance half a unit in the last printed digit);
* the data's PROVENANCE sanity figures (prevalence of personal crimes 05-15 = 17.0 %).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from barrio.survey import estimate
from barrio.survey.indicators import IndicatorSet, compute_indicators, load_mapping, table_design
from tests.conftest import shared_path

pytestmark = pytest.mark.realdata
REF = pd.read_csv(Path(__file__).parent / "data" / "envipe_r_reference.csv").set_index("case")


@cache
def indicators() -> IndicatorSet:
    return compute_indicators(shared_path("envipe_2021"), "envipe-2021", by=["state", "sex"])


@cache
def crimes():
    return table_design(load_mapping("envipe-2021"), "crimes", shared_path("envipe_2021"))


def national(name: str):
    (e,) = [e for e in indicators().estimates if e.statistic == name and not e.domain]
    return e


def domain(name: str, **where: str):
    (e,) = [e for e in indicators().estimates if e.statistic == name and e.domain == where]
    return e


R_CASES = [
    ("dark_figure", "dark", 100),
    ("sdg_16_3_1", "sdg", 100),
]


@pytest.mark.parametrize(("name", "key", "scale"), R_CASES)
@pytest.mark.parametrize("where", ["national", "09", "15", "31"])
def test_crime_shares_match_r(name: str, key: str, scale: float, where: str) -> None:
    got = national(name) if where == "national" else domain(name, state=where)
    ref = REF.loc[f"{key}_{where}"]
    assert got.estimate == pytest.approx(scale * ref.est, rel=1e-7)
    assert got.se == pytest.approx(scale * ref.se, rel=1e-7)
    assert got.cv == pytest.approx(100 * ref.se / ref.est, rel=1e-7)


@pytest.mark.parametrize(
    ("name", "case", "scale"),
    [
        ("investigation_rate", "carpeta_national", 100),
        ("reporting_rate", "rep_national", 100),
        ("not_reported_distrust", "distrust_national", 100),
        ("sdg_16_3_1_robbery", "sdg_robbery", 100),
        ("sdg_16_3_1_assault", "sdg_assault", 100),
        ("sdg_16_3_1_sexual", "sdg_sexual", 100),
        ("prevalence_rate", "prevalence_national", 100_000),
        ("incidence_rate", "incidence_national", 100_000),
        ("concentration", "concentration_national", 1),
    ],
)
def test_national_indicators_match_r(name: str, case: str, scale: float) -> None:
    got, ref = national(name), REF.loc[case]
    assert got.estimate == pytest.approx(scale * ref.est, rel=1e-7)
    assert got.se == pytest.approx(scale * ref.se, rel=1e-7)


def test_two_table_rate_by_sex_matches_r() -> None:
    """Sexual crimes per 100,000 women: crimes and persons tables stacked, domain sex."""
    got, ref = domain("sexual_incidence_rate", sex="female"), REF.loc["sexual_female"]
    assert got.estimate == pytest.approx(100_000 * ref.est, rel=1e-7)
    assert got.se == pytest.approx(100_000 * ref.se, rel=1e-7)


PUBLISHED = [  # INEGI, ENVIPE 2021, national, reference year 2020
    ("prevalence_rate", {}, 23_520, 0),  # victims per 100,000 population 18+
    ("incidence_rate", {}, 30_601, 0),  # crimes per 100,000
    ("concentration", {}, 1.3, 1),  # crimes per victim
    ("dark_figure", {}, 93.3, 1),  # cifra negra, %
    ("investigation_rate", {}, 6.7, 1),  # investigation file opened, % of crimes
    ("not_reported_waste_of_time", {}, 33.9, 1),  # reason for not reporting, %
    ("not_reported_distrust", {}, 14.2, 1),  # distrust in the authority, %
    ("sexual_incidence_rate", {"sex": "female"}, 3_140, 0),  # per 100,000 women
]


@pytest.mark.parametrize(("name", "where", "value", "digits"), PUBLISHED)
def test_published_figures(name: str, where: dict[str, str], value: float, digits: int) -> None:
    got = domain(name, **where).estimate
    assert abs(got - value) <= 0.5 * 10**-digits, f"{name}: {got} vs published {value}"
    if not where:
        assert indicators().published[name]["value"] == value
    assert domain(name, **where).quality == "high"


def test_personal_prevalence_matches_provenance() -> None:
    assert round(national("prevalence_personal_rate").estimate / 1000, 1) == 17.0


def test_state_totals_add_up_to_the_national_total() -> None:
    """Totals are additive, and (strata nested in states) so are their variances."""
    d = crimes()
    data = d.data.assign(dark=(d.data["BP1_24"] != "1").astype(float))
    d = d.with_weights(d.weights, data=data)
    (nat,) = estimate(d, "total", "dark")
    states = estimate(d, "total", "dark", by=["state"])
    assert len(states) == 32
    assert sum(s.estimate for s in states) == pytest.approx(nat.estimate, rel=1e-12)
    assert sum(s.se**2 for s in states) == pytest.approx(nat.se**2, rel=1e-9)


def test_strata_are_nested_in_states() -> None:
    """What makes state variances additive: no stratum spans two states."""
    data = crimes().data
    assert data.groupby("EST_DIS")["state"].nunique().max() == 1


@pytest.mark.parametrize("name", ["dark_figure", "sdg_16_3_1", "prevalence_rate"])
def test_national_share_is_the_weighted_mean_of_state_shares(name: str) -> None:
    """Each national ratio is the denominator-weighted mean of the 32 state ratios, and its
    variance is no larger than that of the state estimates combined as independent samples."""
    states = [e for e in indicators().estimates if e.statistic == name and "state" in e.domain]
    assert len(states) == 32
    spec = load_mapping("envipe-2021")["indicators"][name]
    table = table_design(load_mapping("envipe-2021"), spec["table"], shared_path("envipe_2021"))
    from barrio.survey.expressions import evaluate

    den = evaluate(table.data, spec.get("universe")) * evaluate(table.data, spec.get("denominator"))
    codes = table.data["state"].to_numpy()
    weight = {s: (table.weights * den)[codes == s].sum() for s in set(codes)}
    shares = np.array([e.estimate for e in states])
    totals = np.array([weight[e.domain["state"]] for e in states])
    nat = national(name)
    assert (shares * totals).sum() / totals.sum() == pytest.approx(nat.estimate, rel=1e-10)
    share_w = totals / totals.sum()
    combined_se = np.sqrt(((share_w * np.array([e.se for e in states])) ** 2).sum())
    assert nat.se == pytest.approx(combined_se, rel=0.05)


def test_sdg_violent_is_the_union_of_its_parts() -> None:
    """Violent = robbery + assault + sexual: its rate lies between theirs, weighted by counts."""
    parts = [national(f"sdg_16_3_1_{k}").estimate for k in ("robbery", "assault", "sexual")]
    assert min(parts) < national("sdg_16_3_1").estimate < max(parts)


def test_missing_table_is_reported_not_dropped() -> None:
    """TPer_Vic1 (perception and trust) is not in the shared data: each such indicator is listed
    with its table, file, items and reason."""
    gone = {u["indicator"]: u for u in indicators().unavailable}
    mapping = load_mapping("envipe-2021")
    expected = {k for k, v in mapping["indicators"].items() if v["table"] == "perception"}
    assert set(gone) == expected
    assert len(expected) == 13
    trust = gone["trust_navy"]
    assert trust["file"] == "envipe2021_TPer_Vic1.parquet"
    assert trust["items"] == ["AP5_4_09", "AP5_3_09"]
    assert "is not in" in trust["reason"]


def test_published_shares_of_crime_types() -> None:
    """INEGI: robbery in the street 22.5 %, fraud 19.3 %, extortion 16.9 %, total or partial
    vehicle theft 10.6 %, verbal threats 9.7 % of the crimes of 2020 (vandalism, 03, not a crime
    in INEGI's count); each to the printed 0.1 point."""
    d = crimes()
    where = (d.data["BPCOD"] != "03").to_numpy()
    share = {e.level: 100 * e.estimate for e in estimate(d, "proportion", "BPCOD", where=where)}
    assert "03" not in share or share["03"] == 0
    for codes, published in ((["05"], 22.5), (["07", "08"], 19.3), (["09"], 16.9),
                             (["01", "02"], 10.6), (["10"], 9.7)):  # fmt: skip
        assert abs(sum(share[c] for c in codes) - published) <= 0.05, codes
