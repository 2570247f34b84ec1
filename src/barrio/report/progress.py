"""Progress of an indicator towards its SDG target: the Open SDG progress measure.

Method: Statistics Canada's progress measurement methodology as adopted by Open SDG (Open SDG
2.4, ``docs/progress-methodology.md``; implementation ``sdg-build`` ``sdg/ProgressMeasure.py``),
derived from Eurostat's and the UN Statistics Division's Progress Chart (compound annual growth
rates):

- observed growth ``CAGR_o = (y_t / y_0) ** (1 / (t - t_0)) - 1`` between the base year
  (2015, else the first year after it with data) and the latest year;
- with a quantitative target ``y_T`` in year ``t_T`` (2030 by default): the required growth
  ``CAGR_r = (y_T / y_0) ** (1 / (t_T - t_0)) - 1`` and the ratio
  ``R = s d CAGR_o / |CAGR_r|`` (``d`` = +1 when higher is better, -1 when lower is better,
  ``s`` = -1 for negative series); *target achieved* when the latest value meets the target,
  else *on track* (``R >= 0.95``), *acceleration needed* (``0.6 <= R < 0.95``), *limited
  progress* (``0 <= R < 0.6``) or *deterioration* (``R < 0``);
- without a target: ``s d CAGR_o`` against 1.5 % / 0.5 % / 0 (the positive thresholds scaled
  by ``C = 1 - (y_0 / y_lim) ** 4.44`` near a natural limit ``y_lim``);
- a score from -5 to +5 (piecewise linear in the progress value) lets series be averaged.

Zero base or target values are replaced by 0.001 as the methodology says; a series with fewer
than two years, or whose values change sign, is *unable to assess*.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

BASE_YEAR = 2015
TARGET_YEAR = 2030
TARGET_THRESHOLDS = {"high": 0.95, "med": 0.6, "low": 0.0}
GROWTH_THRESHOLDS = {"high": 0.015, "med": 0.005, "low": 0.0}
LIMIT_EXPONENT = 4.44
ZERO = 0.001
STATUSES = (
    "target_achieved",
    "on_track",
    "acceleration_needed",
    "limited_progress",
    "deterioration",
    "unable_to_assess",
)


@dataclass(frozen=True)
class Progress:
    """One series' progress: inputs used, growth rates, ratio, status and score."""

    base_year: int | None
    base_value: float | None
    current_year: int | None
    current_value: float | None
    target: float | None
    target_year: int
    direction: int
    cagr_observed: float | None
    cagr_required: float | None
    progress_value: float | None
    status: str
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


def cagr(value: float, base: float, year: float, base_year: float) -> float:
    """Compound annual growth rate from ``base`` in ``base_year`` to ``value`` in ``year``.

    >>> round(cagr(121, 100, 2017, 2015), 6)
    0.1
    """
    return float((value / base) ** (1.0 / (year - base_year)) - 1.0)


def limit_coefficient(base: float, limit: float) -> float:
    """Scaling factor ``C`` of the growth thresholds near a natural limit (0 at the limit)."""
    base, limit = abs(base), abs(limit)
    if base >= 2 * limit:
        return 1.0
    if base <= limit:
        return float(1 - (base / limit) ** LIMIT_EXPONENT)
    return float(1 - ((2 * limit - base) / limit) ** LIMIT_EXPONENT)


def _status(value: float, thresholds: dict[str, float]) -> str:
    if value >= thresholds["high"]:
        return "on_track"
    if value >= thresholds["med"]:
        return "acceleration_needed"
    if value >= thresholds["low"]:
        return "limited_progress"
    return "deterioration"


