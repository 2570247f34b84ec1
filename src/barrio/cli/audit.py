"""``barrio diagnosis ...``, ``barrio risk``, ``barrio assess``: thin wrappers over barrio.audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.i18n import _

CodebookOption = typer.Option(
    None, "--codebook", help=_("Extra codebook YAML (besides the workspace's codebook.yaml).")
)
ActorOption = typer.Option(None, "--user", help=_("Acting user (default: BARRIO_USER or login)."))


def _workspace_parts(workspace: Path | None, codebook: Path | None = None) -> tuple[Any, Any]:
    from barrio.audit.codebook import load_codebook
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    return ws, load_codebook(codebook, workspace_root=ws.root)


def _store(ws: Any) -> Any:
    from barrio.store.session import open_store, workspace_store_url

    return open_store(workspace_store_url(ws))


def _known_areas(ws: Any) -> set[str] | None:
    """Area ids in the warehouse (None when no areas are loaded: the check is skipped)."""
    from barrio.audit.recs_workspace import known_areas

    return known_areas(ws)


def _area_names(ws: Any) -> dict[str, str]:
    from barrio.warehouse.duck import connect

    with connect(ws.warehouse_path, read_only=True) as con:
        return dict(con.execute("SELECT area_id, name FROM areas").fetchall())


# ---------------------------------------------------------------- diagnosis


def template(
    out: Path = typer.Argument(..., help=_("Where to write: FILE.xlsx, or a folder for CSV.")),
    workspace: Path | None = WorkspaceOption,
    codebook: Path | None = CodebookOption,
    as_json: bool = JsonOption,
) -> None:
    """Write the diagnosis template (activities and findings) to fill in the field."""

    def work() -> dict[str, Any]:
        from barrio.audit.codebook import load_codebook
        from barrio.audit.template import write_template

        root = workspace if workspace and (workspace / "barrio.toml").exists() else None
        book = load_codebook(codebook, workspace_root=root)
        return {"files": [str(p) for p in write_template(out, book)], "themes": len(book.themes)}

    def render(data: dict[str, Any]) -> None:
        for path in data["files"]:
            console.print(_("Template written: {path}", path=path), highlight=False)

    run_command(as_json, work, render)


def import_(
    files: list[Path] = typer.Argument(..., help=_("The filled template (.xlsx) or CSV files.")),
    workspace: Path | None = WorkspaceOption,
    codebook: Path | None = CodebookOption,
    user: str | None = ActorOption,
    as_json: bool = JsonOption,
) -> None:
    """Validate and import diagnosis activities and findings (all rows or none)."""

    def work() -> dict[str, Any]:
        from barrio.audit.diagnosis_store import import_diagnosis

        ws, book = _workspace_parts(workspace, codebook)
        areas = _known_areas(ws)
        with _store(ws) as store:
            result = import_diagnosis(
                store, files, codebook=book, known_areas=areas, actor=user, rejects_dir=ws.rejects
            )
        if areas is None:
            result["warnings"] = [_("no areas loaded: neighborhood codes were not checked")]
        return result

    def render(data: dict[str, Any]) -> None:
        for table in ("activities", "findings"):
            counts = ", ".join(f"{k} {v}" for k, v in data[table].items()) or "0"
            console.print(f"{_(table.capitalize())}: {counts}", highlight=False)
        for warning in data.get("warnings", []):
            console.print(f"[yellow]{warning}[/]", highlight=False)

    run_command(as_json, work, render)


def agreement(
    workspace: Path | None = WorkspaceOption,
    warn_below: float = typer.Option(0.7, "--warn-below", help=_("Kappa threshold.")),
    as_json: bool = JsonOption,
) -> None:
    """Inter-coder agreement: Cohen's kappa per theme over the double-coded segments."""

    def work() -> dict[str, Any]:
        from barrio.audit._frames import records
        from barrio.audit.diagnosis_store import load_findings
        from barrio.audit.kappa import kappa_by_theme

        ws, _book = _workspace_parts(workspace)
        with _store(ws) as store:
            table = kappa_by_theme(load_findings(store), warn_below=warn_below)
        return {"themes": records(table), "warn_below": warn_below}

    def render(data: dict[str, Any]) -> None:
        table = Table(title=_("Inter-coder agreement (Cohen's kappa)"))
        for name in ("Theme", "Segments", "Both", "First only", "Second only", "Kappa", "95% CI"):
            table.add_column(_(name))
        for r in data["themes"]:
            flag = " [red]![/]" if r["warn"] else ""
            table.add_row(
                r["theme"], str(r["segments"]), str(r["both"]), str(r["first_only"]),
                str(r["second_only"]), f"{r['kappa']:.2f}{flag}",
                f"{r['ci_low']:.2f} - {r['ci_high']:.2f}",
            )  # fmt: skip
        console.print(table)

    run_command(as_json, work, render)


# ---------------------------------------------------------------- risk


