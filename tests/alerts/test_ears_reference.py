"""EARS C1/C2/C3 against R surveillance::earsC; tolerance 1e-9 relative, identical alarms."""

from __future__ import annotations

import numpy as np
import pytest

from barrio.alerts.ears import ears
from barrio.errors import ConfigError
from tests.alerts._reference import assert_matches, load, monitored

CASES = [(m, a) for m in ("C1", "C2", "C3") for a in (0.001, 0.05)]


@pytest.mark.parametrize(("method", "alpha"), CASES)
def test_ears_salmonella_agona(method, alpha):
    df = load("salmonella_agona_reference.csv")
    column = f"ears{method}_a{alpha}"
    mon = monitored(df, column)
    out = ears(df["observed"].to_numpy(float)[None, :], mon, method=method, alpha=alpha)
    assert_matches(df, column, out, mon, rtol=1e-9)


def test_ears_c1_newport_package_unit_test():
    """surveillance's own test-earsC.R values: 3.278854 3.278854 3.436517 3.855617."""
    df = load("salmNewport_germany_reference.csv")
    column = "earsC1_a0.05"
    mon = monitored(df, column)
    out = ears(df["observed"].to_numpy(float)[None, :], mon, method="C1", alpha=0.05)
    assert_matches(df, column, out, mon, rtol=1e-9)
    np.testing.assert_allclose(
        out.upperbound[0, :4], [3.278854, 3.278854, 3.436517, 3.855617], rtol=1e-6
    )


def test_ears_c2_monthly():
    df = load("monthly_synthetic_reference.csv")
    column = "earsC2_a0.05"
    mon = monitored(df, column)
    out = ears(df["observed"].to_numpy(float)[None, :], mon, method="C2", alpha=0.05)
    assert_matches(df, column, out, mon, rtol=1e-9)


def test_ears_rejects_unknown_method_and_short_history():
    y = np.ones((1, 20))
    with pytest.raises(ConfigError, match="C4"):
        ears(y, [15], method="C4")
    with pytest.raises(ConfigError, match="earlier periods"):
        ears(y, [5], method="C3")
