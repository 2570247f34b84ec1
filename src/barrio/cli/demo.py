"""``barrio demo``: build the fixture city and run the audit end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.output import JsonOption, console, run_command
from barrio.cli.workspace_cmds import render_ingest, render_quality
from barrio.i18n import _


def register(app: typer.Typer) -> None:
    """Add ``barrio demo`` to the main app."""
    app.command("demo")(demo)


def demo(
    directory: Path = typer.Argument(Path("demo-city"), help="Folder for the demo workspace."),
    size: str = typer.Option("full", help="full (about 100,000 incidents) or small."),
    seed: int = typer.Option(2020, help="Seed of the fixture city."),
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
        console.rule(_("Outputs"))
        for label, path in result["outputs"].items():
            console.print(f"  {_(label)}: {path}", highlight=False)

    run_command(as_json, lambda: run_demo(directory, size=size, seed=seed), render)
