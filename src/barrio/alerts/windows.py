"""Reference windows of the Farrington family: which past periods form the baseline of a period.

A baseline is built from the same point in each of the ``b`` previous years, ``w`` periods either
side (Farrington et al. 1996). With weekly data on a calendar, "the same point a year before" is
the week, a year back in calendar time, that starts on the same weekday, as R ``surveillance``
does (``algo.farrington.referencetimepoints``); without dates, or with monthly data, it is
``freq`` periods back. The flexible variant (Noufaily et al. 2013) also uses the periods between
the windows, split into ``noPeriods - 1`` blocks that get their own seasonal level.

All functions take 0-based positions on a time axis shared by every series, so each window is
computed once per time point and used for all series.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from barrio.errors import ConfigError
from barrio.i18n import _

IntArray = NDArray[np.intp]


def _year_back(day: np.datetime64, years: int) -> np.datetime64:
    """Same calendar date ``years`` earlier; 29 February becomes 1 March, as R's ``seq.Date``."""
    d = day.astype("datetime64[D]").item()
    year = d.year - years
    try:
        shifted = d.replace(year=year)
    except ValueError:  # 29 February in a common year rolls over to 1 March
        shifted = d.replace(year=year, month=3, day=1)
    return np.datetime64(shifted, "D")


def _nearest_same_weekday(ref: np.datetime64, day: np.datetime64) -> np.datetime64:
    """The date closest to ``ref`` falling on the weekday of ``day``."""
    delta = int((day - ref).astype(int)) % 7
    return ref + np.timedelta64(delta if delta <= 3 else delta - 7, "D")


def reference_points(
    k: int, *, b: int, freq: int, dates: NDArray[np.datetime64] | None = None
) -> IntArray:
    """Positions of time point ``k`` and of the same point 1..b years before (descending).

    With ``dates`` and ``freq == 52`` the rule is calendar based (same weekday a year before);
    otherwise it is ``k - i * freq``.

    Raises
    ------
    ConfigError
        When a reference point falls before the start of the series.
    """
    if dates is None or freq != 52:
        points = k - freq * np.arange(b + 1)
    else:
        day = dates[k]
        lookup = {int(d): i for i, d in enumerate(dates.astype("datetime64[D]").astype(np.int64))}
        wanted = [day] + [_nearest_same_weekday(_year_back(day, i), day) for i in range(1, b + 1)]
        found = [lookup.get(int(np.datetime64(x, "D").astype(np.int64)), -1) for x in wanted]
        points = np.asarray(found)
    if (points < 0).any():
        raise ConfigError(
            _(
                "period number {value} has no data {b} years back (b={b}, {freq} periods a year)",
                value=k + 1,
                b=b,
                freq=freq,
            ),
            hint=_("Decrease b, or monitor later periods so that b full years of history exist."),
            b=b,
            period=k + 1,
        )
    return points.astype(np.intp)


def classic_window(k: int, *, b: int, w: int, freq: int, dates=None) -> IntArray:
    """Baseline of ``algo.farrington``: ``w`` periods either side of each of the b past points.

    Positions before the start of the series are dropped (R warns and does the same).
    """
    refs = reference_points(k, b=b, freq=freq, dates=dates) if dates is not None else None
    centres = refs[1:][::-1] if refs is not None else k - freq * np.arange(b, 0, -1)
    window = (centres[:, None] + np.arange(-w, w + 1)[None, :]).ravel()
    return window[window >= 0].astype(np.intp)


def flexible_blocks(refs: IntArray, n_time: int, *, w: int, no_periods: int) -> NDArray[np.float64]:
    """Seasonal level of every position (NaN outside the baseline), as ``blocks()`` in R.

    The windows around the reference points (and the current window) get level ``no_periods``;
    the gap between two consecutive windows is cut into ``no_periods - 1`` blocks numbered 1, 2,
    ... from the older window on, the remainder of the division going to the first blocks.
    """
    levels = np.full(n_time, np.nan)
    k = int(refs[0])
    p = no_periods
    levels[k - w : k + 1] = p
    for i in range(1, len(refs)):
        ref = int(refs[i])
        if ref - w < 0:
            raise ConfigError(
                _(
                    "the reference window of period {value} starts before the series (w={w})",
                    value=k + 1,
                    w=w,
                ),
                hint=_("Decrease b or w, or monitor later periods."),
            )
        levels[ref - w : ref + w + 1] = p
        if p == 1:
            continue
        gap = int(refs[i - 1]) - 2 * w - 1 - ref
        lengths = np.full(p - 1, gap // (p - 1))
        lengths[: gap % (p - 1)] += 1
        if gap < p - 1 or (lengths == 0).any():
            raise ConfigError(
                _(
                    "noPeriods={p} is too large for the {gap} periods between reference windows",
                    p=p,
                    gap=gap,
                ),
                hint=_("Use fewer seasonal blocks (noPeriods) or a smaller window half-width w."),
                no_periods=p,
            )
        starts = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        for level, (start, length) in enumerate(zip(starts, lengths, strict=True), start=1):
            levels[start : start + length] = level
    return levels


def flexible_window(
    k: int,
    *,
    b: int,
    w: int,
    freq: int,
    no_periods: int,
    past_not_included: int,
    dates: NDArray[np.datetime64] | None = None,
) -> tuple[IntArray, NDArray[np.float64]]:
    """Baseline positions and their seasonal levels for ``farringtonFlexible`` at time ``k``.

    The last ``past_not_included + 1`` periods (up to and including ``k``) are left out, so that
    an outbreak under way does not inflate its own baseline (Noufaily et al. 2013).
    """
    refs = reference_points(k, b=b, freq=freq, dates=dates)
    levels = flexible_blocks(refs, k + 1, w=w, no_periods=no_periods)
    levels[max(k - past_not_included, 0) : k + 1] = np.nan
    positions = np.flatnonzero(~np.isnan(levels)).astype(np.intp)
    return positions, levels[positions]
