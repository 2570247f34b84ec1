"""The risk matrix of a Local Safety Audit: neighbourhood x theme, from records and residents.

For every audited neighbourhood and codebook theme:

- **Records score** (1-5): the theme's recorded crime rate in the neighbourhood, ranked among all
  neighbourhoods of the city (``rates``), with :func:`score_1_to_5`.
- **Residents' threat score** (1-5): the *frequency x intensity* of the threat findings coded to
  the theme in the neighbourhood (the sum of their 1-5 intensities), ranked among all
  neighbourhood x theme cells of the audit with :func:`score_1_to_5`.
- **Vulnerability and capacity** (1-5), from the vulnerability (capacity) findings the same way.
  With ``scope="area"`` (default) they are the neighbourhood's: all its vulnerability findings,
  whatever their theme (poor lighting, youth without services ...), ranked among the audited
  neighbourhoods, apply to each of its threats. With ``scope="theme"`` only findings coded to
  the row's theme count, ranked among all cells. Second codings (kept for inter-coder
  agreement) are left out so that a segment counts once.
- **Threat** ``T`` = weighted mean of the records score and the residents' threat score
  (``records_weight``, 0.5 by default); the residents' score alone when the theme has no ICCS
  codes or the neighbourhood no rate. **Vulnerability** ``V`` and **capacity** ``C`` come from the
  findings.
- **Risk** ``R = T x V / C`` (0.2-25), the classic risk equation of disaster-risk and
  crime-prevention diagnoses, and a bounded **ranking score** ``S = (T V (6 - C))^(1/3)``
  (1-5): the geometric mean of threat, vulnerability and lack of capacity, which a single
  extreme factor cannot dominate.
- **Cross-check** of the two sources (``high``: score >= 4 by default): records high and residents
  high = ``priority``; residents high and records not = ``under_reporting`` (likely
  under-reporting: residents see a problem the records do not show); records high and residents
  not = ``check_denominators`` (check the population denominator, a commercial or transit area,
  and who took part in the diagnosis); neither = ``not_priority``; no records =
  ``records_unavailable``.

Every row carries its inputs and an ``explanation`` in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from barrio.audit._frames import records
from barrio.errors import InputError
from barrio.i18n import _

KINDS = ("threat", "vulnerability", "capacity")
SCOPES = ("area", "theme")
CROSSCHECK = (
    "priority",
    "under_reporting",
    "check_denominators",
    "not_priority",
    "records_unavailable",
)


def percentile_rank(values: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """Mid-rank percentile rank of each positive value within its group, in (0, 1).

    ``PR = (B + E/2) / N``: ``B`` values of the group below it, ``E`` equal to it (itself
    included), ``N`` positive values in the group (the textbook percentile rank). Zero and
    missing values get NaN.

    >>> percentile_rank(pd.Series([0.0, 10, 20, 20, 40])).tolist()
    [nan, 0.125, 0.5, 0.5, 0.875]
    """
    values = pd.Series(values, dtype="float64")
    positive = values.where(values > 0)
    keys = (
        pd.Series(0, index=values.index)
        if groups is None
        else pd.Series(groups).set_axis(values.index)
    )
    grouped = positive.groupby(keys, sort=False, dropna=False)
    ranks = grouped.rank(method="average")
    return (ranks - 0.5) / grouped.transform("count")


def score_1_to_5(values: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """Scores 1-5: 1 for zero, 2-5 for the quartiles of the positive values' percentile rank.

    ``score = 1`` if the value is 0, else ``min(5, 2 + floor(4 PR))`` with ``PR`` from
    :func:`percentile_rank` within the group: 2 below the 25th percentile of the positive
    values, 3 to the median, 4 to the 75th, 5 above. Missing values stay missing.

    >>> score_1_to_5(pd.Series([0.0, 10, 20, 20, 40])).tolist()
    [1.0, 2.0, 4.0, 4.0, 5.0]
    """
    values = pd.Series(values, dtype="float64")
    if (values < 0).any():
        raise InputError(
            _("scores need non-negative values; found {value}", value=values.min()),
            hint=_("Rates and intensity sums cannot be negative."),
        )
    pr = percentile_rank(values, groups)
    score = np.minimum(5.0, 2.0 + np.floor(4.0 * pr))
    return score.where(values != 0, 1.0).where(values.notna())


@dataclass(frozen=True)
class RiskMatrix:
    """The matrix (one row per neighbourhood x theme, ranked) and the parameters used."""

    table: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)


def _first_codings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings without second codings, with kinds checked."""
    data = findings
    if "second_coding" in data:
        data = data[~data["second_coding"].astype(bool)]
    unknown = sorted(set(data["kind"]) - set(KINDS))
    if unknown:
        raise InputError(
            _("unknown finding kinds: {kinds}", kinds=", ".join(map(str, unknown))),
            hint=_("Kinds are: {kinds}", kinds=", ".join(KINDS)),
        )
    return data


