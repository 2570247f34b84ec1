"""``barrio indicators list|compute`` (exports are in :mod:`barrio.cli.export`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import ConfigError
from barrio.i18n import _, current_locale

FORMATS = ("table", "csv", "json", "xlsx")


def register(app: typer.Typer) -> None:
    """Add the ``indicators`` command group."""
    indicators = typer.Typer(help=_("Indicator catalog and computation."), no_args_is_help=True)
    add_command(indicators, "list", list_indicators)
    add_command(indicators, "compute", compute)
    app.add_typer(indicators, name="indicators")


def _names(text: str | None) -> list[str] | None:
    return [v.strip() for v in text.split(",") if v.strip()] if text else None


def list_indicators(workspace: Path | None = WorkspaceOption, as_json: bool = JsonOption) -> None:
    """Show the indicator catalog: id, name, unit, SDG link, source file."""
    from barrio.indicators.service import catalog_rows
    from barrio.workspace import Workspace

    def work() -> list[dict[str, Any]]:
        try:
            ws = Workspace.open(workspace)
        except Exception:  # the shipped catalog is useful outside a workspace too
            ws = None
        return catalog_rows(ws)

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table(title=_("Indicator catalog"))
        for name in ("id", "name", "unit", "SDG", "ICCS", "source"):
            table.add_column(_(name))
        for r in rows:
            table.add_row(r["id"], r["name"], r["unit"], r["sdg"], r["iccs"], r["source"])
        console.print(table)

    run_command(as_json, work, render)


def compute(
    indicator: str | None = typer.Option(
        None, "--indicator", "-i", help=_("Indicator ids, comma-separated (default: all).")
    ),
    level: str | None = typer.Option(
        None, "--level", help=_("Area levels, comma-separated (default: every level).")
    ),
    period: str = typer.Option("year", "--period", help=_("month, quarter or year.")),
    by: str | None = typer.Option(
        None, "--by", help=_("Disaggregations: sex, age_group or sex,age_group.")
    ),
    source: str = typer.Option(
        "auto", "--source", help=_("incidents, counts or auto (incidents when loaded).")
    ),
    smooth: bool = typer.Option(
        False, "--smooth", help=_("Add empirical-Bayes smoothed rates (small areas).")
    ),
    fmt: str = typer.Option("table", "--format", help=_("table, csv, json or xlsx.")),
    output: Path | None = typer.Option(None, "--output", "-o", help=_("File for csv/json/xlsx.")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Compute indicators, store them in the warehouse and print or export them."""
    from barrio.indicators.service import compute_stored, missing_note, run_table
    from barrio.workspace import Workspace

    if fmt not in FORMATS:
        raise typer.BadParameter(_("use one of: {formats}", formats=", ".join(FORMATS)))

    def work() -> dict[str, Any]:
        ws = Workspace.open(workspace)
        run = compute_stored(
            ws,
            ids=_names(indicator),
            period=period,
            levels=_names(level),
            by=_names(by),
            source=source,
            smooth=smooth,
        )
        # the table stays in the warehouse; it is read back only to be exported
        table = run_table(ws, run.run_id) if fmt != "table" else None
        written = None
        if table is not None:
            target = output or ws.out / f"indicators.{fmt}"
            _write(table, fmt, target)
            written = str(target)
        return {
            "rows": run.rows,
            "indicators": run.indicators,
            "written": written,
            "note": missing_note(run.missing_population),
            "table": table if as_json and fmt == "json" and output is None else None,
        }

    def render(data: dict[str, Any]) -> None:
        console.print(
            _(
                "{rows} indicator rows stored in the warehouse ({n} indicators).",
                rows=f"{data['rows']:,}",
                n=len(data["indicators"]),
            )
        )
        if data["written"]:
            console.print(_("Written to {path}", path=data["written"]))
        if data["note"]:
            console.print(f"[yellow]{data['note']}[/]")
        if fmt == "table":
            _print_headline(workspace)

    run_command(as_json, lambda: _jsonable(work()), render)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    table = data.pop("table", None)
    if table is not None:
        data["table"] = table.astype(object).where(table.notna(), None).to_dict("records")
    return data


def _write(table: Any, fmt: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        table.to_csv(target, index=False)
    elif fmt == "json":
        table.to_json(target, orient="records", date_format="iso", force_ascii=False)
    elif fmt == "xlsx":
        import pandas as pd

        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name="indicators", index=False)
            writer.sheets["indicators"].freeze_panes = "A2"
    else:  # pragma: no cover - checked before
        raise ConfigError(_("unknown format {fmt}", fmt=fmt))


def _print_headline(workspace: Path | None) -> None:
    """The latest period's totals at the top level: what an analyst looks at first."""
    from barrio.indicators.catalog import load_catalog
    from barrio.indicators.service import headline
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    level, latest = headline(ws)
    if latest.empty:
        return
    catalog = load_catalog(ws.root)
    lang = current_locale()
    out = Table(title=_("Latest period, {level}", level=level))
    for name in ("Indicator", "Period", "Count", "Rate", "95% CI", "vs previous", "p"):
        out.add_column(_(name))
    rows: list[dict[Any, Any]] = latest.to_dict("records")
    for r in rows:
        ind = catalog.get(r["indicator_id"])
        out.add_row(
            ind.label(lang) if ind else r["indicator_id"],
            str(r["period_start"])[:10],
            f"{r['numerator']:,}",
            _number(r["value"], "{:.1f}"),
            _number(r["lower"], "{:.1f}") + "–" + _number(r["upper"], "{:.1f}"),
            _number(r["change_prev_pct"], "{:+.1f}%"),
            _number(r["p_change_prev"], "{:.3f}"),
        )
    console.print(out)


def _number(value: Any, pattern: str) -> str:
    """A formatted number, or "-" when missing."""
    return "-" if value is None or value != value else pattern.format(value)
