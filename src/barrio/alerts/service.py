"""Service functions behind ``barrio warn``: a count file or the workspace; detect; summarise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from barrio.alerts.detect import detect
from barrio.errors import InputError
from barrio.i18n import _
from barrio.workspace import Workspace


def read_counts(path: Path) -> pd.DataFrame:
    """Read long-format counts from CSV or Parquet (keys and periods kept as text)."""
    if not path.exists():
        raise InputError(
            _("file not found: {path}", path=path), hint=_("Check the path."), file=str(path)
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path, dtype={"series_id": "string"})
    raise InputError(
        _("unsupported file type {suffix}; expected one of: .csv, .parquet", suffix=repr(suffix)),
        hint=_("Save the counts as CSV or Parquet."),
        file=str(path),
    )


def warn_file(
    path: Path, *, keys: tuple[str, ...] = ("series_id",), **options: Any
) -> dict[str, Any]:
    """Run :func:`barrio.alerts.detect.detect` on a file; return a JSON-ready summary + rows."""
    table = detect(read_counts(path), keys=keys, **options)
    return {"file": str(path), **_summary(table, keys, options.get("method"))}


def warn_workspace(
    workspace: Workspace,
    *,
    method: str = "farrington-flexible",
    level: str = "neighborhood",
    period_type: str = "month",
    iccs_digits: int = 4,
    until: dt.date | None = None,
    params: dict[str, Any] | None = None,
    output: Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Alerts on the workspace's series (area x ICCS code x period); stored as table ``alerts``.

    Farrington-flexible uses the population as offset when every area has one, unless
    ``params`` says ``population_offset=False``. ``output`` (CSV or Parquet) gets the table too.
    """
    from barrio.alerts.workspace import read_series, write_alerts
    from barrio.warehouse.duck import connect

    locale = options.get("locale", "en")
    params = dict(params or {})
    with connect(workspace.warehouse_path) as con:
        series = read_series(
            con,
            level=level,
            period=period_type,
            iccs_digits=iccs_digits,
            until=until,
            locale=locale,
        )
        has_pop = "population" in series.counts
        if method == "farrington-flexible" and has_pop:
            params.setdefault("population_offset", True)
        table = detect(
            series.counts,
            method=method,
            keys=("area_id", "iccs_code", "area_name", "crime"),
            label_columns=("area_name", "crime"),
            period_type=period_type,
            start=series.first_period,
            until=until,
            params=params,
            **options,
        )
        run = {
            "method": method,
            "parameters": params,
            "level": level,
            "period": period_type,
            "iccs_digits": iccs_digits,
            "until": until,
            "source": series.source,
            **{k: v for k, v in options.items() if k != "locale"},
        }
        write_alerts(con, table, run)
    if output is not None:
        _export(table, output)
    return {**_summary(table, ("area_id", "iccs_code"), method), **run, **series.notes}


def _export(table: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(
            _(
                "unsupported output type {suffix}; expected one of: .csv, .parquet",
                suffix=repr(suffix),
            ),
            hint=_("Name the output file .csv or .parquet."),
            file=str(path),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path, index=False)


def _summary(table: pd.DataFrame, keys: tuple[str, ...], method: str | None) -> dict[str, Any]:
    rows = table.drop(columns=[c for c in ("trend", "trend_coef") if c in table]).to_dict("records")
    return {
        "method": str(table["method"].iloc[0]) if len(table) else method,
        "series": len(table.drop_duplicates(list(keys))),
        "alarms": int(table["alarm"].sum()),
        "alerts": int(table["alert"].sum()),
        "rows": rows,
    }
