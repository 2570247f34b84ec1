"""Wide monthly layouts (one column per month, as SESNSP publishes) turned into long rows."""

from __future__ import annotations

import duckdb

from barrio.config import SPANISH_MONTHS, SourceMapping
from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest import parse

ENGLISH_MONTHS = (
    "january february march april may june july august september october november december"
).split()


def unpivot_months(
    con: duckdb.DuckDBPyConnection,
    spec: SourceMapping,
    available: list[str],
    file: str,
    relation: str = "__raw",
) -> tuple[str, dict[str, str], list[str]]:
    """Create the long view ``__long`` over ``relation`` (one row per non-empty month cell).

    Returns the relation name, expression overrides for ``period_start`` and ``count``, and the
    columns available to the mapping.
    """
    months = list(spec.month_columns) or _find_month_columns(available)
    if len(months) != 12:
        raise InputError(
            _(
                "{file}: a wide layout needs 12 month columns; found {found}",
                file=file,
                found=", ".join(months) or _("none"),
            ),
            hint=_("Set month_columns in the mapping (January to December, in order)."),
            file=file,
        )
    year = spec.year_column or _first(available, ("año", "ano", "anio", "year"))
    if year is None or year not in available:
        raise InputError(
            _("{file}: no year column for the wide layout", file=file),
            hint=_("Set year_column in the mapping."),
            file=file,
        )
    month_index = " ".join(
        f"WHEN {parse.literal(m)} THEN {i}" for i, m in enumerate(months, start=1)
    )
    con.execute(
        f"""CREATE TEMP VIEW __long AS
        SELECT * EXCLUDE (__month, __row), CASE __month {month_index} END AS __month_number,
               __row * 100 + (CASE __month {month_index} END) AS __row
        FROM (UNPIVOT {relation} ON {", ".join(parse.quote_ident(m) for m in months)}
              INTO NAME __month VALUE __cell)"""
    )
    year_text = parse.text(year)
    overrides = {
        "period_start": (
            f"strftime(make_date(TRY_CAST({year_text} AS INTEGER), __month_number, 1), '%Y-%m-%d')"
        ),
        "count": parse.text("__cell"),
    }
    remaining = [c for c in available if c not in months] + ["period_start", "count"]
    return "__long", overrides, remaining


def _find_month_columns(columns: list[str]) -> list[str]:
    def norm(name: str) -> str:
        import unicodedata

        text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return text.strip().lower()

    for names in (SPANISH_MONTHS, ENGLISH_MONTHS):
        found = {norm(c): c for c in columns if norm(c) in names}
        if len(found) == 12:
            return [found[m] for m in names]
    return []


def _first(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None
