"""The monitoring report (stage 6 of the audit): recommendation status over time and by theme,
institution and neighbourhood, overdue recommendations, the local SDG indicator dashboard with
progress towards targets (:mod:`barrio.report.progress`), and the current early-warning alerts.

Targets come from ``[report.targets]`` in barrio.toml, e.g.
``intentional-homicide = {value = 5.0, year = 2030}``; indicators without one are assessed on
their growth alone (the methodology's no-target thresholds).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from barrio.i18n import _
from barrio.report import charts, labels
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Figure, Report, Section, Table
from barrio.report.progress import measure_progress
from barrio.report.sections.incidence import indicator_table, top_series

SDG_GOALS = ("3", "5", "11", "16")


def monitoring_report(ctx: ReportContext, *, at: dt.date | None = None) -> Report:
    """Gather the monitoring report on ``at`` (default: today)."""
    at = at or dt.date.today()
    sections = [*register_sections(ctx, at), sdg_dashboard(ctx), alerts(ctx)]
    return Report(kind="monitoring", title=_("Local Safety Audit: monitoring report"),
                  subtitle=f"{ctx.ws.config.name} — {at.isoformat()}", lang=ctx.lang,
                  public=ctx.public, generated_on=dt.datetime.now(dt.UTC),
                  sections=sections)  # fmt: skip


def _status_columns(key: str, label: str) -> list[Column]:
    from barrio.store.register import STATUSES

    return [Column(key, label), Column("total", _("Total"), "int")] + [
        Column(f"share_{s}", labels.status(s), "share") for s in STATUSES
    ]


def register_sections(ctx: ReportContext, at: dt.date) -> list[Section]:
    """Status over time and by theme / institution / neighbourhood; overdue items."""
    from barrio.audit.recs_query import overdue, summary

    status = Section("status", _("Recommendation status"))
    late = Section("overdue", _("Overdue recommendations"))
    if not ctx.has_store():
        for s in (status, late):
            s.omitted, s.note = True, _("No recommendations register: barrio recs import FILE.")
        return [status, late]
    with ctx.store().session() as session:
        overview = summary(session, at=at, view=ctx.view)
        behind = overdue(session, at=at, view=ctx.view)
    status.paragraphs.append(_("{n} recommendations registered by {at}.", n=overview.total,
                               at=at.isoformat()))  # fmt: skip
    if len(overview.over_time):
        from barrio.store.register import STATUSES

        shares = {f"share_{s}": labels.status(s) for s in STATUSES}
        status.figures.append(Figure(
            "status_over_time", _("Status of the recommendations at the end of each quarter"),
            charts.stacked_shares(overview.over_time, x="date", columns=shares,
                                  ylabel=_("share of recommendations")),
            alt=_("Stacked area chart of recommendation status shares over time")))  # fmt: skip
    names = _names(ctx)
    for key, frame, column, label in (
        ("by_theme", overview.by_theme, "theme", _("Theme")),
        ("by_institution", overview.by_institution, "institution", _("Institution")),
        ("by_neighborhood", overview.by_neighborhood, "area_id", _("Neighbourhood")),
    ):
        frame = frame.assign(key=frame[column].map(lambda v: names.get(v, v)))
        status.tables.append(
            Table(key, _("Status by {what}", what=label.lower()), _status_columns("key", label),
                  frame)
        )  # fmt: skip
    late.paragraphs.append(_("{n} recommendations are past their due date and neither addressed "
                             "nor discarded.", n=len(behind)))  # fmt: skip
    behind["status_name"] = behind["status"].map(labels.status) if len(behind) else []
    late.tables.append(Table("overdue", _("Overdue recommendations"), [
        Column("code", _("Code")), Column("title", _("Recommendation")),
        Column("institution", _("Responsible")), Column("due_on", _("Due"), "date"),
        Column("days_overdue", _("Days overdue"), "int"), Column("status_name", _("Status"))],
        behind))  # fmt: skip
    return [status, late]


def _names(ctx: ReportContext) -> dict[str, str]:
    """Theme labels (codebook) and area names (warehouse) for the status tables."""
    from barrio.audit.codebook import load_codebook
    from barrio.warehouse.duck import connect

    book = load_codebook(workspace_root=ctx.ws.root)
    with connect(ctx.ws.warehouse_path, read_only=True) as con:
        names = {
            str(k): str(v) for k, v in con.execute("SELECT area_id, name FROM areas").fetchall()
        }
    names.update({t: book.theme_label(t, ctx.lang) for t in book.themes})
    return names


def sdg_progress(ctx: ReportContext) -> pd.DataFrame:
    """Progress of each local SDG indicator (top level, yearly totals) towards its target."""
    table = indicator_table(ctx)
    if table.empty:
        return pd.DataFrame()
    top = next(lv for lv in ctx.ws.config.levels if lv in set(table["area_level"]))
    table = top_series(table, top)
    table = table[table["sdg"].fillna("").str.split(".").str[0].isin(SDG_GOALS)]
    targets = ctx.settings().get("targets", {})
    rows = []
    for (ind, name, sdg), part in table.groupby(["indicator_id", "name", "sdg"]):
        goal = targets.get(ind, {})
        result = measure_progress(part["year"], part["value"], target=goal.get("value"),
                                  target_year=int(goal.get("year", 2030)))  # fmt: skip
        rows.append({"indicator_id": ind, "name": name, "sdg": sdg, **result.to_dict(),
                     "status_name": labels.progress(result.status)})  # fmt: skip
    return pd.DataFrame(rows)


def sdg_dashboard(ctx: ReportContext) -> Section:
    """Local SDG 3/5/11/16 indicators with their progress status."""
    section = Section("sdg", _("Local SDG indicators"))
    progress = sdg_progress(ctx)
    if progress.empty:
        section.omitted, section.note = True, _("No SDG indicators computed in this workspace.")
        return section
    section.paragraphs.append(_(
        "Progress by compound annual growth (Open SDG / Statistics Canada method): against the "
        "growth needed to reach the target by its year, or, without a target, against 1.5 % and "
        "0.5 % a year in the desired direction."))  # fmt: skip
    section.tables.append(Table("sdg", _("SDG progress"), [
        Column("sdg", _("SDG")), Column("name", _("Indicator")),
        Column("base_year", _("Base year"), "int"), Column("base_value", _("Base"), "rate"),
        Column("current_year", _("Latest year"), "int"),
        Column("current_value", _("Latest"), "rate"), Column("target", _("Target"), "rate"),
        Column("cagr_observed", _("Annual growth"), "share", 1),
        Column("progress_value", _("Progress value"), "float", 2),
        Column("score", _("Score"), "float", 1), Column("status_name", _("Status"))],
        progress))  # fmt: skip
    return section


def alerts(ctx: ReportContext) -> Section:
    """Current early-warning alerts (the warehouse's ``alerts`` table of ``barrio warn``)."""
    from barrio.warehouse.duck import connect

    section = Section("alerts", _("Early-warning alerts"))
    with connect(ctx.ws.warehouse_path, read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'alerts'").fetchone()  # fmt: skip
        frame = (con.execute("SELECT * FROM alerts WHERE alert ORDER BY period DESC, score DESC")
                 .df() if found and found[0] else None)  # fmt: skip
    if frame is None:
        section.omitted, section.note = True, _("No early-warning run: barrio warn.")
        return section
    section.paragraphs.append(_("{n} alerts in the latest evaluated months.", n=len(frame)))
    columns = [
        Column("period", _("Month"), "date"), Column("area_name", _("Area")),
        Column("crime", _("Crime")), Column("observed", _("Observed"), "int"),
        Column("expected", _("Expected"), "float"), Column("method", _("Method")),
    ]  # fmt: skip
    if ctx.public:  # a month's count in one area can be small: the public sees the alert only
        columns = [c for c in columns if c.key not in ("observed", "expected")]
        frame = frame.drop(columns=["observed", "expected", "explanation"], errors="ignore")
    section.tables.append(Table("alerts", _("Alerts"), columns, frame))
    return section
