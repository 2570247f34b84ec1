"""Property-based invariants of the survey estimators on random stratified cluster designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barrio.errors import ConfigError, InputError
from barrio.survey import calibration as cal
from barrio.survey import estimate, svydesign
from barrio.survey.io import read_microdata
from barrio.survey.quality import quality_flag
from barrio.survey.replicates import with_replicates

FAST = settings(max_examples=25, deadline=None)


def random_frame(seed: int, strata: int, psus: int, pairs: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(strata):
        for j in range(2 if pairs else int(rng.integers(2, psus + 1))):
            for _ in range(int(rng.integers(1, 6))):
                rows.append(
                    (h, f"{h}-{j}", rng.uniform(1, 50), rng.gamma(2, 5), rng.choice(list("abc")))
                )
    frame = pd.DataFrame(rows, columns=["h", "p", "w", "y", "d"])
    frame["N"] = frame.groupby("h")["p"].transform("nunique") * 3
    return frame


designs = st.builds(random_frame, st.integers(0, 10_000), st.integers(1, 6), st.integers(2, 5))


@FAST
@given(designs)
def test_domain_totals_add_up(frame: pd.DataFrame) -> None:
    d = svydesign(frame, weights="w", strata="h", psu="p", fpc="N")
    (total,) = estimate(d, "total", "y")
    parts = estimate(d, "total", "y", by=["d"])
    assert sum(p.estimate for p in parts) == pytest.approx(total.estimate, rel=1e-10)
    assert all(p.se >= 0 for p in parts)


@FAST
@given(designs)
def test_proportions_sum_to_one_in_every_domain(frame: pd.DataFrame) -> None:
    d = svydesign(frame, weights="w", strata="h", psu="p")
    props = estimate(d, "proportion", "d", by=["h"])
    for h in frame["h"].unique():
        ps = [e for e in props if e.domain["h"] == h]
        assert sum(e.estimate for e in ps) == pytest.approx(1.0)
        assert all(0 <= e.ci_low <= e.estimate <= e.ci_high <= 1 for e in ps)


@FAST
@given(designs, st.floats(0.1, 100))
def test_scaling_weights_scales_totals_not_means(frame: pd.DataFrame, c: float) -> None:
    d1 = svydesign(frame, weights="w", strata="h", psu="p")
    d2 = svydesign(frame.assign(w=frame["w"] * c), weights="w", strata="h", psu="p")
    (m1,), (m2,) = estimate(d1, "mean", "y"), estimate(d2, "mean", "y")
    (t1,), (t2,) = estimate(d1, "total", "y"), estimate(d2, "total", "y")
    assert (m2.estimate, m2.se) == pytest.approx((m1.estimate, m1.se), rel=1e-9)
    assert (t2.estimate, t2.se) == pytest.approx((c * t1.estimate, c * t1.se), rel=1e-9)


@FAST
@given(designs)
def test_row_order_does_not_matter(frame: pd.DataFrame) -> None:
    shuffled = frame.sample(frac=1.0, random_state=1)
    a = estimate(svydesign(frame, weights="w", strata="h", psu="p"), "mean", "y", by=["d"])
    b = estimate(svydesign(shuffled, weights="w", strata="h", psu="p"), "mean", "y", by=["d"])
    flat_a = [v for e in a for v in (e.estimate, e.se)]
    flat_b = [v for e in b for v in (e.estimate, e.se)]
    assert flat_a == pytest.approx(flat_b, rel=1e-9, abs=1e-9)


@FAST
@given(designs)
def test_jackknife_of_a_total_equals_linearisation(frame: pd.DataFrame) -> None:
    """For a linear statistic JKn and Taylor (with replacement) variances coincide."""
    d = svydesign(frame, weights="w", strata="h", psu="p")
    (taylor,) = estimate(d, "total", "y")
    (jack,) = estimate(with_replicates(d, "jkn"), "total", "y")
    assert jack.se == pytest.approx(taylor.se, rel=1e-9)


@FAST
@given(st.integers(0, 10_000), st.integers(1, 9))
def test_brr_of_a_total_equals_linearisation(seed: int, strata: int) -> None:
    d = svydesign(random_frame(seed, strata, 2, pairs=True), weights="w", strata="h", psu="p")
    (taylor,) = estimate(d, "total", "y")
    (brr,) = estimate(with_replicates(d, "brr"), "total", "y")
    assert brr.se == pytest.approx(taylor.se, rel=1e-9)


@FAST
@given(designs)
def test_calibrated_weights_reproduce_population_totals(frame: pd.DataFrame) -> None:
    d = svydesign(frame, weights="w", strata="h", psu="p")
    pop = {k: float(v) for k, v in frame.groupby("d")["w"].sum().mul(1.3).items()}
    hpop = {str(k): float(v) for k, v in frame.groupby("h")["w"].sum().mul(1.3).items()}
    ytotal = 1.1 * float((frame.w * frame.y).sum())
    adjusted = [cal.poststratify(d, "d", pop), cal.rake(d, {"d": pop, "h": hpop})]
    try:
        adjusted.append(cal.calibrate(d, margins={"d": pop}, totals={"y": ytotal}))
    except InputError:  # infeasible: as many constraints as distinct rows per category
        assert frame.groupby("d").size().min() == 1
    codes = frame["d"].to_numpy()
    for a in adjusted:
        got = {k: a.weights[codes == k].sum() for k in pop}
        assert got == pytest.approx(pop)


def test_bootstrap_is_reproducible_and_close_to_taylor() -> None:
    d = svydesign(random_frame(3, 6, 5), weights="w", strata="h", psu="p")
    (taylor,) = estimate(d, "mean", "y")
    a = estimate(with_replicates(d, "bootstrap:400", seed=7), "mean", "y")[0].se
    b = estimate(with_replicates(d, "bootstrap:400", seed=7), "mean", "y")[0].se
    assert a == b
    assert a == pytest.approx(taylor.se, rel=0.25)


def test_quality_bands() -> None:
    assert quality_flag(10, 100, 20)[0] == "high"
    assert quality_flag(20, 100, 20)[0] == "moderate"
    assert quality_flag(30, 100, 20)[0] == "low"
    assert quality_flag(5, 59, 20) == ("low", ("n<60",))
    assert quality_flag(5, 100, 8) == ("low", ("df<9",))


def test_missing_values_are_a_domain_not_dropped_psus() -> None:
    frame = random_frame(5, 3, 4)
    with_na = frame.assign(y=frame["y"].where(frame.index % 4 != 0))
    d = svydesign(with_na, weights="w", strata="h", psu="p")
    (m,) = estimate(d, "mean", "y")
    (ref,) = estimate(svydesign(frame, weights="w", strata="h", psu="p"), "mean", "y",
                      where=(frame.index % 4 != 0))  # fmt: skip
    assert (m.estimate, m.se, m.n) == (ref.estimate, ref.se, ref.n)


def test_errors_name_the_value() -> None:
    frame = random_frame(1, 2, 3)
    with pytest.raises(ConfigError, match="lonely"):
        svydesign(frame, weights="w", lonely="drop")
    with pytest.raises(InputError, match="not numeric"):
        estimate(svydesign(frame, weights="w"), "ratio", "p", denominator="y")
    with pytest.raises(ConfigError, match="JK1"):
        with_replicates(svydesign(frame, weights="w", strata="h", psu="p"), "jk1")
    with pytest.raises(InputError, match="BRR"):
        with_replicates(svydesign(frame.assign(h=0), weights="w", strata="h", psu="p"), "brr")
    with pytest.raises(InputError, match="no population total"):
        cal.poststratify(svydesign(frame, weights="w"), "d", {"a": 10})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".dta", ".sav"])
def test_readers_agree(tmp_path, suffix: str) -> None:
    import pyreadstat

    frame = random_frame(2, 3, 3)[["h", "p", "w", "y"]]
    path = tmp_path / f"m{suffix}"
    {
        ".csv": lambda: frame.to_csv(path, index=False),
        ".parquet": lambda: frame.to_parquet(path),
        ".dta": lambda: pyreadstat.write_dta(frame, str(path)),
        ".sav": lambda: pyreadstat.write_sav(frame, str(path)),
    }[suffix]()
    got = read_microdata(path)
    d = svydesign(got, weights="w", strata="h", psu="p")
    (m,) = estimate(d, "mean", "y")
    (ref,) = estimate(svydesign(frame, weights="w", strata="h", psu="p"), "mean", "y")
    assert (m.estimate, m.se) == pytest.approx((ref.estimate, ref.se), rel=1e-12)
