"""Section "Context, sources and data quality": what was loaded, from where, and how clean it is
(the ingest reconciliation and the data-quality report of ``barrio quality``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from barrio.i18n import _
from barrio.report.fmt import date, integer, share
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Section, Table


def build(ctx: ReportContext) -> Section:
    """Sources, coverage and data-quality problems of the workspace."""
    from barrio.ingest.quality import quality_report

    report = quality_report(ctx.ws)
    section = Section("context", _("Context, sources and data quality"))
    tables = report["tables"]
    section.paragraphs.append(
        _("The workspace {name} holds {areas} areas, {incidents} police incidents and "
          "{population} population rows.", name=ctx.ws.config.name,
          areas=integer(tables.get("areas", 0), ctx.locale),
          incidents=integer(tables.get("incidents", 0), ctx.locale),
          population=integer(tables.get("population", 0), ctx.locale))
    )  # fmt: skip
    for src in report.get("incidents", []):
        section.paragraphs.append(_coverage(src, ctx.locale))
    section.tables.append(_runs(report["runs"]))
    problems = _problems(report)
    if not problems.empty:
        section.tables.append(
            Table("quality", _("Data-quality problems found at ingest"),
                  [Column("kind", _("Source")), Column("action", _("Action")),
                   Column("problem", _("Problem")), Column("rows", _("Rows"), "int")],
                  problems, note=_("Rejected rows are listed with their reasons in rejects/."))
        )  # fmt: skip
    return section


def _coverage(src: dict[str, Any], locale: str) -> str:
    return _(
        "Source {source}: {rows} incidents from {first} to {last}; {geo} geolocated, "
        "{assigned} assigned to an area, {unclassified} without an ICCS code.",
        source=src["source"], rows=integer(src["rows"], locale),
        first=date(src["first_date"], locale), last=date(src["last_date"], locale),
        geo=share(src["share_geolocated"], locale, 1),
        assigned=share(src["share_assigned"], locale, 1),
        unclassified=share(src["share_unclassified"], locale, 1),
    )  # fmt: skip


def _runs(runs: list[dict[str, Any]]) -> Table:
    frame = pd.DataFrame(runs)
    columns = [
        Column("kind", _("Table")), Column("file", _("File")),
        Column("started_at", _("Loaded"), "date"), Column("rows_read", _("Rows read"), "int"),
        Column("rows_accepted", _("Accepted"), "int"),
        Column("rows_rejected", _("Rejected"), "int"),
        Column("reconciles", _("Reconciles")),
    ]  # fmt: skip
    if not frame.empty:
        frame["reconciles"] = frame["reconciles"].map({True: _("yes"), False: _("no")})
    return Table("sources", _("Sources loaded"), columns, frame)


def _problems(report: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {"kind": run["kind"], "action": action, "problem": problem, "rows": n}
        for run in report["runs"]
        for action, found in (run.get("problems") or {}).items()
        for problem, n in found.items()
    ]
    return pd.DataFrame(rows, columns=["kind", "action", "problem", "rows"])
