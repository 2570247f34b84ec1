"""``barrio recs``: the recommendations register and its status events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.i18n import _

AtOption = typer.Option(None, "--at", help=_("Status as of this date (yyyy-mm-dd; default today)."))
PublicOption = typer.Option(
    False, "--public", help=_("Public view: public recommendations only, no internal notes.")
)
AuthorOption = typer.Option(None, "--author", help=_("Who records it (default: BARRIO_USER)."))


@contextmanager
def _session(workspace: Path | None, author: str | None = None) -> Iterator[Any]:
    from barrio.audit.recs_workspace import workspace_store
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    with workspace_store(ws) as store, store.session(actor=author) as session:
        session.info["workspace"] = ws
        yield session


def _date(value: str | None) -> dt.date | None:
    from barrio.audit.recs_fields import FieldError, date
    from barrio.errors import ConfigError

    try:
        return date(value)
    except FieldError:
        raise ConfigError(
            _("not a date: {value}", value=value), hint=_("Write dates as yyyy-mm-dd.")
        ) from None


def _records(frame: Any) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict("records")]


def _pct(value: Any) -> str:
    return "" if value is None or value != value else f"{100 * value:.0f}%"


def _view(public: bool) -> str:
    return "public" if public else "internal"


def template(
    out: Path = typer.Argument(..., help=_("A .xlsx file, or a folder for CSV files.")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Write an empty register template (institutions already registered are filled in)."""

    def work() -> dict[str, Any]:
        from barrio.audit.recs_io import register_rows, write_register
        from barrio.audit.recs_workspace import codebook_themes

        with _session(workspace) as session:
            rows = register_rows(session)
            rows["recommendations"], rows["status_events"] = [], []
            files = write_register(
                out, rows, themes=codebook_themes(session.info["workspace"]) or ()
            )
        return {"files": [str(f) for f in files]}

    run_command(
        as_json, work, lambda d: console.print(_("Written: {files}", files=", ".join(d["files"])))
    )


