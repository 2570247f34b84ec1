"""Emerging hot spots: a space-time cube, Gi* per time step, Mann-Kendall trends, categories.

Two classifications are offered:

- ``esri_categories``: the 17 categories of ArcGIS Pro "Emerging Hot Spot Analysis" (ESRI,
  "How Emerging Hot Spot Analysis works"): new, consecutive, intensifying, persistent,
  diminishing, sporadic, oscillating, historical hot (and cold) spots, and no pattern.
- ``sfhotspot_categories``: the simpler scheme of R sfhotspot's ``hotspot_classify`` (Ashby):
  persistent, emerging, former and intermittent hot (and cold) spots, from the share of all,
  recent and older periods in which a cell is a significant hot (cold) spot.

Everything is vectorised over locations and periods: the cube is an (n_locations, n_periods)
array, space-time Gi* is one sparse product plus a cumulative sum along time, and Mann-Kendall
is computed for all locations at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from barrio.errors import ConfigError, InputError
from barrio.i18n import _
from barrio.spatial.inference import fdr_bh
from barrio.spatial.weights import as_sparse, with_self

HOT_CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)


def space_time_cube(location: np.ndarray, period: np.ndarray, n_locations: int, n_periods: int):
    """Counts per (location, period) from integer codes of each event (-1 = dropped)."""
    loc, per = np.asarray(location, dtype=np.int64), np.asarray(period, dtype=np.int64)
    ok = (loc >= 0) & (loc < n_locations) & (per >= 0) & (per < n_periods)
    flat = np.bincount(loc[ok] * n_periods + per[ok], minlength=n_locations * n_periods)
    return flat.reshape(n_locations, n_periods).astype(np.float64)


def space_time_gistar(cube: np.ndarray, w: sparse.spmatrix, time_window: int = 0) -> np.ndarray:
    """Gi* z-score of every bin of the cube (ArcGIS space-time Gi*).

    The neighbours of bin (i, t) are the spatial neighbours of i and i itself, in time steps
    ``t - time_window .. t``; mean and standard deviation are those of the whole cube.
    """
    x = np.asarray(cube, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise InputError(
            _("the cube must be 2-D (locations x periods); got {shape}", shape=x.shape)
        )
    W = with_self(as_sparse(w), 1.0)
    n_total = x.size
    xbar = x.mean()
    s = np.sqrt((x**2).mean() - xbar**2)
    if s == 0:
        raise InputError(
            _("the space-time cube is constant"), hint=_("check the counts and periods")
        )
    lag = np.asarray(W @ x)
    wi = np.asarray(W.sum(axis=1)).ravel()[:, None]
    s1 = np.asarray(W.multiply(W).sum(axis=1)).ravel()[:, None]
    steps = np.minimum(np.arange(x.shape[1]) + 1, time_window + 1)[None, :]
    lag = _window_sum(lag, time_window)
    wsum, s1sum = wi * steps, s1 * steps
    denom = s * np.sqrt((n_total * s1sum - wsum**2) / (n_total - 1))
    return (lag - xbar * wsum) / denom


def _window_sum(a: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(a, axis=1)
    if k == 0:
        return a
    out = c.copy()
    out[:, k + 1 :] -= c[:, : -(k + 1)]
    return out


def mann_kendall(series: np.ndarray) -> pd.DataFrame:
    """Mann-Kendall trend test on each row (Mann 1945; Kendall 1975), ties corrected.

    ``S = sum_{i<j} sign(x_j - x_i)``, ``Var S = [n(n-1)(2n+5) - sum_g t_g(t_g-1)(2t_g+5)] / 18``,
    ``z = (S - sign(S)) / sqrt(Var S)`` (continuity correction), two-sided p.

    >>> round(float(mann_kendall(np.arange(1.0, 11.0)[None])["z"][0]), 5)
    3.93548
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = x.shape[1]
    i, j = np.triu_indices(n, 1)
    s = np.sign(x[:, j] - x[:, i]).sum(axis=1)
    var = np.full(x.shape[0], n * (n - 1) * (2 * n + 5), dtype=np.float64)
    var -= _tie_correction(np.sort(x, axis=1))
    var /= 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    return pd.DataFrame({"S": s, "var": var, "z": z, "p_value": 2 * stats.norm.sf(np.abs(z))})


def _tie_correction(srt: np.ndarray) -> np.ndarray:
    """``sum_g t_g (t_g - 1) (2 t_g + 5)`` over the tie groups of each sorted row."""
    rows, n = srt.shape
    new_group = np.ones_like(srt, dtype=bool)
    new_group[:, 1:] = np.diff(srt, axis=1) != 0
    group = np.cumsum(new_group, axis=1) - 1 + (np.arange(rows) * n)[:, None]
    t = np.bincount(group.ravel(), minlength=rows * n).astype(np.float64)
    return (t * (t - 1) * (2 * t + 5)).reshape(rows, n).sum(axis=1)