def risk(
    workspace: Path | None = WorkspaceOption,
    start: str | None = typer.Option(None, "--start", help=_("Records from (yyyy-mm-dd).")),
    end: str | None = typer.Option(None, "--end", help=_("Records up to (yyyy-mm-dd).")),
    records_weight: float = typer.Option(
        0.5, "--records-weight", help=_("Weight of recorded crime in the threat score (0-1).")
    ),
    high: float = typer.Option(4.0, "--high", help=_("Scores at or above this are high.")),
    scope: str = typer.Option(
        "area", "--scope", help=_("Vulnerabilities and capacities per area (default) or theme.")
    ),
    top: int = typer.Option(15, "--top", help=_("Rows to show.")),
    codebook: Path | None = CodebookOption,
    as_json: bool = JsonOption,
) -> None:
    """Risk matrix per neighborhood x theme from recorded crime and the coded findings."""

    def work() -> dict[str, Any]:
        from barrio.audit.risk_service import build_risk_matrix

        ws, book = _workspace_parts(workspace, codebook)
        with _store(ws) as store:
            return build_risk_matrix(
                ws, store, book, start=_date(start, "--start"), end=_date(end, "--end"),
                records_weight=records_weight, high=high, scope=scope,
            )  # fmt: skip

    def render(data: dict[str, Any]) -> None:
        from barrio.audit.risk import crosscheck_short

        table = Table(title=_("Risk matrix (top {n} of {total})", n=top, total=len(data["rows"])))
        for name in ("Rank", "Neighborhood", "Theme", "T", "V", "C", "R", "Score", "Cross-check"):
            table.add_column(_(name))
        for r in data["rows"][:top]:
            table.add_row(
                str(r["rank"]), str(r["area_name"]), str(r["theme_name"]), f"{r['threat']:.1f}",
                f"{r['vulnerability']:.0f}", f"{r['capacity']:.0f}", f"{r['risk']:.1f}",
                f"{r['score']:.2f}", crosscheck_short(r["crosscheck"]),
            )  # fmt: skip
        console.print(table)
        console.print(_("Full matrix with explanations: {path}", path=data["file"]))
        for warning in data["warnings"]:
            console.print(f"[yellow]{warning}[/]", highlight=False)

    run_command(as_json, work, render)


def _date(text: str | None, option: str) -> dt.date | None:
    from barrio.errors import ConfigError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            _("{option} is not a date: {value}", option=option, value=text),
            hint=_("Write dates as yyyy-mm-dd."),
        ) from None


# ---------------------------------------------------------------- assessment


def assess(
    file: Path | None = typer.Argument(None, help=_("Filled assessment (.yaml or .xlsx).")),
    template_out: Path | None = typer.Option(
        None, "--template", help=_("Write the blank assessment workbook (.xlsx) here.")
    ),
    show: str | None = typer.Option(None, "--show", help=_("Score a stored assessment by code.")),
    recommend: bool = typer.Option(
        True, "--recommend/--no-recommend", help=_("Draft recommendations for items at 0-1.")
    ),
    instrument_path: Path | None = typer.Option(
        None, "--instrument", help=_("Instrument YAML (default: the shipped four-stage one).")
    ),
    workspace: Path | None = WorkspaceOption,
    user: str | None = ActorOption,
    as_json: bool = JsonOption,
) -> None:
    """Four-stage assessment of a public-security strategy: template, scores, recommendations."""

    def work() -> dict[str, Any]:
        from barrio.audit import assessment_store as service
        from barrio.audit.assessment import load_instrument, score_assessment
        from barrio.errors import ConfigError

        instrument = load_instrument(instrument_path)
        if template_out is not None:
            path = service.write_assessment_template(template_out, instrument)
            return {"template": str(path), "items": len(instrument.items)}
        from barrio.workspace import Workspace

        ws = Workspace.open(workspace)
        with _store(ws) as store:
            if show is not None:
                _meta, levels = service.load_assessment(store, show)
                return {"code": show, **service.summary(score_assessment(instrument, levels))}
            if file is None:
                raise ConfigError(
                    _("give a filled assessment FILE, --template OUT or --show CODE"),
                    hint=_("Start with: barrio assess --template assessment.xlsx"),
                )
            meta, levels = service.read_assessment(file)
            return service.save_assessment(
                store, meta, levels, instrument, actor=user, recommend=recommend
            )

    run_command(as_json, work, _render_assessment)


def _render_assessment(data: dict[str, Any]) -> None:
    if "template" in data:
        console.print(_("Template written: {path}", path=data["template"]), highlight=False)
        return
    console.print(_("Assessment {code}: overall {score}/100", code=data["code"],
                    score=data["overall"]), highlight=False)  # fmt: skip
    table = Table()
    for name in ("Stage", "Score", "Items assessed"):
        table.add_column(_(name))
    for stage in data["stages"]:
        table.add_row(str(stage["stage"]), f"{stage['score']:.1f}", str(stage["assessed"]))
    console.print(table)
    for item in data["weak_items"]:
        console.print(f"  {item['item']} ({item['level']}): {item['title']}", highlight=False)
    drafted = data.get("recommendations_drafted")
    if drafted:
        console.print(_("{n} recommendations drafted: {codes}", n=len(drafted),
                        codes=", ".join(drafted)), highlight=False)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``diagnosis`` (template, import, agreement), ``risk`` and ``assess``."""
    group = typer.Typer(help=_("Participatory diagnosis: template, import, agreement."))
    add_command(group, "template", template)
    add_command(group, "import", import_)
    add_command(group, "agreement", agreement)
    app.add_typer(group, name="diagnosis")
    add_command(app, "risk", risk)
    add_command(app, "assess", assess)
