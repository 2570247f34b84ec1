"""``barrio demo``: build the fixture city and run the audit end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.cli.workspace_cmds import render_ingest, render_quality
from barrio.i18n import _


def register(app: typer.Typer) -> None:
    """Add ``barrio demo`` to the main app."""
    add_command(app, "demo", demo)


def demo(
    directory: Path = typer.Argument(Path("demo-city"), help=_("Folder for the demo workspace.")),
    size: str = typer.Option("full", help=_("full (about 100,000 incidents) or small.")),
    seed: int = typer.Option(2020, help=_("Seed of the fixture city.")),
    as_json: bool = JsonOption,
) -> None:
    """Build the synthetic city "Villa Esperanza", ingest it and report on it."""
    from barrio.demo import run_demo

    def render(result: dict[str, Any]) -> None:
        for run in result["ingest"]:
            render_ingest(run)
        render_quality(result["quality"])
        table = Table(title=_("Top-line indicators: incidents and rate per 100,000 by year"))
        for column in ("iccs_code", "category", "year", "incidents", "rate_per_100k"):
            table.add_column(_(column))
        for row in result["topline"]:
            table.add_row(
                row["iccs_code"] or "-",
                row["category"],
                str(row["year"]),
                f"{row['incidents']:,}",
                f"{row['rate_per_100k']:.1f}",
            )
        console.print(table)
        _render_audit(result)
        console.rule(_("Outputs"))
        for label, path in result["outputs"].items():
            console.print(f"  {_(label)}: {path}", highlight=False)

    run_command(as_json, lambda: run_demo(directory, size=size, seed=seed), render)


def _render_audit(result: dict[str, Any]) -> None:
    """One short paragraph per audit stage; the files hold the detail."""
    priority = result["priority"]
    console.rule(_("Priority neighbourhoods"))
    console.print(", ".join(f"{r['rank']}. {r['name']}" for r in priority["rows"]), highlight=False)
    alerts = result["alerts"]
    console.rule(_("Early-warning alerts"))
    console.print(
        _("{alerts} alerts in {series} series over the last {months} months ({method})",
          alerts=alerts["alerts"], series=alerts["series"], months=alerts["months"],
          method=alerts["method"]),
        highlight=False,
    )  # fmt: skip
    for row in alerts["rows"]:
        console.print(
            f"  {row['period'][:7]}  {row['area_name']} / {row['crime']}: "
            f"{row['observed']:.0f} ({_('expected')} {row['expected']:.1f})",
            highlight=False,
        )
    diagnosis = result["diagnosis"]
    console.rule(_("Participatory diagnosis and risk matrix"))
    console.print(
        _("{activities} activities and {findings} findings imported; risk matrix of {rows} rows",
          activities=sum(diagnosis["activities"].values()),
          findings=sum(diagnosis["findings"].values()), rows=diagnosis["risk_rows"]),
        highlight=False,
    )  # fmt: skip
    for row in diagnosis["risk_top"]:
        console.print(
            f"  {row['rank']}. {row['area_name']} / {row['theme_name']}: {row['score']:.2f}",
            highlight=False,
        )
    for warning in diagnosis["warnings"]:
        console.print(f"[yellow]{warning}[/]", highlight=False)
    recs = result["recommendations"]
    console.rule(_("{n} recommendations on {at}", n=recs["total"], at=recs["at"]))
    console.print(
        ", ".join(
            f"{row['status']} {row['count']} ({row['share']:.0%})"
            for row in recs["by_status"]
            if row["count"]
        ),
        highlight=False,
    )
    assessment = result["assessment"]
    console.rule(_("Strategy assessment"))
    console.print(
        _("Assessment {code}: overall {score}/100", code=assessment["code"],
          score=assessment["overall"]),
        highlight=False,
    )  # fmt: skip