def _sums(data: pd.DataFrame, kind: str, by: list[str], index: pd.Index) -> pd.DataFrame:
    """Count and intensity sum of the findings of ``kind`` per ``by``, on ``index`` (0 if none)."""
    of_kind = data[data["kind"] == kind]
    grouped = of_kind.groupby(by)["intensity"].agg(["count", "sum"])
    out = grouped.reindex(index, fill_value=0).astype("int64")
    return out.set_axis([f"{kind}_n", f"{kind}_sum"], axis=1)


def _scored(sums: pd.DataFrame, kind: str) -> pd.DataFrame:
    total = sums[f"{kind}_sum"]
    sums[f"{kind}_percentile"] = percentile_rank(total).to_numpy()
    sums[f"{kind}_residents"] = score_1_to_5(total).to_numpy()
    return sums


def _top_themes(data: pd.DataFrame, kind: str, labels: dict[str, str], n: int = 2) -> pd.Series:
    """Per area, the ``n`` themes with the largest intensity sum of ``kind`` (for explanations)."""
    of_kind = data[data["kind"] == kind]
    sums = of_kind.groupby(["area_id", "theme"])["intensity"].sum().reset_index()
    sums = sums.sort_values(["area_id", "intensity", "theme"], ascending=[True, False, True])
    top = sums.groupby("area_id").head(n)
    names = top["theme"].map(lambda t: labels.get(t, t))
    return names.groupby(top["area_id"]).agg(", ".join)


def _records(rates: pd.DataFrame) -> pd.DataFrame:
    """Rates with their percentile rank and 1-5 score within each theme (all neighbourhoods)."""
    data = rates[["area_id", "theme", "rate"]].copy()
    data["rate"] = data["rate"].astype("float64")
    data["rate_percentile"] = percentile_rank(data["rate"], data["theme"])
    data["threat_records"] = score_1_to_5(data["rate"], data["theme"])
    data["rate_areas"] = (data["rate"] > 0).groupby(data["theme"]).transform("sum")
    return data.set_index(["area_id", "theme"])


def risk_matrix(
    rates: pd.DataFrame,
    findings: pd.DataFrame,
    *,
    areas: list[str] | None = None,
    themes: list[str] | None = None,
    scope: str = "area",
    records_weight: float = 0.5,
    high: float = 4.0,
    labels: dict[str, dict[str, str]] | None = None,
) -> RiskMatrix:
    """Build the risk matrix.

    Parameters
    ----------
    rates
        ``area_id``, ``theme``, ``rate``: the recorded crime rate of each theme in each
        neighbourhood of the city (themes without ICCS codes have no rows).
    findings
        ``area_id``, ``theme``, ``kind`` (threat | vulnerability | capacity), ``intensity``
        (1-5) and optionally ``second_coding``.
    areas, themes
        Rows of the matrix (default: the areas with findings; the themes with threat findings).
    scope
        Where vulnerabilities and capacities count: ``area`` (default) scores all of a
        neighbourhood's vulnerability (capacity) findings, ranked among the audited
        neighbourhoods, and applies them to each of its themes; ``theme`` scores only the
        findings coded to the row's theme, ranked among all cells.
    records_weight
        Weight of the records score in the threat score (0-1).
    high
        Scores at or above this are "high" in the cross-check.
    labels
        Optional display names: ``{"area": {id: name}, "theme": {id: name}}``.

    Examples
    --------
    >>> rates = pd.DataFrame({"area_id": ["a", "b"], "theme": "robbery", "rate": [300.0, 100]})
    >>> findings = pd.DataFrame({"area_id": "a", "theme": ["robbery", "public_space"],
    ...                          "intensity": [4, 3], "kind": ["threat", "vulnerability"]})
    >>> row = risk_matrix(rates, findings).table.iloc[0]
    >>> [float(row[k]) for k in ("threat", "vulnerability", "capacity", "risk")]
    [4.5, 4.0, 1.0, 18.0]
    """
    if not 0.0 <= records_weight <= 1.0:
        raise InputError(
            _("records_weight must be between 0 and 1, got {value}", value=records_weight),
            hint=_("Use e.g. 0.5 to weigh records and residents equally."),
        )
    if scope not in SCOPES:
        raise InputError(
            _("unknown scope {scope}; expected one of: {allowed}", scope=scope,
              allowed=", ".join(SCOPES)),
            hint=_("Use area (the default) or theme."),
        )  # fmt: skip
    data = _first_codings(findings)
    areas = list(areas) if areas is not None else sorted(data["area_id"].unique())
    if themes is None:
        themes = sorted(data.loc[data["kind"] == "threat", "theme"].unique())
    grid = pd.MultiIndex.from_product([areas, list(themes)], names=["area_id", "theme"])
    table = _scored(_sums(data, "threat", ["area_id", "theme"], grid), "threat")
    for kind in ("vulnerability", "capacity"):
        if scope == "theme":
            table = table.join(_scored(_sums(data, kind, ["area_id", "theme"], grid), kind))
        else:
            per_area = _scored(
                _sums(data, kind, ["area_id"], pd.Index(areas, name="area_id")), kind
            )
            table = table.join(per_area, on="area_id")
    table = table.join(_records(rates), how="left").reset_index()
    theme_names = (labels or {}).get("theme", {})
    for kind in ("vulnerability", "capacity"):
        top = _top_themes(data, kind, theme_names) if scope == "area" else pd.Series(dtype=object)
        table[f"{kind}_themes"] = table["area_id"].map(top).astype(object).fillna("")
    table = _combine(table, records_weight, high)
    table["explanation"] = [
        _explain(r, labels or {}, records_weight, scope) for r in _records_of(table)
    ]
    parameters = {
        "records_weight": records_weight,
        "high": high,
        "scope": scope,
        "areas": len(areas),
        "themes": len(themes),
        "method": "barrio.audit.risk v1",
    }
    return RiskMatrix(table, parameters)


