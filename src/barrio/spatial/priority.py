"""The priority-neighbourhood index of a Local Safety Audit.

Neighbourhoods are scored on pillars (e.g. *crime*: rates of chosen indicators, optionally
empirical-Bayes smoothed; *context*: census variables such as marginalisation or youth share;
*hotspot*: share of the area in significant Gi* hot cells). Each indicator is normalised
(percentile rank or min-max), pillars are weighted means of their indicators, and the index
combines pillars by a weighted arithmetic or geometric mean. The geometric mean is the
default because a low pillar cannot then be fully offset by a high one (as in the UNDP Human
Development Index since 2010). The ``n`` best are selected subject to a minimum per district,
and a Monte Carlo perturbation of the pillar weights (±20% by default) measures how often each
neighbourhood stays selected (OECD/JRC *Handbook on Constructing Composite Indicators*, 2008,
section 7 on uncertainty and sensitivity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

NORMALISATIONS = ("percentile", "minmax")
COMBINATIONS = ("geometric", "arithmetic")
GEOMETRIC_FLOOR = 0.01  # normalised scores are floored here so a zero does not annihilate


@dataclass(frozen=True)
class PriorityResult:
    """The ranked table, the selected ids and the parameters used.

    ``table`` holds one row per neighbourhood: the normalised indicators (``n:<column>``), the
    pillar scores (``pillar:<name>``), ``index``, ``rank``, ``selected``, ``reason``,
    ``stability`` (share of perturbed-weight draws in which it is selected) and
    ``explanation``.
    """

    table: pd.DataFrame
    selected: list[Any]
    parameters: dict[str, Any]


def eb_rate(events: Any, population: Any, per: float = 100_000.0) -> np.ndarray:
    """Global empirical Bayes smoothed rates (Marshall 1991, method of moments).

    Small populations are shrunk towards the overall rate: ``r_i = m + C_i (x_i/n_i - m)``,
    ``C_i = s2 / (s2 + m / n_i)`` with ``m`` the global rate and ``s2`` the between-area
    variance estimate ``sum n_i (r_i - m)^2 / sum n_i - m / mean(n)`` (floored at 0).
    """
    x = np.asarray(events, dtype=np.float64)
    n = np.asarray(population, dtype=np.float64)
    if (n <= 0).any() or (x < 0).any():
        raise InputError(
            _("population must be positive and events non-negative for EB rates"),
            hint=_("drop areas without population or give them a small positive value"),
        )
    raw = x / n
    m = x.sum() / n.sum()
    s2 = max((n * (raw - m) ** 2).sum() / n.sum() - m / n.mean(), 0.0)
    shrink = s2 / (s2 + m / n) if s2 > 0 else np.zeros_like(n)
    return (m + shrink * (raw - m)) * per


def hotspot_area_share(areas: Any, hot_cells: Any) -> np.ndarray:
    """Share of each area's surface covered by significant hot cells (same projected CRS)."""
    import shapely

    hot = shapely.union_all(hot_cells.geometry.to_numpy()) if len(hot_cells) else None
    geoms = areas.geometry.to_numpy()
    if hot is None:
        return np.zeros(len(geoms))
    inter = shapely.area(shapely.intersection(geoms, hot))
    return np.divide(
        inter, shapely.area(geoms), out=np.zeros(len(geoms)), where=shapely.area(geoms) > 0
    )


def normalise(values: Any, method: str = "percentile") -> np.ndarray:
    """Scale to [0, 1]: percentile rank (``rank / n``, ties averaged) or min-max."""
    v = np.asarray(values, dtype=np.float64)
    if method == "percentile":
        return pd.Series(v).rank(method="average").to_numpy() / v.size
    if method == "minmax":
        span = np.nanmax(v) - np.nanmin(v)
        return (v - np.nanmin(v)) / span if span > 0 else np.full(v.size, 0.5)
    raise ConfigError(
        _(
            "unknown normalisation {method}; expected one of: {choices}",
            method=repr(method),
            choices=", ".join(NORMALISATIONS),
        ),
        hint=_("percentile is robust to outliers; minmax keeps distances"),
    )


