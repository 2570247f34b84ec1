"""``barrio init``, ``barrio ingest`` and ``barrio quality``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest.result import IngestResult

INGEST_STEPS = 7


def register(app: typer.Typer) -> None:
    """Add the workspace commands to the main app."""
    add_command(app, "init", init)
    add_command(app, "ingest", ingest)
    add_command(app, "quality", quality)


def init(
    directory: Path = typer.Argument(..., help=_("Folder of the new workspace.")),
    name: str | None = typer.Option(None, help=_("Name of the city or observatory.")),
    crs: str = typer.Option("EPSG:3857", help=_("Projected CRS for distances and areas.")),
    locale: str = typer.Option("es", help=_("Language of reports: es or en.")),
    as_json: bool = JsonOption,
) -> None:
    """Create a workspace (barrio.toml, sources/, warehouse/, rejects/, out/)."""
    from barrio.workspace import Workspace

    def work() -> dict[str, Any]:
        ws = Workspace.init(directory, name=name, crs=crs, locale=locale)
        return {"workspace": str(ws.root), "config": str(ws.config_path)}

    def render(data: dict[str, Any]) -> None:
        console.print(_("Workspace created in {path}", path=data["workspace"]))
        console.print(_("Edit {config} to map your source columns.", config=data["config"]))

    run_command(as_json, work, render)


def ingest(
    kind: str = typer.Argument(
        ...,
        help=_(
            "What the file holds: areas | population | incidents | counts | diagnosis | "
            "recommendations"
        ),
    ),
    file: Path = typer.Argument(
        ..., help=_("File: CSV, Excel, Parquet, GeoPackage, GeoJSON, Shapefile.")
    ),
    mapping: str | None = typer.Option(
        None, "--mapping", "-m", help=_("Mapping name (barrio.toml or shipped) or TOML path.")
    ),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Validate a file and load it into the workspace warehouse; reconcile every row.

    ``diagnosis`` and ``recommendations`` go to the application store, exactly as
    ``barrio diagnosis import`` and ``barrio recs import`` do.
    """
    from barrio.ingest.service import ingest as ingest_file
    from barrio.workspace import Workspace

    if kind in ("diagnosis", "recommendations"):
        _ingest_records(kind, file, mapping, workspace, as_json)
        return

    def work() -> dict[str, Any]:
        ws = Workspace.open(workspace)
        if as_json:
            return ingest_file(ws, kind, file, mapping=mapping).to_dict()
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(_("Ingesting {file}", file=file.name), total=INGEST_STEPS)

            def step(name: str) -> None:
                progress.update(task, advance=1, description=f"{file.name}: {name}")

            return ingest_file(ws, kind, file, mapping=mapping, step=step).to_dict()

    run_command(as_json, work, render_ingest)


def _ingest_records(
    kind: str, file: Path, mapping: str | None, workspace: Path | None, as_json: bool
) -> None:
    """``barrio ingest diagnosis|recommendations``: the audit imports under the ingest verb."""
    if mapping is not None:

        def refuse() -> None:
            group = "diagnosis" if kind == "diagnosis" else "recs"
            raise InputError(
                _("--mapping does not apply to {kind}: its template has fixed columns", kind=kind),
                hint=_("Fill the template (barrio {group} template); import it without --mapping.",
                       group=group),
            )  # fmt: skip

        run_command(as_json, refuse, lambda _data: None)
        return
    if kind == "diagnosis":
        from barrio.cli.audit import import_ as import_diagnosis

        import_diagnosis([file], workspace=workspace, codebook=None, user=None, as_json=as_json)
    else:
        from barrio.cli.recs import import_ as import_recommendations

        import_recommendations(file, workspace=workspace, author=None, as_json=as_json)


