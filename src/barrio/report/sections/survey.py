"""Section "Victimization survey": design-based estimates with their precision flags.

Reads the estimates a statistician saved with ``barrio survey estimate ... --output`` to
``out/survey_estimates.csv`` (or the file named by ``[report] survey`` in barrio.toml). Every
estimate keeps its INEGI precision flag (CV < 15 % high, 15-30 % moderate, >= 30 % low,
downgraded by the INE Chile / CEPAL sample-size rules; :mod:`barrio.survey.quality`): flagged,
never hidden. Without a file the section is omitted with a note.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from barrio.i18n import _
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Section, Table

DEFAULT = "survey_estimates.csv"


def source(ctx: ReportContext) -> Path:
    """Where the survey estimates are read from."""
    configured = ctx.settings().get("survey")
    return ctx.ws.root / configured if configured else ctx.ws.out / DEFAULT


def build(ctx: ReportContext) -> Section:
    """The estimates table, coloured by precision."""
    from barrio.survey.quality import CV_HIGH, CV_MODERATE

    section = Section("survey", _("Victimization survey"))
    path = source(ctx)
    if not path.exists():
        section.omitted = True
        section.note = _("No survey estimates in this workspace ({path}): estimate them with "
                         "barrio survey estimate ... --output {path}.", path=path.name)  # fmt: skip
        return section
    frame = pd.read_csv(path)
    if ctx.public:
        from barrio.report.public import protect_estimates

        frame = protect_estimates(ctx.ws, frame)
    section.paragraphs.append(
        _("Precision as INEGI flags it: coefficient of variation under {high} % high, "
          "{high}-{moderate} % moderate (yellow), {moderate} % or more low (red).",
          high=int(CV_HIGH), moderate=int(CV_MODERATE))
    )  # fmt: skip
    columns = [Column(k, label, kind, digits) for k, label, kind, digits in (
        ("variable", _("Variable"), "text", 0), ("level", _("Category"), "text", 0),
        ("domain", _("Domain"), "text", 0), ("estimate", _("Estimate"), "float", 3),
        ("se", _("Standard error"), "float", 3), ("ci_low", _("95 % low"), "float", 3),
        ("ci_high", _("95 % high"), "float", 3), ("cv", _("CV %"), "float", 1),
        ("n", _("n"), "int", 0), ("quality", _("Precision"), "text", 0),
        ("disclosure", _("Disclosure"), "text", 0),
    ) if k in frame.columns]  # fmt: skip
    section.tables.append(Table("survey", _("Survey estimates"), columns, frame,
                                quality="quality" if "quality" in frame else None))  # fmt: skip
    return section