def esri_categories(
    z: np.ndarray, alpha: float = 0.05, fdr: bool = True, trend_alpha: float = 0.05
) -> pd.DataFrame:
    """ESRI emerging hot spot categories from the Gi* z-scores of a cube (locations x periods).

    A bin is significant when its two-sided p-value (q-value with ``fdr=True``, over all bins)
    is at most ``alpha``. The trend is Mann-Kendall on each location's z series.
    """
    z = np.asarray(z, dtype=np.float64)
    p = 2 * stats.norm.sf(np.abs(z))
    q = fdr_bh(p.ravel()).reshape(p.shape) if fdr else p
    sig = q <= alpha
    mk = mann_kendall(z)
    up = (mk["p_value"].to_numpy() <= trend_alpha) & (mk["z"].to_numpy() > 0)
    down = (mk["p_value"].to_numpy() <= trend_alpha) & (mk["z"].to_numpy() < 0)
    hot = _esri_side(sig & (z > 0), sig & (z < 0), up, down)
    cold = _esri_side(sig & (z < 0), sig & (z > 0), down, up)
    label = np.where(hot != "", hot + " hot spot", np.where(cold != "", cold + " cold spot", ""))
    label = np.where(label == "", "no pattern", label)
    return pd.DataFrame(
        {
            "category": label,
            "trend_z": mk["z"],
            "trend_p": mk["p_value"],
            "share_hot": (sig & (z > 0)).mean(axis=1),
            "share_cold": (sig & (z < 0)).mean(axis=1),
        }
    )


def _esri_side(
    on: np.ndarray, other: np.ndarray, rising: np.ndarray, falling: np.ndarray
) -> np.ndarray:
    n_t = on.shape[1]
    final = on[:, -1]
    count = on.sum(axis=1)
    share = count / n_t
    run = _final_run(on)
    ever_other = other.any(axis=1)
    out = np.full(on.shape[0], "", dtype=object)
    rules = [
        (final & (count == 1), "new"),
        (final & (run >= 2) & (run == count) & (share < 0.9), "consecutive"),
        (final & (share >= 0.9) & rising, "intensifying"),
        (final & (share >= 0.9) & falling, "diminishing"),
        (final & (share >= 0.9), "persistent"),
        (final & (share < 0.9) & ever_other, "oscillating"),
        (final & (share < 0.9), "sporadic"),
        (~final & (share >= 0.9), "historical"),
    ]
    for mask, name in reversed(rules):  # earlier rules take precedence
        out[mask] = name
    return out.astype(str)


def _final_run(on: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at the last period."""
    rev = on[:, ::-1]
    first_false = np.where(~rev.any(axis=1), 0, np.argmin(rev, axis=1))
    return np.where(rev.all(axis=1), on.shape[1], first_false)


def sfhotspot_categories(
    z: np.ndarray,
    alpha: float = 0.05,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
) -> pd.Series:
    """sfhotspot ``hotspot_classify``-style labels from per-period Gi* z-scores.

    p-values are Holm-adjusted within each location (sfhotspot's ``p_adjust_method``
    default), a period is hot (cold) when the adjusted p < ``alpha`` and z > 0 (< 0).
    Labels: ``persistent`` (hot in >= ``persistent_prop`` of periods), ``emerging`` (hot in
    recent periods only), ``former`` (hot in older periods only), ``intermittent`` (other
    hot cells), the same for cold, and ``no pattern``.
    """
    z = np.asarray(z, dtype=np.float64)
    if not 0 < recent_prop < 1:
        raise ConfigError(
            _("recent_prop {recent_prop} is not in (0, 1)", recent_prop=recent_prop),
            hint=_("default 0.2"),
        )
    p = _holm_rows(2 * stats.norm.sf(np.abs(z)))
    n_t = z.shape[1]
    recent = max(1, int(np.floor(recent_prop * n_t)))
    out = np.full(z.shape[0], "no pattern", dtype=object)
    for side, mask in (("cold", (p < alpha) & (z < 0)), ("hot", (p < alpha) & (z > 0))):
        share = mask.mean(axis=1)
        new, old = mask[:, -recent:].any(axis=1), mask[:, :-recent].any(axis=1)
        label = np.select(
            [share >= persistent_prop, new & ~old, old & ~new, new | old],
            [
                f"persistent {side}spot",
                f"emerging {side}spot",
                f"former {side}spot",
                f"intermittent {side}spot",
            ],
            default="",
        )
        out = np.where(label != "", label, out)
    return pd.Series(out.astype(str), name="category")


def _holm_rows(p: np.ndarray) -> np.ndarray:
    m = p.shape[1]
    order = np.argsort(p, axis=1)
    ps = np.take_along_axis(p, order, axis=1) * (m - np.arange(m))[None, :]
    ps = np.minimum(np.maximum.accumulate(ps, axis=1), 1.0)
    out = np.empty_like(ps)
    np.put_along_axis(out, order, ps, axis=1)
    return out