def render_ingest(data: dict[str, Any]) -> None:
    """Print an ingest run: the reconciliation line and a table of problems."""
    result = IngestResult(**{k: v for k, v in data.items() if k != "reconciles"})
    console.print(
        _(
            "{file}: {read} {unit} read = {accepted} accepted + {rejected} rejected "
            "({new} new, {updated} updated, {unchanged} already loaded) in {seconds} s",
            file=Path(result.file).name,
            read=f"{result.rows_read:,}",
            unit=_(result.unit),
            accepted=f"{result.rows_accepted:,}",
            rejected=f"{result.rows_rejected:,}",
            new=f"{result.rows_new:,}",
            updated=f"{result.rows_updated:,}",
            unchanged=f"{result.rows_unchanged:,}",
            seconds=result.seconds,
        ),
        highlight=False,
    )
    for warning in result.warnings:
        console.print(f"[yellow]{_('Warning')}:[/] {warning}", highlight=False)
    if result.problems:
        from barrio.ingest.problems import message

        table = Table(title=_("Problems"), show_lines=False)
        for header in (_("action"), _("reason"), _("rows")):
            table.add_column(header)
        for action, reasons in result.problems.items():
            for reason, n in reasons.items():
                table.add_row(_(action), message(reason), f"{n:,}")
        console.print(table)
    if result.rejects_file:
        console.print(_("Every problem row is listed in {path}", path=result.rejects_file))


def quality(
    workspace: Path | None = WorkspaceOption,
    min_repeats: int = typer.Option(
        25, help=_("Flag coordinates shared by at least this many incidents.")
    ),
    as_json: bool = JsonOption,
) -> None:
    """Data-quality report: sources, dates, geolocation, classification, duplicates, gaps."""
    from barrio.ingest.quality import quality_report
    from barrio.workspace import Workspace

    run_command(
        as_json,
        lambda: quality_report(Workspace.open(workspace), min_repeats=min_repeats),
        render_quality,
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def render_quality(report: dict[str, Any]) -> None:
    """Print the data-quality report as Rich tables."""
    console.rule(_("Data quality: {name}", name=report["workspace"]))
    console.print(
        "  ".join(f"{_(name)}: {n:,}" for name, n in report["tables"].items()), highlight=False
    )
    for s in report["incidents"]:
        table = Table(title=_("Incidents from {source}", source=s["source"]), show_header=False)
        table.add_column(_("measure"))
        table.add_column(_("value"), justify="right")
        for label, value in (
            (_("rows"), f"{s['rows']:,}"),
            (_("dates"), f"{s['first_date']} .. {s['last_date']}"),
            (_("geolocated"), _pct(s["share_geolocated"])),
            (_("assigned to an area"), _pct(s["share_assigned"])),
            (_("outside every area"), f"{s['outside_every_area']:,}"),
            (_("ICCS, high confidence"), _pct(s["share_classified_high"])),
            (_("ICCS, medium confidence"), _pct(s["share_classified_medium"])),
            (_("ICCS, low confidence"), _pct(s["share_classified_low"])),
            (_("not classified"), _pct(s["share_unclassified"])),
        ):
            table.add_row(label, value)
        console.print(table)
    _list(
        report["unknown_categories"],
        _("Categories not mapped to ICCS"),
        ("source", "local_category", "n"),
    )
    dup = report["duplicates"]
    console.print(
        _(
            "Duplicates rejected: {rows} identical rows, {ids} conflicting ids; "
            "{groups} groups of possible duplicates (same time, place and category)",
            rows=dup["rejected_identical_rows"],
            ids=dup["rejected_conflicting_ids"],
            groups=dup["possible_duplicate_groups"],
        ),
        highlight=False,
    )
    _list(
        report["repeated_coordinates"],
        _("Repeated identical coordinates (suspicious default locations)"),
        ("lon", "lat", "n", "categories", "main_category", "area_name"),
    )
    _list(
        report["missing_months"],
        _("Months with missing or very low data"),
        ("source", "month", "incidents", "median_month"),
    )


def _list(rows: list[dict[str, Any]], title: str, columns: tuple[str, ...]) -> None:
    if not rows:
        console.print(f"{title}: {_('none')}")
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(_(column))
    for row in rows[:20]:
        table.add_row(*(f"{row[c]:,}" if isinstance(row[c], int) else str(row[c]) for c in columns))
    console.print(table)
    if len(rows) > 20:
        console.print(_("... and {n} more (see --json)", n=len(rows) - 20))