def priority_index(
    frame: pd.DataFrame,
    pillars: dict[str, dict[str, float]],
    *,
    n_select: int,
    id_column: str = "area_id",
    name_column: str | None = "name",
    pillar_weights: dict[str, float] | None = None,
    normalisation: str = "percentile",
    combine: str = "geometric",
    district_column: str | None = None,
    min_per_district: int = 0,
    draws: int = 200,
    perturbation: float = 0.2,
    seed: int = 0,
) -> PriorityResult:
    """Rank neighbourhoods and propose the audit's priority set.

    Parameters
    ----------
    frame
        One row per neighbourhood with the indicator columns.
    pillars
        ``{pillar: {column: weight}}``; a negative weight means "lower is worse" (the column is
        reversed before normalising), e.g. ``{"context": {"schooling": -1}}``.
    n_select
        How many neighbourhoods to select.
    pillar_weights
        Weight of each pillar (default equal).
    district_column, min_per_district
        Guarantee at least ``min_per_district`` selected neighbourhoods in every district.
    draws, perturbation, seed
        Monte Carlo stability: each draw multiplies every pillar weight and every indicator
        weight by an independent uniform factor in ``[1 - perturbation, 1 + perturbation]``.
    """
    _check_inputs(frame, pillars, id_column, n_select, combine, district_column)
    weights = _pillar_weights(pillars, pillar_weights)
    table = frame.reset_index(drop=True).copy()
    names = [col for cols in pillars.values() for col in cols]
    norm = np.column_stack(
        [
            normalise(np.sign(wt) * table[col].to_numpy(dtype=np.float64), normalisation)
            for cols in pillars.values()
            for col, wt in cols.items()
        ]
    )
    membership = _membership(pillars)
    indicator_w = np.array([abs(wt) for cols in pillars.values() for wt in cols.values()])
    pillar_matrix = _pillar_scores(norm, membership, indicator_w)
    for j, col in enumerate(names):
        table[f"n:{col}"] = norm[:, j]
    for p, name in enumerate(pillars):
        table[f"pillar:{name}"] = pillar_matrix[:, p]
    w = np.array([weights[p] for p in pillars])
    table["index"] = _combine(pillar_matrix, w, combine)
    table["rank"] = table["index"].rank(ascending=False, method="first").astype(int)
    districts = None if district_column is None else table[district_column].to_numpy()
    chosen, reason = _select(table["index"].to_numpy(), n_select, districts, min_per_district)
    table["selected"], table["reason"] = chosen, reason
    table["stability"] = _stability(
        (norm, membership, indicator_w),
        w,
        combine,
        n_select,
        districts,
        min_per_district,
        draws,
        perturbation,
        seed,
    )
    table["explanation"] = _explain(table, list(pillars), name_column)
    table = table.sort_values("rank").reset_index(drop=True)
    params = {
        "pillars": pillars,
        "pillar_weights": weights,
        "normalisation": normalisation,
        "combine": combine,
        "n_select": n_select,
        "min_per_district": min_per_district,
        "draws": draws,
        "perturbation": perturbation,
        "seed": seed,
    }
    return PriorityResult(table, table.loc[table["selected"], id_column].tolist(), params)


def _combine(matrix: np.ndarray, w: np.ndarray, combine: str) -> np.ndarray:
    w = w / w.sum()
    if combine == "arithmetic":
        return matrix @ w
    return np.exp(np.log(np.maximum(matrix, GEOMETRIC_FLOOR)) @ w)


def _select(
    index: np.ndarray, n: int, districts: np.ndarray | None, minimum: int
) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-index, kind="stable")
    chosen = np.zeros(index.size, dtype=bool)
    reason = np.full(index.size, "", dtype=object)
    if districts is not None and minimum > 0:
        for d in pd.unique(districts):
            members = order[districts[order] == d][:minimum]
            chosen[members] = True
        if chosen.sum() > n:
            raise ConfigError(
                _(
                    "{minimum} per district over {n} districts needs {needed} neighbourhoods, "
                    "more than n={total}",
                    minimum=minimum,
                    n=len(pd.unique(districts)),
                    needed=int(chosen.sum()),
                    total=n,
                ),
                hint=_("raise --n or lower --min-per-district"),
            )
    top = order[:n]
    forced = chosen.copy()
    for i in order:
        if chosen.sum() >= n:
            break
        chosen[i] = True
    reason[chosen & ~forced] = "top of the index"
    reason[forced & np.isin(np.arange(index.size), top)] = "top of the index"
    reason[forced & ~np.isin(np.arange(index.size), top)] = "district minimum"
    reason[~chosen] = "not selected"
    return chosen, reason.astype(str)


def _membership(pillars: dict[str, dict[str, float]]) -> np.ndarray:
    """(indicators x pillars) 0/1 matrix: which pillar each indicator belongs to."""
    sizes = [len(cols) for cols in pillars.values()]
    return np.repeat(np.eye(len(sizes)), sizes, axis=0)


