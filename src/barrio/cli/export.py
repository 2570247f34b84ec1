"""``barrio export opensdg|sdmx|geopackage|datapackage OUTDIR [--public]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.i18n import _

PublicOption = typer.Option(
    False,
    "--public",
    help=_("Apply disclosure control (small cells and their complements hidden)."),
)
IndicatorOption = typer.Option(
    None, "--indicator", "-i", help=_("Indicator ids, comma-separated (default: all).")
)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group."""
    export = typer.Typer(help=_("Open-data exports."), no_args_is_help=True)
    add_command(export, "opensdg", opensdg)
    add_command(export, "sdmx", sdmx)
    add_command(export, "geopackage", geopackage)
    add_command(export, "datapackage", datapackage)
    app.add_typer(export, name="export")


def _run(
    fmt: str,
    outdir: Path,
    indicator: str | None,
    public: bool,
    workspace: Path | None,
    as_json: bool,
    year: int | None = None,
) -> None:
    from barrio.export.service import export
    from barrio.workspace import Workspace

    ids = [v.strip() for v in indicator.split(",") if v.strip()] if indicator else None

    def work() -> dict[str, Any]:
        ws = Workspace.open(workspace)
        return export(ws, fmt, outdir, ids=ids, public=public, year=year)

    def render(data: dict[str, Any]) -> None:
        console.print(
            _("{fmt}: {n} indicators written to {path}", fmt=fmt, n=len(data["indicators"]),
              path=outdir)
        )  # fmt: skip
        if data["disclosure"]:
            d = data["disclosure"]
            console.print(
                _(
                    "Disclosure control (k = {k}): {primary} cells hidden by the threshold rule, "
                    "{complementary} complementary; no hidden cell can be derived from the "
                    "published totals.",
                    k=d["k"],
                    primary=d["primary"],
                    complementary=d["complementary"],
                )
            )
        else:
            console.print(_("[yellow]Not protected: use --public for anything you publish.[/]"))

    run_command(as_json, work, render)


def opensdg(
    outdir: Path = typer.Argument(..., help=_("Output folder (data/ and meta/ inside).")),
    indicator: str | None = IndicatorOption,
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Write Open SDG data CSVs and metadata YAML for the annual indicators."""
    _run("opensdg", outdir, indicator, public, workspace, as_json)


def sdmx(
    outdir: Path = typer.Argument(..., help=_("Output folder.")),
    indicator: str | None = IndicatorOption,
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Write SDMX structure (SDMX-ML 2.1) and data (SDMX-CSV 2.0, SDMX-ML 2.1)."""
    _run("sdmx", outdir, indicator, public, workspace, as_json)


def geopackage(
    outdir: Path = typer.Argument(..., help=_("Output folder (areas.gpkg inside).")),
    indicator: str | None = IndicatorOption,
    public: bool = PublicOption,
    year: int | None = typer.Option(None, "--year", help=_("Year (default: the latest).")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Write a GeoPackage of the areas with their indicators, one layer per level."""
    _run("geopackage", outdir, indicator, public, workspace, as_json, year)


def datapackage(
    outdir: Path = typer.Argument(..., help=_("Output folder.")),
    indicator: str | None = IndicatorOption,
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Write a Frictionless data package (CSV tables and datapackage.json)."""
    _run("datapackage", outdir, indicator, public, workspace, as_json)
