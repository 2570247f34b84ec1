"""Near repeat analysis: Knox tests and Near Repeat Calculator tables.

The Knox test (Knox 1964) counts pairs of events close in both space and time. The Near Repeat
Calculator (Ratcliffe 2009) generalises it to a table of distance bands x time bands and tests
each cell by Monte Carlo: event times are shuffled among the locations, the table recomputed,
and the observed count compared with the simulated ones.

Pairs closer than the largest finite distance band are found with a KD-tree (Manhattan or
Euclidean metric), so the cost grows with the number of *near* pairs, not with n^2. The last
row ("more than the last band") is obtained by subtraction from the time-band totals over all
pairs, which do not change when times are shuffled.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

METRICS = {"manhattan": 1, "euclidean": 2}


@dataclass(frozen=True)
class KnoxResult:
    """Knox test result (pointpats-compatible definitions: ``<= delta`` and ``<= tau``)."""

    statistic: int
    expected: float
    p_poisson: float
    p_sim: float
    pairs_space: int
    pairs_time: int
    pairs: int


@dataclass(frozen=True)
class NearRepeatTable:
    """Observed and expected pair counts per (distance band, time band), with p-values.

    Attributes
    ----------
    observed, expected, knox_ratio, p_value
        DataFrames indexed by distance-band label, columns by time-band label.
    """

    observed: pd.DataFrame
    expected: pd.DataFrame
    knox_ratio: pd.DataFrame
    p_value: pd.DataFrame
    iterations: int


def _near_pairs(xy: np.ndarray, radius: float, metric: str) -> tuple[np.ndarray, np.ndarray]:
    if metric not in METRICS:
        raise ConfigError(
            _(
                "unknown distance {metric}; expected one of: {choices}",
                metric=repr(metric),
                choices=", ".join(METRICS),
            ),
            hint=_("the Near Repeat Calculator offers manhattan and euclidean"),
        )
    tree = cKDTree(xy)
    pairs = tree.query_pairs(radius, p=METRICS[metric], output_type="ndarray")
    diff = np.abs(xy[pairs[:, 0]] - xy[pairs[:, 1]])
    dist = diff.sum(axis=1) if metric == "manhattan" else np.hypot(diff[:, 0], diff[:, 1])
    return pairs, dist


def _time_pairs_upto(t_sorted: np.ndarray, edge: float, inclusive: bool = False) -> int:
    """Number of pairs with |t_i - t_j| < edge (``<= edge`` if inclusive); t sorted."""
    if not np.isfinite(edge):
        n = t_sorted.size
        return n * (n - 1) // 2
    hi = np.searchsorted(t_sorted, t_sorted + edge, side="right" if inclusive else "left")
    return int(np.maximum(hi - np.arange(t_sorted.size) - 1, 0).sum())


def knox(
    xy: np.ndarray,
    t: np.ndarray,
    delta: float,
    tau: float,
    *,
    permutations: int = 99,
    seed: int | None = None,
    metric: str = "euclidean",
) -> KnoxResult:
    """Knox test: pairs within ``delta`` in space and ``tau`` in time.

    The Poisson p-value is ``P(X > statistic)`` with ``X ~ Poisson(N_s N_t / N)``, as in
    PySAL pointpats; ``p_sim`` is ``(1 + #{sim >= obs}) / (permutations + 1)`` with times
    shuffled among events.
    """
    xy, t = _check(xy, t)
    n = t.size
    pairs, _ = _near_pairs(xy, delta, metric)
    n_pairs = n * (n - 1) // 2
    n_time = _time_pairs_upto(np.sort(t), tau, inclusive=True)
    stat = int((np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) <= tau).sum())
    expected = len(pairs) * n_time / n_pairs
    rng = np.random.default_rng(seed)
    sims = np.array(
        [
            (np.abs(tp[pairs[:, 0]] - tp[pairs[:, 1]]) <= tau).sum()
            for tp in (rng.permutation(t) for _ in range(permutations))
        ]
    )
    p_sim = float((1 + (sims >= stat).sum()) / (permutations + 1)) if permutations else np.nan
    p_poisson = float(stats.poisson.sf(stat, expected))
    return KnoxResult(stat, float(expected), p_poisson, p_sim, len(pairs), n_time, n_pairs)


def near_repeat(
    xy: np.ndarray,
    t: np.ndarray,
    distance_bands: list[float],
    time_bands: list[float],
    *,
    iterations: int = 99,
    seed: int | None = None,
    metric: str = "manhattan",
) -> NearRepeatTable:
    """Near Repeat Calculator table (Ratcliffe 2009).

    Parameters
    ----------
    xy
        Projected coordinates (n, 2).
    t
        Event times in days (numbers; convert dates with ``(date - date.min()).days``).
    distance_bands, time_bands
        Left edges of the bands, starting at 0; the last band is open-ended. Bands are
        half-open ``[a, b)``. The Near Repeat Calculator's bands labelled "0 to 7", "8 to 14",
        "15 to 21", "more than 21" days are ``time_bands=[0, 7, 14, 21]`` (its observed table
        on the Chicago burglaries is reproduced exactly with these edges), and
        ``distance_bands=[0, 1, 100, 200, 300]`` (Manhattan metres) gives its "same location",
        "1 to 100", ... "more than 300" rows.
    iterations
        Monte Carlo iterations (the NRC default is 20; 99 or 999 is better).
    """
    xy, t = _check(xy, t)
    d_edges, t_edges = _edges(distance_bands, "distance"), _edges(time_bands, "time")
    pairs, dist = _near_pairs(xy, d_edges[-1], metric)
    keep = dist < d_edges[-1]
    pairs, drow = pairs[keep], np.searchsorted(d_edges, dist[keep], side="right") - 1
    t_sorted = np.sort(t)
    t_full = np.append(t_edges, np.inf)
    below = np.array([_time_pairs_upto(t_sorted, e) for e in t_full])
    col_totals = np.diff(below)
    observed = _table(pairs, drow, t, t_edges, len(d_edges) - 1, col_totals)
    rng = np.random.default_rng(seed)
    sims = np.stack(
        [
            _table(pairs, drow, rng.permutation(t), t_edges, len(d_edges) - 1, col_totals)
            for _ in range(iterations)
        ]
    )
    expected = sims.mean(axis=0)
    p = (1 + (sims >= observed).sum(axis=0)) / (iterations + 1)
    rows, cols = _labels(d_edges, "m"), _labels(t_edges, "days")
    frame = lambda a: pd.DataFrame(a, index=rows, columns=cols)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / expected
    return NearRepeatTable(frame(observed), frame(expected), frame(ratio), frame(p), iterations)


def _table(
    pairs: np.ndarray,
    drow: np.ndarray,
    t: np.ndarray,
    t_edges: np.ndarray,
    n_rows: int,
    col_totals: np.ndarray,
) -> np.ndarray:
    dt = np.abs(t[pairs[:, 0]] - t[pairs[:, 1]])
    tcol = np.searchsorted(t_edges, dt, side="right") - 1
    out = np.zeros((n_rows + 1, len(t_edges)), dtype=np.int64)
    np.add.at(out, (drow, tcol), 1)
    out[n_rows] = col_totals - out[:n_rows].sum(axis=0)
    return out


def _edges(bands: list[float], what: str) -> np.ndarray:
    e = np.asarray(bands, dtype=np.float64)
    if e.size < 1 or e[0] != 0 or (np.diff(e) <= 0).any() or not np.isfinite(e).all():
        raise ConfigError(
            _("{what} bands {bands} must start at 0 and increase", what=what, bands=list(bands)),
            hint=_("e.g. --distance-bands 0,1,101,201,301 --time-bands 0,8,15,22"),
        )
    return e


def _labels(edges: np.ndarray, unit: str) -> list[str]:
    out = [f"[{a:g}, {b:g}) {unit}" for a, b in itertools.pairwise(edges)]
    return [*out, f">= {edges[-1]:g} {unit}"]


def _check(xy: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xy = np.asarray(xy, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64).ravel()
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] != t.size or t.size < 2:
        raise InputError(
            _(
                "need n >= 2 events with (x, y) and a time each; got xy {shape}, t {t_shape}",
                shape=xy.shape,
                t_shape=t.shape,
            ),
            hint=_("pass projected coordinates and times in days"),
        )
    if not (np.isfinite(xy).all() and np.isfinite(t).all()):
        raise InputError(
            _("some events have missing coordinates or dates"),
            hint=_("drop or repair them first; they are listed by the ingest report"),
        )
    return xy, t
