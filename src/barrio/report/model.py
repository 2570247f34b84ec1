"""The report as plain data: sections of paragraphs, tables and figures.

Gathering fills these; the HTML/PDF and Excel renderers only read them, so every output format
shows the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Column kinds the renderers know how to format.
KINDS = ("text", "int", "float", "rate", "percent", "share", "date")


@dataclass(frozen=True)
class Column:
    """One table column: data key, header label, kind (see ``KINDS``) and decimals."""

    key: str
    label: str
    kind: str = "text"
    digits: int = 1


@dataclass
class Table:
    """A table of a section. ``quality`` names a column holding ``high`` / ``moderate`` /
    ``low`` precision flags (INEGI CV bands): rows are coloured by it in HTML and Excel."""

    key: str
    title: str
    columns: list[Column]
    rows: pd.DataFrame
    note: str = ""
    quality: str | None = None

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column key (missing values as None)."""
        keys = [c.key for c in self.columns]
        frame = self.rows.reindex(columns=keys)
        clean = frame.astype(object).where(frame.notna(), None)
        return [dict(zip(keys, row, strict=True)) for row in clean.itertuples(index=False)]


@dataclass(frozen=True)
class Figure:
    """A static chart or map as PNG bytes, with alternative text and a caption."""

    key: str
    title: str
    png: bytes
    alt: str
    caption: str = ""


@dataclass
class Section:
    """A numbered section. ``omitted`` sections keep only their ``note`` (why they are empty)."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    note: str = ""
    omitted: bool = False


@dataclass
class Report:
    """A whole report: what it is, for whom, and its sections."""

    kind: str
    title: str
    subtitle: str
    lang: str
    public: bool
    generated_on: dt.datetime
    sections: list[Section]
    references: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        """Every table of every section, in order (the workbook's sheets)."""
        return [t for s in self.sections for t in s.tables]

    def summary(self) -> dict[str, Any]:
        """What was built: section keys, which were omitted and why, and counts."""
        return {
            "kind": self.kind,
            "lang": self.lang,
            "public": self.public,
            "sections": [s.key for s in self.sections if not s.omitted],
            "omitted": {s.key: s.note for s in self.sections if s.omitted},
            "tables": len(self.tables()),
            "figures": sum(len(s.figures) for s in self.sections),
        }
