"""``detect``: early-warning alerts on long-format count series, any method, with FDR.

Input is one row per series and period (``series_id`` or several key columns, ``period``,
``count``, optionally ``population``). The series are put on one calendar (periods without a
row count as 0), every method runs on all series at once, and the output is one row per series
and evaluated period with the expected count, the alert threshold, a p-value, the
Benjamini-Hochberg q-value across series within the period, and an explanation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from barrio.alerts.crime import poisson_z, semaforo
from barrio.alerts.cusum import cusum
from barrio.alerts.ears import ears
from barrio.alerts.explain import explain
from barrio.alerts.farrington import farrington, farrington_flexible
from barrio.alerts.fdr import bh_by_group
from barrio.alerts.glrnb import glrnb
from barrio.alerts.result import AlarmTable, in_chunks
from barrio.errors import ConfigError, InputError
from barrio.i18n import _

FREQ = {"week": 52, "month": 12}


def _flexible(counts, monitor, *, freq, dates, population, **params) -> AlarmTable:
    return farrington_flexible(
        counts, monitor, freq=freq, dates=dates, population=population, **params
    )


def _classic(counts, monitor, *, freq, dates, population, **params) -> AlarmTable:
    return farrington(counts, monitor, freq=freq, dates=dates, **params)


def _glrnb(counts, monitor, *, freq, dates, population, **params) -> AlarmTable:
    return glrnb(counts, monitor, freq=freq, **{"ret": "cases", **params})


def _simple(fn: Callable[..., AlarmTable], **fixed: Any) -> Callable[..., AlarmTable]:
    def run(counts, monitor, *, freq, dates, population, **params) -> AlarmTable:
        return fn(counts, monitor, **{**fixed, **params})

    return run


METHODS: dict[str, Callable[..., AlarmTable]] = {
    "farrington-flexible": _flexible,
    "farrington": _classic,
    "ears-c1": _simple(ears, method="C1"),
    "ears-c2": _simple(ears, method="C2"),
    "ears-c3": _simple(ears, method="C3"),
    "cusum": _simple(cusum),
    "glrnb": _glrnb,
    "semaforo": _simple(semaforo),
    "poisson-z": _simple(poisson_z),
}
ALPHA_METHODS = {"farrington-flexible", "farrington", "ears-c1", "ears-c2", "ears-c3", "poisson-z"}


def _period_type(periods: pd.DatetimeIndex, given: str | None) -> str:
    if given is not None:
        if given not in FREQ:
            raise ConfigError(
                _("unknown period {given}; expected one of: week, month", given=repr(given)),
                hint=_("Use --period week or --period month."),
            )
        return given
    step = pd.Series(periods).diff().dt.days.min() if len(periods) > 1 else 30
    return "week" if step is not None and step <= 7 else "month"


def _calendar(
    periods: pd.Series, period_type: str, start: pd.Timestamp | None, until: pd.Timestamp | None
) -> pd.DatetimeIndex:
    """Every period from the first of the data (or ``start``) to the last (or ``until``)."""
    first = periods.min() if start is None else min(start, periods.min())
    last = periods.max() if until is None else until
    if period_type == "month":
        return pd.date_range(first.to_period("M").start_time, last, freq="MS")
    return pd.date_range(first, last, freq="7D")


def _check_columns(counts: pd.DataFrame, keys: Sequence[str]) -> None:
    missing = [c for c in [*keys, "period", "count"] if c not in counts.columns]
    if missing:
        raise InputError(
            _(
                "missing column(s): {missing}; found: {columns}",
                missing=", ".join(missing),
                columns=", ".join(map(str, counts.columns)),
            ),
            hint=_("Provide long-format counts: series_id, period, count[, population]."),
            missing=missing,
        )
    bad = pd.to_numeric(counts["count"], errors="coerce")
    if bad.isna().any() or (bad < 0).any():
        row = int(np.flatnonzero(bad.isna().to_numpy() | (bad < 0).to_numpy())[0]) + 1
        raise InputError(
            _(
                "count must be a non-negative number; row {row} has {value}",
                row=row,
                value=repr(counts["count"].iloc[row - 1]),
            ),
            hint=_("Fix or remove that row."),
            row=row,
        )


def _as_timestamp(value: str | dt.date | pd.Timestamp | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.to_datetime(value, errors="coerce")
    if pd.isna(stamp):
        raise ConfigError(
            _("{name} is not a date: {value}", name=name, value=repr(value)),
            hint=_("Write it as YYYY-MM or YYYY-MM-DD."),
        )
    return pd.Timestamp(stamp)


def to_matrix(
    counts: pd.DataFrame,
    keys: Sequence[str],
    period_type: str | None,
    *,
    start: str | dt.date | pd.Timestamp | None = None,
    until: str | dt.date | pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray, np.ndarray | None, str]:
    """Series table, calendar, (S, T) counts (missing periods = 0) and population (ffilled).

    The calendar runs from the first period of the data (or ``start``, when earlier) to the
    last (or to ``until``: later rows are left out), so every series starts at the first period
    of the data, not at its own first count.
    """
    _check_columns(counts, keys)
    periods = pd.to_datetime(counts["period"], errors="coerce")
    if periods.isna().any():
        row = int(np.flatnonzero(periods.isna().to_numpy())[0]) + 1
        raise InputError(
            _(
                "period on row {row} is not a date: {value}",
                row=row,
                value=repr(counts["period"].iloc[row - 1]),
            ),
            hint=_("Write periods as YYYY-MM-DD (month or week start)."),
            row=row,
        )
    first, last = _as_timestamp(start, "start"), _as_timestamp(until, "until")
    if last is not None:
        keep = (periods <= last).to_numpy()
        if not keep.any():
            raise InputError(
                _("no counts on or before {date}", date=last.date()), hint=_("Check --until.")
            )
        counts, periods = counts.loc[keep], periods.loc[keep]
    ptype = _period_type(pd.DatetimeIndex(periods.drop_duplicates().sort_values()), period_type)
    calendar = _calendar(periods, ptype, first, last)
    t = calendar.get_indexer(pd.DatetimeIndex(periods))
    if (t < 0).any():
        row = int(np.flatnonzero(t < 0)[0]) + 1
        raise InputError(
            _(
                "period on row {row} is not a {ptype} start on the common calendar",
                row=row,
                ptype=ptype,
            ),
            hint=_("Use the first day of each month (or the same weekday each week)."),
            row=row,
        )
    codes, series = pd.MultiIndex.from_frame(counts[list(keys)].astype("string")).factorize()
    matrix = np.zeros((len(series), len(calendar)))
    np.add.at(matrix, (codes, t), pd.to_numeric(counts["count"]).to_numpy(float))
    pop = None
    if "population" in counts.columns:
        pop_arr = np.full(matrix.shape, np.nan)
        pop_arr[codes, t] = pd.to_numeric(counts["population"]).to_numpy(float)
        pop = pd.DataFrame(pop_arr).ffill(axis=1).bfill(axis=1).to_numpy()
    table = pd.MultiIndex.from_tuples(list(series), names=list(keys)).to_frame(index=False)
    return table, calendar, matrix, pop, ptype


def detect(
    counts: pd.DataFrame,
    *,
    method: str = "farrington-flexible",
    keys: Sequence[str] = ("series_id",),
    period_type: str | None = None,
    last: int = 1,
    alpha: float | None = None,
    fdr: float | None = 0.05,
    params: dict[str, Any] | None = None,
    locale: str = "en",
    start: str | dt.date | pd.Timestamp | None = None,
    until: str | dt.date | pd.Timestamp | None = None,
    label_columns: Sequence[str] | None = None,
    chunk_size: int = 20_000,
) -> pd.DataFrame:
    """Alerts for the ``last`` periods of every series in long-format ``counts``.

    Returns one row per series and evaluated period: the key columns, ``period``, ``observed``,
    ``expected``, ``upperbound``, ``score``, ``pvalue``, ``qvalue`` (BH across series within the
    period), ``alarm`` (the method's own rule), ``alert`` (alarm and, when ``fdr`` is given,
    ``qvalue <= fdr`` for methods with p-values), ``method``, ``parameters`` (JSON) and
    ``explanation``. ``start`` / ``until`` bound the calendar (see :func:`to_matrix`): with
    ``until`` the evaluated periods are the ``last`` ones up to that date. The explanation names
    a series by ``label_columns`` (default: the keys; they must be keys too). Series are
    processed in blocks of ``chunk_size`` to bound memory (results do not depend on it).

    Examples
    --------
    >>> rows = [{"series_id": "a", "period": f"2020-{m:02d}-01", "count": c}
    ...         for m, c in zip(range(1, 13), [4, 5, 3, 4, 6, 4, 5, 4, 3, 5, 4, 19])]
    >>> out = detect(pd.DataFrame(rows), method="ears-c1", alpha=0.05)
    >>> bool(out["alert"].iloc[0])
    True
    """
    if method not in METHODS:
        raise ConfigError(
            _(
                "unknown method {method}; expected one of: {choices}",
                method=repr(method),
                choices=", ".join(METHODS),
            ),
            hint=_("Choose a method with --method."),
            allowed=list(METHODS),
        )
    table, calendar, matrix, pop, ptype = to_matrix(
        counts, keys, period_type, start=start, until=until
    )
    if last < 1 or last > len(calendar):
        raise ConfigError(
            _("last must be between 1 and {n}, got {last}", n=len(calendar), last=last)
        )
    params = dict(params or {})
    if alpha is not None and method in ALPHA_METHODS:
        params["alpha"] = alpha
    if method == "farrington-flexible" and pop is None and params.get("population_offset"):
        raise ConfigError(_("population_offset needs a population column in the counts"))
    use_pop = pop if params.pop("population_offset", False) else None
    if method in ("farrington", "farrington-flexible") and "b" not in params:
        params["b"] = _years_back(len(calendar) - last, params.get("w", 3), ptype)
    monitor = list(range(len(calendar) - last, len(calendar)))
    dates = calendar.to_numpy().astype("datetime64[D]")
    result = in_chunks(
        METHODS[method],
        matrix,
        monitor,
        freq=FREQ[ptype],
        dates=dates,
        population=use_pop,
        chunk_size=chunk_size,
        **params,
    )
    labels = list(label_columns or keys)
    return _long_output(table, calendar[monitor], result, method, params, fdr, locale, labels)


def _years_back(first_monitored: int, w: int, period_type: str) -> int:
    """R's default ``b = 5`` years of history, or as many full years as the data hold.

    Weekly reference weeks are found by date (the same weekday nearest the same day a year
    before), so a week of slack is kept.
    """
    slack = 1 if period_type == "week" else 0
    available = (first_monitored - w - slack) // FREQ[period_type]
    return max(1, min(5, available))


def _long_output(
    table, periods, result: AlarmTable, method, params, fdr, locale, labels
) -> pd.DataFrame:
    S, K = result.observed.shape
    out = table.loc[np.repeat(np.arange(S), K)].reset_index(drop=True)
    out["period"] = np.tile(periods.strftime("%Y-%m-%d").to_numpy(), S)
    for name in ("observed", "expected", "upperbound", "score", "pvalue"):
        out[name] = getattr(result, name).ravel()
    out["qvalue"] = bh_by_group(out["pvalue"], out["period"])
    out["alarm"] = result.alarm.ravel()
    controlled = fdr is not None and out["pvalue"].notna().any()
    out["alert"] = out["alarm"] & ((out["qvalue"] <= fdr) if controlled else True)
    for name, values in result.extra.items():
        out[name] = np.asarray(values).ravel()
    out["method"] = method
    out["parameters"] = json.dumps(params, sort_keys=True, default=str)
    label = table[labels].astype("string").fillna("").agg(" / ".join, axis=1).to_numpy()
    out["explanation"] = [
        explain(label[i // K], p, o, e, u, alarm=bool(a), locale=locale)
        for i, (p, o, e, u, a) in enumerate(
            zip(
                out["period"],
                out["observed"],
                out["expected"],
                out["upperbound"],
                out["alert"],
                strict=True,
            )
        )
    ]
    return out