def export(
    out: Path = typer.Argument(..., help=_("A .xlsx file, or a folder for CSV files.")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Export the whole register (internal view) in the template's layout."""

    def work() -> dict[str, Any]:
        from barrio.audit.recs_io import register_rows, write_register
        from barrio.audit.recs_workspace import codebook_themes

        with _session(workspace) as session:
            rows = register_rows(session)
            files = write_register(
                out, rows, themes=codebook_themes(session.info["workspace"]) or ()
            )
        return {"files": [str(f) for f in files], "recommendations": len(rows["recommendations"])}

    run_command(
        as_json, work, lambda d: console.print(_("Written: {files}", files=", ".join(d["files"])))
    )


def import_(
    file: Path = typer.Argument(..., help=_("Filled template: .xlsx, a CSV file or a folder.")),
    workspace: Path | None = WorkspaceOption,
    author: str | None = AuthorOption,
    as_json: bool = JsonOption,
) -> None:
    """Validate a filled template and import it whole (or nothing, listing every problem)."""

    def work() -> dict[str, Any]:
        from barrio.audit.recs_import import import_register
        from barrio.audit.recs_workspace import codebook_themes, known_areas
        from barrio.ingest.pipeline import new_run_id

        with _session(workspace, author) as session:
            ws = session.info["workspace"]
            result = import_register(
                session, file, known_areas=known_areas(ws), themes=codebook_themes(ws),
                rejects_dir=ws.rejects, run_id=new_run_id("recommendations"),
            )  # fmt: skip
        return result.to_dict()

    def render(data: dict[str, Any]) -> None:
        table = Table(title=_("Imported {source}", source=data["source"]))
        for name in ("Sheet", "Read", "New", "Updated", "Unchanged"):
            table.add_column(_(name))
        for sheet, c in data["counts"].items():
            table.add_row(sheet, *(str(c[k]) for k in ("read", "new", "updated", "unchanged")))
        console.print(table)
        for warning in data["warnings"]:
            console.print(f"[yellow]{warning}[/]", highlight=False)

    run_command(as_json, work, render)


def add(
    title: str = typer.Option(..., "--title", help=_("What should be done.")),
    theme: str = typer.Option(..., "--theme", help=_("Codebook theme id.")),
    code: str | None = typer.Option(None, "--code", help=_("Unique code (default: next R-NNN).")),
    description: str = typer.Option("", "--description", help=_("Longer explanation.")),
    target: str = typer.Option(
        "institution", "--target", help=_("Addressed to: community | institution")
    ),
    responsible: str | None = typer.Option(None, "--responsible", help=_("Institution code.")),
    co: list[str] = typer.Option([], "--co", help=_("Co-responsible institution (repeat).")),
    neighborhood: list[str] = typer.Option([], "--neighborhood", help=_("area_id (repeat).")),
    finding: list[int] = typer.Option([], "--finding", help=_("Finding id (repeat).")),
    sdg: list[str] = typer.Option([], "--sdg", help=_("SDG target, e.g. 16.1 (repeat).")),
    iccs: list[str] = typer.Option([], "--iccs", help=_("ICCS code (repeat).")),
    priority: str = typer.Option("medium", "--priority", help=_("Priority: high | medium | low")),
    horizon: str = typer.Option(
        "medium", "--horizon", help=_("Time horizon: short | medium | long")
    ),
    due: str | None = typer.Option(None, "--due", help=_("Due date (yyyy-mm-dd).")),
    plan_line: str | None = typer.Option(None, "--plan-line", help=_("Municipal plan line.")),
    internal: bool = typer.Option(False, "--internal", help=_("Keep out of public output.")),
    note: str = typer.Option("", "--note", help=_("Internal note.")),
    registered_on: str | None = typer.Option(None, "--registered-on", help=_("yyyy-mm-dd.")),
    workspace: Path | None = WorkspaceOption,
    author: str | None = AuthorOption,
    as_json: bool = JsonOption,
) -> None:
    """Add one recommendation (registered as not started)."""

    def work() -> dict[str, Any]:
        from barrio.audit.recommendations import create_recommendation
        from barrio.audit.recs_workspace import codebook_themes, known_areas

        with _session(workspace, author) as session:
            ws = session.info["workspace"]
            _check_areas(neighborhood, known_areas(ws))
            rec = create_recommendation(
                session, code=code, title=title, theme=theme, description=description,
                target=target, responsible=responsible, co_responsible=co,
                neighborhoods=neighborhood, findings=finding, sdg_targets=sdg, iccs_codes=iccs,
                priority=priority, horizon=horizon, due_on=_date(due), plan_line=plan_line,
                is_public=not internal, internal_notes=note, registered_on=_date(registered_on),
                themes=codebook_themes(ws),
            )  # fmt: skip
            return {"code": rec.code, "id": rec.id, "status": "not_started"}

    run_command(as_json, work, lambda d: console.print(_("Added {code}", code=d["code"])))


def _check_areas(ids: list[str], areas: set[str] | None) -> None:
    from barrio.audit.recs_status import RegisterError

    unknown = [a for a in ids if areas is not None and a not in areas]
    if unknown:
        raise RegisterError(
            _("unknown neighborhood(s): {ids}", ids=", ".join(unknown)),
            hint=_("Use area_id values of the areas loaded in the workspace."),
        )


def status(
    code: str = typer.Argument(..., help=_("Recommendation code.")),
    new_status: str | None = typer.Argument(
        None,
        help=_("New status: not_started | in_process | addressed | not_implemented | discarded"),
    ),
    on: str | None = typer.Option(None, "--on", help=_("Date of the change (default today).")),
    evidence: str = typer.Option("", "--evidence", help=_("What shows the change.")),
    link: str | None = typer.Option(None, "--link", help=_("Link to the evidence.")),
    file: str | None = typer.Option(
        None,
        "--file",
        help=_(
            "Evidence file: a file to attach (PDF, image, text, spreadsheet; copied into the "
            "workspace and linked in the portal), or the name of a document kept elsewhere."
        ),
    ),
    reviewer: str | None = typer.Option(None, "--reviewer", help=_("Who reviewed it.")),
    note: str = typer.Option("", "--note", help=_("Internal note.")),
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    author: str | None = AuthorOption,
    as_json: bool = JsonOption,
) -> None:
    """Record a status change with its evidence; without STATUS, show the history."""

    def work() -> dict[str, Any]:
        from barrio.audit.recommendations import record_status
        from barrio.audit.recs_query import history

        attached: list[Any] = []
        try:
            with _session(workspace, author) as session:
                if new_status is not None:
                    reference = file
                    if file and Path(file).is_file():
                        attached.append(_attach(session, code, Path(file)))
                        reference = attached[0].reference
                    record_status(
                        session, code, new_status, on=_date(on), author=author,
                        evidence_text=evidence, evidence_url=link, evidence_file=reference,
                        reviewer=reviewer, internal_note=note,
                    )  # fmt: skip
                return history(session, code, view=_view(public))
        except BaseException:
            for stored in attached:  # nothing recorded: the copied file goes too
                stored.path.unlink(missing_ok=True)
            raise

    run_command(as_json, work, _render_history)


def _attach(session: Any, code: str, path: Path) -> Any:
    """Copy ``path`` into the workspace's evidence folder, checked and recorded as the admin
    pages do, so the portal links it (:func:`barrio.web.admin.evidence.attach_evidence`)."""
    from barrio.audit.recommendations import get_recommendation
    from barrio.web.admin.evidence import attach_evidence

    rec = get_recommendation(session, code)
    with path.open("rb") as stream:
        return attach_evidence(
            session, session.info["workspace"].root, rec.id, path.name, stream,
            uploaded_by=session.info["actor"],
        )  # fmt: skip


def _render_history(record: dict[str, Any]) -> None:
    console.print(f"[bold]{record['code']}[/] {record['title']}", highlight=False)
    console.print(
        _("Status: {status} since {since}", status=record["status"], since=record["since"])
    )
    table = Table()
    for name in ("Date", "Status", "Evidence", "Link", "Author"):
        table.add_column(_(name))
    for event in record["events"]:
        table.add_row(
            str(event["effective_on"]), event["status"], event["evidence_text"] or "",
            event.get("evidence_url") or "", event.get("author") or "",
        )  # fmt: skip
    console.print(table)


LIST_COLUMNS = ("code", "title", "theme", "institution", "status", "since", "due_on", "priority")


def list_(
    theme: str | None = typer.Option(None, "--theme", help=_("Codebook theme id.")),
    institution: str | None = typer.Option(None, "--institution", help=_("Institution code.")),
    neighborhood: str | None = typer.Option(None, "--neighborhood", help=_("area_id.")),
    status_: str | None = typer.Option(None, "--status", help=_("Current status.")),
    at: str | None = AtOption,
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """List recommendations with their status, filtered by theme, institution, neighborhood or
    status."""

    def work() -> list[dict[str, Any]]:
        from barrio.audit.recs_query import list_recommendations

        with _session(workspace) as session:
            frame = list_recommendations(
                session, theme=theme, institution=institution, neighborhood=neighborhood,
                status=status_, at=_date(at), view=_view(public),
            )  # fmt: skip
        return _records(frame)

    run_command(as_json, work, lambda rows: _render_rows(rows, LIST_COLUMNS, _("Recommendations")))


def _render_rows(rows: list[dict[str, Any]], columns: tuple[str, ...], title: str) -> None:
    table = Table(title=title)
    for name in columns:
        table.add_column(name)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
    console.print(table)
    console.print(_("{n} recommendations", n=len(rows)))


def summary(
    at: str | None = AtOption,
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Counts and shares by status, theme, institution and neighborhood, and by quarter."""

    def work() -> dict[str, Any]:
        from barrio.audit.recs_query import summary as register_summary

        with _session(workspace) as session:
            return register_summary(session, at=_date(at), view=_view(public)).to_dict()

    run_command(as_json, work, _render_summary)


SHORT = {"not_started": "NS", "in_process": "IP", "addressed": "AD", "not_implemented": "NI",
         "discarded": "DI"}  # fmt: skip


def _render_summary(data: dict[str, Any]) -> None:
    table = Table(title=_("{n} recommendations on {at}", n=data["total"], at=data["at"]))
    for name in ("Status", "Count", "Share"):
        table.add_column(_(name))
    for row in data["by_status"]:
        table.add_row(row["status"], str(row["count"]), _pct(row["share"]))
    console.print(table)
    sections = {
        "by_theme": _("By theme"),
        "by_institution": _("By institution"),
        "by_neighborhood": _("By neighborhood"),
        "over_time": _("By quarter"),
    }
    for key, title in sections.items():
        _render_crosstab(data[key], title)


def _render_crosstab(rows: list[dict[str, Any]], title: str) -> None:
    if not rows:
        return
    key = next(iter(rows[0]))
    table = Table(title=title)
    table.add_column(key)
    table.add_column(_("Total"))
    for name in SHORT.values():
        table.add_column(name)
    for row in rows:
        table.add_row(str(row[key]), str(row["total"]), *(_pct(row[f"share_{s}"]) for s in SHORT))
    console.print(table)


def overdue(
    at: str | None = AtOption,
    public: bool = PublicOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Recommendations past their due date and neither addressed nor discarded."""

    def work() -> list[dict[str, Any]]:
        from barrio.audit.recs_query import overdue as late

        with _session(workspace) as session:
            return _records(late(session, at=_date(at), view=_view(public)))

    columns = ("code", "title", "institution", "status", "due_on", "days_overdue")
    run_command(as_json, work, lambda rows: _render_rows(rows, columns, _("Overdue")))


COMMANDS: dict[str, Callable[..., None]] = {
    "template": template, "export": export, "import": import_, "add": add, "status": status,
    "list": list_, "summary": summary, "overdue": overdue,
}  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``barrio recs template|export|import|add|status|list|summary|overdue``."""
    recs_app = typer.Typer(
        name="recs",
        help=_("The recommendations register: import, add, record status, list, summarize."),
        no_args_is_help=True,
    )
    for name, command in COMMANDS.items():
        add_command(recs_app, name, command)
    app.add_typer(recs_app, name="recs")