def _combine(table: pd.DataFrame, weight: float, high: float) -> pd.DataFrame:
    rec, res = table["threat_records"], table["threat_residents"]
    table["threat"] = (weight * rec + (1 - weight) * res).where(rec.notna(), res)
    table["vulnerability"] = table["vulnerability_residents"]
    table["capacity"] = table["capacity_residents"]
    t, v, c = table["threat"], table["vulnerability"], table["capacity"]
    table["risk"] = t * v / c
    table["score"] = np.cbrt(t * v * (6.0 - c))
    rec_high, res_high = rec >= high, res >= high
    table["crosscheck"] = np.select(
        [rec.isna(), rec_high & res_high, res_high, rec_high],
        ["records_unavailable", "priority", "under_reporting", "check_denominators"],
        default="not_priority",
    )
    table = table.sort_values(
        ["score", "risk", "area_id", "theme"], ascending=[False, False, True, True]
    )
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True)


def _records_of(table: pd.DataFrame) -> list[dict[str, Any]]:
    return records(table)


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def _side(row: dict[str, Any], kind: str, scope: str = "theme") -> str:
    n, total = int(row[f"{kind}_n"]), int(row[f"{kind}_sum"])
    score = _fmt(row[f"{kind}_residents"])
    if n == 0:
        return _("{score} (no {kind} findings)", score=score, kind=_(kind))
    if scope == "area" and kind != "threat":
        return _(
            "{score} ({n} finding(s) in the neighbourhood, intensity sum {total}, percentile {pr} "
            "among the audited neighbourhoods with such findings; mostly {themes})",
            score=score,
            n=n,
            total=total,
            pr=_fmt(100 * row[f"{kind}_percentile"], 0),
            themes=row[f"{kind}_themes"],
        )
    return _(
        "{score} ({n} finding(s), intensity sum {total}, percentile {pr} among the audit's "
        "cells with such findings)",
        score=score,
        n=n,
        total=total,
        pr=_fmt(100 * row[f"{kind}_percentile"], 0),
    )


def _explain(
    row: dict[str, Any], labels: dict[str, dict[str, str]], weight: float, scope: str
) -> str:
    area = labels.get("area", {}).get(row["area_id"], row["area_id"])
    theme = labels.get("theme", {}).get(row["theme"], row["theme"])
    if pd.isna(row["threat_records"]):
        threat = _(
            "threat {t} = residents {res}; no recorded rate for this theme and area",
            t=_fmt(row["threat"], 2),
            res=_side(row, "threat"),
        )
    else:
        rate = float(row["rate"])
        where = (
            _("no recorded crime")
            if rate == 0
            else _(
                "percentile {pr} among {n} neighbourhoods with crime",
                pr=_fmt(100 * row["rate_percentile"], 0),
                n=int(row["rate_areas"]),
            )
        )
        threat = _(
            "threat {t} = {w} x records {rec} (rate {rate} per 100,000, {where}) + {w2} x "
            "residents {res}",
            t=_fmt(row["threat"], 2),
            w=_fmt(weight, 2),
            rec=_fmt(row["threat_records"]),
            rate=_fmt(rate, 1),
            where=where,
            w2=_fmt(1 - weight, 2),
            res=_side(row, "threat"),
        )
    return _(
        "{theme} in {area}: {threat}; vulnerability {v}; capacity {c}. Risk T x V / C = {r}; "
        "ranking score (T V (6 - C))^(1/3) = {s}. Cross-check: {cross}.",
        theme=theme,
        area=area,
        threat=threat,
        v=_side(row, "vulnerability", scope),
        c=_side(row, "capacity", scope),
        r=_fmt(row["risk"], 2),
        s=_fmt(row["score"], 2),
        cross=crosscheck_label(row["crosscheck"]),
    )


def crosscheck_short(code: str) -> str:
    """A short cross-check label for tables."""
    texts = {
        "priority": _("priority"),
        "under_reporting": _("under-reporting?"),
        "check_denominators": _("check denominators"),
        "not_priority": "-",
        "records_unavailable": _("no records"),
    }
    return texts.get(code, code)


def crosscheck_label(code: str) -> str:
    """The cross-check class in the user's language."""
    texts = {
        "priority": _("priority (records high and residents high)"),
        "under_reporting": _("likely under-reporting (residents high, records not)"),
        "check_denominators": _(
            "check denominators and participation (records high, residents not)"
        ),
        "not_priority": _("neither source high"),
        "records_unavailable": _("no records for this theme"),
    }
    return texts.get(code, code)
