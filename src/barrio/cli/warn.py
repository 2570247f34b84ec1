"""``barrio warn``: early-warning alerts on the workspace or on a long-format count file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import WorkspaceOption
from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import ConfigError
from barrio.i18n import _, current_locale

FileArgument = typer.Argument(
    None, help=_("Long-format count file (CSV or Parquet): series_id, period, count[, population].")
)
MethodOption = typer.Option("farrington-flexible", "--method", help=_("Detection method."))
PeriodOption = typer.Option(
    None, "--period", help=_("Period type: week or month (default: inferred from the dates).")
)
AlphaOption = typer.Option(None, "--alpha", help=_("Significance level of each series' test."))
FdrOption = typer.Option(
    0.05, "--fdr", help=_("False discovery rate across series per period (Benjamini-Hochberg).")
)
LastOption = typer.Option(1, "--last", help=_("Number of latest periods to evaluate."))
ParamOption = typer.Option(
    [], "--param", help=_("Extra method parameter KEY=VALUE (e.g. b=3, w=2, no_periods=4).")
)
AllOption = typer.Option(False, "--all", help=_("Show every evaluated series, not only alerts."))
LevelOption = typer.Option(
    "neighborhood", "--level", help=_("Workspace mode: area level of the series (e.g. district).")
)
IccsLevelOption = typer.Option(
    4, "--iccs-level", help=_("Workspace mode: ICCS code digits of the series (2, 4, 5 or 6).")
)
UntilOption = typer.Option(
    None,
    "--until",
    help=_("Last period to evaluate (YYYY-MM or YYYY-MM-DD); later data are left out."),
)
OutputOption = typer.Option(
    None, "--output", "-o", help=_("Also write the alerts table to this CSV or Parquet file.")
)


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["b=3", "alpha=0.01", "reweight=false"]`` -> ``{"b": 3, "alpha": 0.01, ...}``."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(
                _("parameter {item!r} is not KEY=VALUE", item=item),
                hint=_("Write it as, e.g., --param b=3"),
            )
        params[key] = _cast(value)
    return params


def _cast(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return {"true": True, "false": False}.get(value.lower(), value)


def _render(result: dict[str, Any], show_all: bool) -> None:
    table = Table(title=_("Early-warning alerts"))
    for name in ("Series", "Period", "Observed", "Expected", "Threshold", "q-value"):
        table.add_column(_(name))
    for row in result["rows"]:
        if show_all or row["alert"]:
            q = row["qvalue"]
            table.add_row(
                _series_label(row),
                row["period"],
                f"{row['observed']:.0f}",
                f"{row['expected']:.1f}",
                f"{row['upperbound']:.1f}",
                "" if q != q else f"{q:.3g}",
            )
    console.print(table)
    for row in result["rows"]:
        if row["alert"]:
            console.print(row["explanation"], highlight=False)
    summary = _(
        "{alerts} alerts in {series} series ({method}); {alarms} before FDR control",
        alerts=result["alerts"],
        series=result["series"],
        method=result["method"],
        alarms=result["alarms"],
    )
    console.print(summary, highlight=False)


def _series_label(row: dict[str, Any]) -> str:
    if "series_id" in row:
        return str(row["series_id"])
    return f"{row.get('area_name', row.get('area_id', ''))} / {row.get('crime', '')}"


def _until(value: str | None) -> dt.date | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ConfigError(
        _("--until is not a date: {value}", value=value),
        hint=_("Write it as YYYY-MM or YYYY-MM-DD."),
    )


def register(app: typer.Typer) -> None:
    """Add the ``warn`` command to the ``barrio`` app."""

    @app.command(
        "warn",
        help=_(
            "Early-warning alerts on the workspace's crime series, or on a count FILE "
            "(Farrington, EARS, CUSUM, GLR-NB, Semáforo, Poisson z)."
        ),
    )
    def warn(
        file: Path | None = FileArgument,
        method: str = MethodOption,
        period: str | None = PeriodOption,
        alpha: float | None = AlphaOption,
        fdr: float = FdrOption,
        last: int = LastOption,
        param: list[str] = ParamOption,
        level: str = LevelOption,
        iccs_level: int = IccsLevelOption,
        until: str | None = UntilOption,
        output: Path | None = OutputOption,
        workspace: Path | None = WorkspaceOption,
        show_all: bool = AllOption,
        as_json: bool = JsonOption,
    ) -> None:
        def work() -> dict[str, Any]:
            from barrio.alerts.service import warn_file, warn_workspace

            options: dict[str, Any] = {
                "method": method,
                "alpha": alpha,
                "fdr": fdr,
                "last": last,
                "params": parse_params(param),
                "locale": current_locale(),
            }
            if file is not None:
                return warn_file(file, period_type=period, until=_until(until), **options)
            from barrio.workspace import Workspace

            return warn_workspace(
                Workspace.open(workspace),
                level=level,
                period_type=period or "month",
                iccs_digits=iccs_level,
                until=_until(until),
                output=output,
                **options,
            )

        run_command(as_json, work, lambda result: _render(result, show_all))
