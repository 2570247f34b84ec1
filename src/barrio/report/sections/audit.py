"""Sections of the audit team's work, read from the application store: the participatory
diagnosis (:mod:`barrio.audit.diagnosis_store`), the risk matrix
(:func:`barrio.audit.risk_service.build_risk_matrix`) and the recommendations by theme
(:func:`barrio.audit.recs_query.list_recommendations`, public view for public reports).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.report import labels
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Section, Table

RISK_ROWS = 20


def _omitted(section: Section, note: str) -> Section:
    section.omitted, section.note = True, note
    return section


def diagnosis(ctx: ReportContext) -> Section:
    """Activities, participants and coded findings by kind and theme."""
    from barrio.audit.codebook import load_codebook
    from barrio.audit.diagnosis_store import load_activities, load_findings, participation

    section = Section("diagnosis", _("Participatory diagnosis"))
    if not ctx.has_store():
        return _omitted(section, _("No participatory diagnosis: import it with "
                                   "barrio diagnosis import FILE."))  # fmt: skip
    activities, findings = load_activities(ctx.store()), load_findings(ctx.store())
    if findings.empty:
        return _omitted(section, _("No participatory diagnosis: import it with "
                                   "barrio diagnosis import FILE."))  # fmt: skip
    who = participation(activities)
    people = who["participants"]
    section.paragraphs.append(
        _("{activities} activities in {areas} neighbourhoods with {people} participants "
          "({women} women, {men} men).", activities=who["activities"],
          areas=who["neighborhoods"], people=sum(people[k] for k in ("women", "men", "other")),
          women=people["women"], men=people["men"])
    )  # fmt: skip
    book = load_codebook(workspace_root=ctx.ws.root)
    counts = pd.crosstab(findings["theme"], findings["kind"]).reset_index()
    counts["theme_name"] = counts["theme"].map(lambda t: book.theme_label(t, ctx.lang))
    kinds = [k for k in ("threat", "vulnerability", "capacity") if k in counts]
    names = {"threat": _("Threats"), "vulnerability": _("Vulnerabilities"),
             "capacity": _("Capacities")}  # fmt: skip
    columns = [Column("theme_name", _("Theme"))] + [Column(k, names[k], "int") for k in kinds]
    section.tables.append(Table("findings", _("Coded findings by theme"), columns,
                                counts.sort_values(kinds[0], ascending=False)))  # fmt: skip
    return section


def risk(ctx: ReportContext) -> Section:
    """The top of the risk matrix (threat x vulnerability / capacity per area and theme)."""
    from barrio.audit.codebook import load_codebook
    from barrio.audit.risk_service import build_risk_matrix

    section = Section("risk", _("Risk matrix"))
    if not ctx.has_store():
        return _omitted(section, _("No risk matrix: it needs the participatory diagnosis."))
    try:
        matrix = build_risk_matrix(ctx.ws, ctx.store(), load_codebook(workspace_root=ctx.ws.root))
    except BarrioError as error:
        return _omitted(section, error.message)
    rows = pd.DataFrame(matrix["rows"]).head(RISK_ROWS)
    section.paragraphs.append(
        _("Risk = threat x vulnerability / capacity, each from 1 to 5, combining police records "
          "and the residents' findings; the {n} highest of {total} area-theme pairs.",
          n=len(rows), total=len(matrix["rows"]))
    )  # fmt: skip
    section.paragraphs.extend(matrix["warnings"])
    columns = [Column("rank", _("Rank"), "int"), Column("area_name", _("Neighbourhood")),
               Column("theme_name", _("Theme")), Column("threat", _("Threat"), "float"),
               Column("vulnerability", _("Vulnerability"), "float"),
               Column("capacity", _("Capacity"), "float"),
               Column("score", _("Risk score"), "float", 2)]  # fmt: skip
    section.tables.append(Table("risk", _("Risk matrix"), columns, rows))
    return section


def recommendations(ctx: ReportContext, at: dt.date) -> Section:
    """The register grouped by theme, with each recommendation's status on ``at``."""
    from barrio.audit.codebook import load_codebook
    from barrio.audit.recs_query import list_recommendations

    section = Section("recommendations", _("Recommendations by theme"))
    if not ctx.has_store():
        return _omitted(section, _("No recommendations register: barrio recs import FILE."))
    with ctx.store().session() as session:
        recs = list_recommendations(session, at=at, view=ctx.view)
    if recs.empty:
        return _omitted(section, _("No recommendations register: barrio recs import FILE."))
    book = load_codebook(workspace_root=ctx.ws.root)
    recs["theme_name"] = recs["theme"].map(lambda t: book.theme_label(t, ctx.lang))
    recs["status_name"] = recs["status"].map(labels.status)
    recs["priority_name"] = recs["priority"].map(labels.priority)
    recs = recs.sort_values(["theme_name", "code"])
    section.paragraphs.append(
        _("{n} recommendations in {themes} themes; status on {at}.", n=len(recs),
          themes=recs["theme"].nunique(), at=at.isoformat())
    )  # fmt: skip
    columns = [Column("theme_name", _("Theme")), Column("code", _("Code")),
               Column("title", _("Recommendation")), Column("institution", _("Responsible")),
               Column("priority_name", _("Priority")), Column("due_on", _("Due"), "date"),
               Column("status_name", _("Status"))]  # fmt: skip
    section.tables.append(Table("recommendations", _("Recommendations"), columns, recs))
    return section
