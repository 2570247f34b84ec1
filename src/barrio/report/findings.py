"""The Local Safety Audit findings report: context and data quality, crime incidence, hot
spots and concentration, priority neighbourhoods, survey, participatory diagnosis, risk
matrix, recommendations by theme and the methodology annex (issue #8).

Each section comes from its module in :mod:`barrio.report.sections`; a section whose inputs
are absent is kept as an omitted section with a note, so the table of contents always says
what the report could not show and why.
"""

from __future__ import annotations

import datetime as dt

from barrio.i18n import _
from barrio.report.gather import ReportContext
from barrio.report.model import Report
from barrio.report.sections import (
    audit,
    context,
    hotspots,
    incidence,
    methodology,
    priority,
    survey,
)


def findings_report(ctx: ReportContext, *, at: dt.date | None = None) -> Report:
    """Gather every section of the findings report of ``ctx.ws``."""
    at = at or dt.date.today()
    sections = [
        context.build(ctx),
        incidence.build(ctx),
        hotspots.build(ctx),
        priority.build(ctx),
        survey.build(ctx),
        audit.diagnosis(ctx),
        audit.risk(ctx),
        audit.recommendations(ctx, at),
        methodology.build(ctx),
    ]
    return Report(
        kind="findings",
        title=_("Local Safety Audit: findings report"),
        subtitle=ctx.ws.config.name,
        lang=ctx.lang,
        public=ctx.public,
        generated_on=dt.datetime.now(dt.UTC),
        sections=sections,
        references=list(methodology.REFERENCES),
    )
