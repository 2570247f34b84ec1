"""How concentrated crime is, and how good a hotspot selection is.

- Lorenz curve, Gini and the generalized Gini for "more places than crimes" (Bernasco &
  Steenbeek 2017, *J. Quant. Criminol.* 33: 451-467; R package lorenzgini).
- Share of crime in the top x% of places (Weisburd 2015, "law of crime concentration").
- PAI, PEI and RRI of a ranked selection (Chainey, Tompson & Uhlig 2008; Hunt 2016; as in
  Wheeler's R package ptools ``pai``).
- Weighted displacement difference (Wheeler & Ratcliffe 2018, *Crime Science* 7:17).
- Poisson e-test for two counts or rates (Krishnamoorthy & Thomson 2004, *JSPI* 119: 23-35).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from barrio.errors import InputError
from barrio.i18n import _


def _counts(counts: Any, name: str = "counts") -> np.ndarray:
    arr = np.asarray(counts, dtype=np.float64).ravel()
    if arr.size == 0 or not np.isfinite(arr).all() or (arr < 0).any():
        raise InputError(
            _("{name} must be a non-empty array of finite, non-negative numbers", name=name),
            hint=_("replace missing counts by 0 and check for negative values"),
        )
    return arr


def lorenz(counts: Any) -> pd.DataFrame:
    """Lorenz curve of crime over places, places ranked from most to least crime.

    Returns columns ``share_places`` and ``share_crime`` (cumulative), starting at (0, 0).
    """
    x = np.sort(_counts(counts))[::-1]
    n = x.size
    total = x.sum()
    crime = np.concatenate([[0.0], np.cumsum(x) / total]) if total > 0 else np.zeros(n + 1)
    return pd.DataFrame({"share_places": np.arange(n + 1) / n, "share_crime": crime})


def gini(counts: Any) -> float:
    """Gini coefficient ``sum_ij |x_i - x_j| / (2 n^2 mean)`` (0 = even, 1 = one place)."""
    x = np.sort(_counts(counts))
    n = x.size
    total = x.sum()
    if total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum() / (n * total)) - (n + 1) / n)


def generalized_gini(counts: Any) -> float:
    """Generalized Gini of Bernasco & Steenbeek (2017) for sparse crime.

    With fewer crimes ``N`` than places ``n`` the maximum equality is ``N`` places with one
    crime each; the index is rescaled so that this case is 0: ``G' = 1 - (1 - G) n / N``.
    When ``N >= n`` it equals the ordinary :func:`gini`.

    >>> round(generalized_gini([5, 2, 1] + [0] * 7), 12)
    0.75
    """
    x = _counts(counts)
    n, total = x.size, x.sum()
    g = gini(x)
    if 0 < total < n:
        return float(1 - (1 - g) * n / total)
    return g


def top_share(counts: Any, fraction: float = 0.05) -> float:
    """Share of all crime in the top ``fraction`` of places (at least one place)."""
    x = np.sort(_counts(counts))[::-1]
    if not 0 < fraction <= 1:
        raise InputError(
            _("fraction {fraction} is not in (0, 1]", fraction=fraction),
            hint=_("e.g. 0.05 for the top 5%"),
        )
    k = max(1, int(np.ceil(fraction * x.size - 1e-9)))
    return float(x[:k].sum() / x.sum()) if x.sum() > 0 else 0.0


def places_for_share(counts: Any, share: float = 0.5) -> float:
    """Smallest fraction of places that holds at least ``share`` of all crime."""
    x = np.sort(_counts(counts))[::-1]
    cum = np.cumsum(x) / x.sum()
    return float((np.searchsorted(cum, share - 1e-12) + 1) / x.size)


def pai_table(observed: Any, predicted: Any, area: Any | None = None) -> pd.DataFrame:
    """PAI, PEI and RRI for every cut-off of places ranked by ``predicted`` (descending).

    - ``PAI = (n / N) / (a / A)``: share of observed crime captured over share of area.
    - ``PEI = PAI / PAI*`` where ``PAI*`` takes the same area with the places that had the most
      observed crime (the best possible selection of that size).
    - ``RRI = sum(predicted) / sum(observed)`` over the selection (ptools' definition).

    >>> pai_table([6, 3, 0], [3, 2, 1])["PAI"].tolist()
    [2.0, 1.5, 1.0]
    """
    obs = _counts(observed, "observed")
    pred = np.asarray(predicted, dtype=np.float64).ravel()
    a = np.ones_like(obs) if area is None else _counts(area, "area")
    if not pred.size == obs.size == a.size:
        raise InputError(
            _("observed, predicted and area must have the same length"),
            hint=_("pass one value per place"),
        )
    order = np.argsort(-pred, kind="stable")
    cum_obs, cum_area = np.cumsum(obs[order]), np.cumsum(a[order])
    share_area = cum_area / a.sum()
    pai = (cum_obs / obs.sum()) / share_area
    best = np.sort(obs)[::-1]
    pai_best = (np.cumsum(best) / obs.sum()) / share_area  # same cut-off, equal areas assumed
    with np.errstate(divide="ignore", invalid="ignore"):
        rri = np.cumsum(pred[order]) / cum_obs
        pei = pai / pai_best
    return pd.DataFrame(
        {
            "place": order,
            "observed": obs[order],
            "predicted": pred[order],
            "share_area": share_area,
            "share_crime": cum_obs / obs.sum(),
            "PAI": pai,
            "PEI": pei,
            "RRI": rri,
        }
    )


@dataclass(frozen=True)
class WDDResult:
    """Weighted displacement difference: estimates, standard errors and z."""

    local: float
    se_local: float
    displacement: float
    total: float
    se_total: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float]:
        """The result as a dict."""
        return asdict(self)


def wdd(
    control: tuple[float, float],
    treated: tuple[float, float],
    disp_control: tuple[float, float] = (0, 0),
    disp_treated: tuple[float, float] = (0, 0),
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    Each argument is ``(pre, post)`` counts. ``WDD = dT - dC + dD - dDC`` with
    ``d = post - pre``; under Poisson counts its variance is the sum of the eight counts.

    >>> wdd((308, 318), (207, 110), (150, 140), (178, 157)).total
    -118.0
    """
    counts = np.array([control, treated, disp_control, disp_treated], dtype=np.float64)
    _counts(counts.ravel(), "counts")
    delta = counts[:, 1] - counts[:, 0]
    local = delta[1] - delta[0]
    displacement = delta[3] - delta[2]
    total = local + displacement
    se_local = float(np.sqrt(counts[:2].sum()))
    se_total = float(np.sqrt(counts.sum()))
    z = total / se_total
    q = stats.norm.ppf(1 - alpha / 2)
    return WDDResult(
        float(local),
        se_local,
        float(displacement),
        float(total),
        se_total,
        float(z),
        float(2 * stats.norm.sf(abs(z))),
        float(total - q * se_total),
        float(total + q * se_total),
    )


def poisson_e_test(k1: int, k2: int, n1: float = 1.0, n2: float = 1.0, d: float = 0.0) -> float:
    """Two-sided Poisson E-test of ``k1/n1 = k2/n2 + d`` (Krishnamoorthy & Thomson 2004).

    The p-value sums the Poisson probabilities, under the estimated common rate, of all
    count pairs whose statistic is at least as extreme as the observed one.

    >>> round(poisson_e_test(6, 2), 4)
    0.1749
    """
    if k1 < 0 or k2 < 0 or n1 <= 0 or n2 <= 0 or (k1 == 0 and k2 == 0):
        raise InputError(
            _(
                "the E-test needs non-negative counts, not both zero, and positive "
                "exposures; got k1={k1}, k2={k2}, n1={n1}, n2={n2}",
                k1=k1,
                k2=k2,
                n1=n1,
                n2=n2,
            ),
            hint=_("with two zero counts there is no evidence of a difference"),
        )
    lhat = (k1 + k2) / (n1 + n2) - d * n1 / (n1 + n2)
    t_obs = abs((k1 / n1 - k2 / n2 - d) / np.sqrt(lhat))
    mu1, mu2 = n1 * (lhat + d), n2 * lhat
    mu = max(mu1, mu2)
    top = int(mu + 15 * np.sqrt(mu) + 50)  # the Poisson tail beyond is below 1e-20
    x = np.arange(top + 1)
    x1, x2 = np.meshgrid(x, x, indexing="ij")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(x1 / n1 - x2 / n2 - d) / np.sqrt((x1 + x2) / (n1 + n2))
    prob = np.outer(stats.poisson.pmf(x, mu1), stats.poisson.pmf(x, mu2))
    return float(prob[np.nan_to_num(t, nan=-1.0) >= t_obs - 1e-12].sum())
