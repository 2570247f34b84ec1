"""The strategy assessment report: scores per stage and item, the evidence given, and the
recommendations drafted for weak items (:mod:`barrio.audit.assessment`,
:mod:`barrio.audit.assessment_store`). The latest stored assessment is reported."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from barrio.i18n import _
from barrio.report import charts, labels
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Figure, Report, Section, Table


def _latest_code(ctx: ReportContext) -> str | None:
    from sqlalchemy import select

    from barrio.store.assessment import Assessment

    with ctx.store().session() as session:
        query = select(Assessment.code).order_by(
            Assessment.assessed_on.desc(), Assessment.id.desc()
        )
        return session.execute(query).scalars().first()


def assessment_report(ctx: ReportContext, *, at: dt.date | None = None) -> Report:
    """Gather the assessment report of the latest stored assessment."""
    code = _latest_code(ctx) if ctx.has_store() else None
    sections = scored_sections(ctx, code)
    return Report(kind="assessment", title=_("Security strategy assessment"),
                  subtitle=f"{ctx.ws.config.name}{' — ' + code if code else ''}", lang=ctx.lang,
                  public=ctx.public, generated_on=dt.datetime.now(dt.UTC),
                  sections=sections)  # fmt: skip


def scored_sections(ctx: ReportContext, code: str | None) -> list[Section]:
    """Stage scores, item scores with evidence, drafted recommendations."""
    from barrio.audit.assessment import load_instrument, score_assessment
    from barrio.audit.assessment_store import load_assessment

    stages = Section("stages", _("Scores by stage"))
    items = Section("items", _("Items and evidence"))
    drafted = Section("drafted", _("Drafted recommendations"))
    if code is None:
        for s in (stages, items, drafted):
            s.omitted, s.note = True, _("No stored assessment: barrio assess FILE.")
        return [stages, items, drafted]
    instrument = load_instrument()
    meta, levels = load_assessment(ctx.store(), code)
    scores = score_assessment(instrument, levels)
    stage_names = {k: v.get(ctx.lang) or v.get("en", "") for k, v in instrument.stages.items()}
    frame = scores.stages.assign(name=scores.stages["stage"].map(stage_names))
    stages.paragraphs.append(_("Assessment {code} of {strategy} ({agency}), {date}: overall "
                               "score {score:.1f}/100.", code=code, strategy=meta["strategy"],
                               agency=meta["agency"], date=meta["assessed_on"],
                               score=scores.overall))  # fmt: skip
    stages.figures.append(Figure("stage_scores", _("Score by stage (0-100)"),
                                 charts.bar_chart(frame["name"].tolist(), frame["score"].tolist(),
                                                  xlabel=_("score")),
                                 alt=_("Bar chart of stage scores")))  # fmt: skip
    stages.tables.append(Table("stages", _("Scores by stage"), [
        Column("stage", _("Stage"), "int"), Column("name", _("Name")),
        Column("items", _("Items"), "int"), Column("assessed", _("Assessed"), "int"),
        Column("score", _("Score"), "float")], frame))  # fmt: skip
    table = scores.items.copy()
    table["title_text"] = table["title"].map(lambda t: t.get(ctx.lang) or t.get("en", "")
                                             if isinstance(t, dict) else str(t))  # fmt: skip
    items.tables.append(Table("items", _("Items"), [
        Column("item", _("Item")), Column("title_text", _("Title")),
        Column("level", _("Level (0-4)"), "int"), Column("score", _("Score"), "float"),
        Column("evidence", _("Evidence"))], table))  # fmt: skip
    drafted.tables.append(_drafted(ctx, code))
    return [stages, items, drafted]


def _drafted(ctx: ReportContext, code: str) -> Table:
    from barrio.audit.recs_query import list_recommendations

    with ctx.store().session() as session:
        recs = list_recommendations(session, view=ctx.view)
    mine = recs[(recs["source"] == "assessment")
                & recs["source_ref"].fillna("").str.startswith(f"{code}:")].copy()  # fmt: skip
    mine["priority_name"] = mine["priority"].map(labels.priority) if len(mine) else []
    mine["status_name"] = mine["status"].map(labels.status) if len(mine) else []
    return Table("drafted", _("Drafted recommendations"), [
        Column("code", _("Code")), Column("title", _("Recommendation")),
        Column("priority_name", _("Priority")), Column("status_name", _("Status"))],
        pd.DataFrame(mine))  # fmt: skip