def score(value: float, *, with_target: bool, coefficient: float = 1.0) -> float:
    """Progress score in [-5, 5]: with a target R = -0.6 -> -5, 0.6 -> 0, 1.3 -> +5; without
    one CAGR = -2 % -> -5, 0 -> -2.5, 0.5 % C -> 0, 1.5 % C -> 2.5, 2 % C -> +5."""
    if with_target:
        slope = 7.1429 if value >= TARGET_THRESHOLDS["med"] else 4.1667
        offset = 4.2857 if value >= TARGET_THRESHOLDS["med"] else 2.5
        return float(np.clip(slope * value - offset, -5, 5))
    if value < 0:
        return float(max(125 * value - 2.5, -5))
    if coefficient == 0:
        return 5.0
    x = value / coefficient
    if x >= GROWTH_THRESHOLDS["high"]:
        return float(min(500 * x - 5, 5))
    if x >= GROWTH_THRESHOLDS["med"]:
        return float(250 * x - 1.25)
    return float(500 * x - 2.5)


def status_from_score(value: float | None, target_achieved: bool = False) -> str:
    """The status of a (mean) score: >= 2.5 on track, >= 0 acceleration needed, >= -2.5
    limited progress, else deterioration."""
    if target_achieved:
        return "target_achieved"
    if value is None or not np.isfinite(value):
        return "unable_to_assess"
    if value >= 2.5:
        return "on_track"
    if value >= 0:
        return "acceleration_needed"
    if value >= -2.5:
        return "limited_progress"
    return "deterioration"


def measure_progress(
    years: Any,
    values: Any,
    *,
    target: float | None = None,
    direction: int = -1,
    base_year: int = BASE_YEAR,
    target_year: int = TARGET_YEAR,
    limit: float | None = None,
) -> Progress:
    """Progress of one annual series (``years``, ``values``) towards ``target``.

    ``direction`` is -1 when lower is better (crime rates) and +1 when higher is better.

    Examples
    --------
    A homicide rate from 20 (2015) to 15 (2020) with a target of 10 by 2030 grows at
    -5.6 % a year where -4.5 % is needed: on track.

    >>> p = measure_progress([2015, 2020], [20.0, 15.0], target=10.0)
    >>> p.status, round(p.progress_value, 3)
    ('on_track', 1.238)
    """
    series = pd.DataFrame({"year": np.asarray(years, int), "value": np.asarray(values, float)})
    series = series.dropna().sort_values("year")
    empty = Progress(None, None, None, None, target, target_year, direction, None, None, None,
                     "unable_to_assess", None)  # fmt: skip
    if series.empty:
        return empty
    current = series.iloc[-1]
    later = series[series["year"] >= base_year]
    base = later.iloc[0] if len(later) else series.iloc[0]
    b_year, c_year = int(base["year"]), int(current["year"])
    b_value, c_value = float(base["value"]) or ZERO, float(current["value"])
    t_value = None if target is None else (target or ZERO)
    common: dict[str, Any] = {"base_year": b_year, "base_value": b_value, "current_year": c_year,
              "current_value": c_value, "target": t_value}  # fmt: skip
    if c_year - b_year < 1 or (b_value > 0) != (c_value > 0) or c_value == 0:
        return Progress(**common, target_year=target_year, direction=direction,
                        cagr_observed=None, cagr_required=None, progress_value=None,
                        status="unable_to_assess", score=None)  # fmt: skip
    sign = -1 if b_value < 0 else 1
    observed = cagr(c_value, b_value, c_year, b_year)
    if t_value is None:
        coefficient = 1.0 if limit is None else limit_coefficient(b_value, limit)
        thresholds = {k: v * coefficient for k, v in GROWTH_THRESHOLDS.items()}
        value = sign * direction * observed
        return Progress(**common, target_year=target_year, direction=direction,
                        cagr_observed=observed, cagr_required=None, progress_value=value,
                        status=_status(value, thresholds),
                        score=score(value, with_target=False, coefficient=coefficient))  # fmt: skip
    required = cagr(t_value, b_value, target_year, b_year)
    value = sign * direction * observed / abs(required)
    achieved = c_value <= t_value if direction == -1 else c_value >= t_value
    return Progress(**common, target_year=target_year, direction=direction,
                    cagr_observed=observed, cagr_required=required, progress_value=value,
                    status="target_achieved" if achieved else _status(value, TARGET_THRESHOLDS),
                    score=5.0 if achieved else score(value, with_target=True))  # fmt: skip