def _pillar_scores(norm: np.ndarray, membership: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean of each pillar's normalised indicators (areas x pillars)."""
    weighted = membership * w[:, None]
    return (norm @ weighted) / weighted.sum(axis=0)


def _stability(
    indicators: tuple[np.ndarray, np.ndarray, np.ndarray],
    w: np.ndarray,
    combine: str,
    n: int,
    districts: np.ndarray | None,
    minimum: int,
    draws: int,
    perturbation: float,
    seed: int,
) -> np.ndarray:
    """Share of Monte Carlo draws in which each area is selected when every pillar weight and
    every indicator weight is multiplied by an independent U(1 - p, 1 + p) factor."""
    norm, membership, indicator_w = indicators
    if draws <= 0:
        return np.full(norm.shape[0], np.nan)
    rng = np.random.default_rng(seed)
    hits = np.zeros(norm.shape[0])
    lo, hi = 1 - perturbation, 1 + perturbation
    for _draw in range(draws):
        wi = indicator_w * rng.uniform(lo, hi, size=indicator_w.size)
        wp = w * rng.uniform(lo, hi, size=w.size)
        matrix = _pillar_scores(norm, membership, wi)
        hits += _select(_combine(matrix, wp, combine), n, districts, minimum)[0]
    return hits / draws


def _explain(table: pd.DataFrame, pillars: list[str], name_column: str | None) -> list[str]:
    """One sentence per area: rank, index, pillar scores, strongest indicator, status."""
    norm_cols = [c for c in table.columns if str(c).startswith("n:")]
    top = np.asarray(norm_cols, dtype=object)[table[norm_cols].to_numpy().argmax(axis=1)]
    top_value = table[norm_cols].to_numpy().max(axis=1)
    names = (
        table[name_column].astype(str) + ": "
        if name_column and name_column in table
        else pd.Series("", index=table.index)
    )
    out = []
    for i in range(len(table)):
        values = table.iloc[i]
        parts = ", ".join(f"{p} {values[f'pillar:{p}']:.2f}" for p in pillars)
        stab = values["stability"]
        stab_text = "" if np.isnan(stab) else f"; selected in {stab:.0%} of weight draws"
        out.append(
            f"{names.iloc[i]}rank {values['rank']}, index {values['index']:.3f} ({parts}); "
            f"strongest: {str(top[i])[2:]} {top_value[i]:.2f}; {values['reason']}{stab_text}"
        )
    return out


def _pillar_weights(
    pillars: dict[str, dict[str, float]], given: dict[str, float] | None
) -> dict[str, float]:
    weights = dict.fromkeys(pillars, 1.0) if given is None else dict(given)
    missing = set(pillars) - set(weights)
    if missing or any(v <= 0 for v in weights.values()):
        raise ConfigError(
            _(
                "pillar weights must be positive and cover every pillar; missing: {missing}",
                missing=sorted(missing),
            ),
            hint=_("give a weight for each of: {pillars}", pillars=", ".join(pillars)),
        )
    return {p: float(weights[p]) for p in pillars}


def _check_inputs(
    frame: pd.DataFrame,
    pillars: dict[str, dict[str, float]],
    id_column: str,
    n_select: int,
    combine: str,
    district_column: str | None,
) -> None:
    columns = [c for cols in pillars.values() for c in cols]
    needed = [id_column, *columns] + ([district_column] if district_column else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            _(
                "columns not found: {missing}; available: {columns}",
                missing=", ".join(missing),
                columns=", ".join(map(str, frame.columns)),
            ),
            hint=_("check the indicator names in the pillar specification"),
        )
    if not pillars or any(not cols for cols in pillars.values()):
        raise ConfigError(
            _("every pillar needs at least one indicator"), hint=_("e.g. crime=robbery_rate")
        )
    if not 0 < n_select <= len(frame):
        raise ConfigError(
            _(
                "n_select={n_select} is not between 1 and the {n} neighbourhoods",
                n_select=n_select,
                n=len(frame),
            ),
            hint=_("choose how many neighbourhoods the audit will work in"),
        )
    if combine not in COMBINATIONS:
        raise ConfigError(
            _(
                "unknown combination {combine}; expected one of: {choices}",
                combine=repr(combine),
                choices=", ".join(COMBINATIONS),
            ),
            hint=_("geometric: a low pillar cannot be offset; arithmetic: full compensation"),
        )
    if frame[columns].isna().any().any():
        bad = frame[columns].columns[frame[columns].isna().any()].tolist()
        raise InputError(
            _("missing values in: {bad}", bad=", ".join(bad)),
            hint=_("impute or drop neighbourhoods without data before ranking"),
        )
