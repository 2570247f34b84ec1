"""Counts published one column per crime (as SESNSP's municipal file is) turned into long rows.

A file row ``Entidad, Municipio, Año, Mes, Feminicidio, Homicidio doloso, ..., Total`` becomes one
row per non-empty category cell, with ``local_category`` = the column's name and ``count`` = the
cell. The unit of reconciliation is the cell: its ``__row`` is ``1000 × file row + i`` (``i`` the
1-based position of the category column), so a rejected cell names its file row and category.
A declared total column is a check: a file row whose readable parts do not add up to its total
is flagged (``total_mismatch``; reported on cell 0 of the row).

The period of a row can come from a year column and a month column (month name in Spanish or
English, or month number), in any counts layout.
"""

from __future__ import annotations

import duckdb

from barrio.config import SPANISH_MONTHS, SourceMapping
from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest import parse
from barrio.ingest.options import CountOptions
from barrio.ingest.problems import FLAGGED
from barrio.ingest.wide import ENGLISH_MONTHS

CELLS = 1000
"""``__row`` of a category cell = CELLS × file row + category position (1-based)."""
UNIT = "category_cells"


def check_columns(names: list[str], available: list[str], file: str, option: str) -> None:
    """Raise when a mapping option names columns that the file does not have."""
    missing = [n for n in names if n not in available]
    if missing:
        raise InputError(
            _(
                "{file}: {option} names columns that are not in the file: {names}",
                file=file,
                option=option,
                names=", ".join(missing),
            ),
            hint=_("Columns in the file: {columns}", columns=", ".join(available)),
            file=file,
            missing=missing,
        )


def unpivot_categories(
    con: duckdb.DuckDBPyConnection,
    options: CountOptions,
    relation: str,
    available: list[str],
    types: dict[str, str],
    file: str,
) -> tuple[str, dict[str, str], list[str]]:
    """Create the long view ``__cells`` over ``relation`` (one row per non-empty category cell).

    Returns the view's name, raw-text overrides for ``local_category`` and ``count``, and the
    columns left to the mapping. Category cells are read as text (as a CSV gives them), so the
    checks and the rejects file treat a Parquet and a CSV file alike.
    """
    categories = list(options.category_columns)
    check_columns(categories, available, file, "category_columns")
    if len(categories) >= CELLS:
        raise InputError(
            _("{file}: at most {n} category columns", file=file, n=CELLS - 1),
            hint=_("Split the file, or load it in a long layout."),
            file=file,
        )
    position = " ".join(
        f"WHEN {parse.literal(c)} THEN {i}" for i, c in enumerate(categories, start=1)
    )
    as_text = ", ".join(
        f"{parse.text_of(parse.quote_ident(c), types.get(c, 'VARCHAR'))} AS {parse.quote_ident(c)}"
        for c in categories
    )
    cells = ", ".join(parse.quote_ident(c) for c in categories)
    con.execute(
        f"""CREATE TEMP VIEW __cells AS
        SELECT * EXCLUDE (__category, __row), __category,
               __row * {CELLS} + (CASE __category {position} END) AS __row
        FROM (UNPIVOT (SELECT * REPLACE ({as_text}) FROM {relation})
              ON {cells} INTO NAME __category VALUE __cell)
        WHERE NULLIF(TRIM(__cell), '') IS NOT NULL"""
    )
    positions = ", ".join(f"({i}, {parse.literal(c)})" for i, c in enumerate(categories, start=1))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __cell_names AS SELECT * FROM "
        f"(VALUES {positions}) AS t(position, category)"
    )
    overrides = {"local_category": "__category", "count": parse.text("__cell")}
    remaining = [c for c in available if c not in categories] + ["local_category", "count"]
    return "__cells", overrides, remaining


def total_mismatches(
    con: duckdb.DuckDBPyConnection,
    options: CountOptions,
    relation: str,
    available: list[str],
    types: dict[str, str],
    file: str,
) -> None:
    """Flag file rows whose category cells do not add up to the total column (``__problems``).

    Only rows whose total and every non-empty part are whole numbers are compared (an
    unreadable cell is reported by its own check).
    """
    check_columns(list(options.category_columns), available, file, "category_columns")
    if options.total_column is None:
        return
    check_columns([options.total_column], available, file, "total_column")
    total = options.total_column
    number = {
        c: parse.as_integer(
            f"NULLIF(TRIM({parse.text_of(parse.quote_ident(c), types.get(c, 'VARCHAR'))}), '')"
        )
        for c in (*options.category_columns, total)
    }
    readable = " AND ".join(
        f"({number[c]} IS NOT NULL OR NULLIF(TRIM(CAST({parse.quote_ident(c)} AS VARCHAR)), '') "
        "IS NULL)"
        for c in options.category_columns
    )
    parts = " + ".join(f"COALESCE({number[c]}, 0)" for c in options.category_columns)
    total_text = parse.text_of(parse.quote_ident(total), types.get(total, "VARCHAR"))
    con.execute(
        f"""INSERT INTO __problems
        SELECT __row * {CELLS}, {parse.literal(total)}, {total_text} || ' <> ' || ({parts}),
               'total_mismatch', '{FLAGGED}', NULL
        FROM {relation}
        WHERE {number[total]} IS NOT NULL AND {readable} AND {number[total]} <> ({parts})"""
    )


def month_number(expr: str) -> str:
    """SQL: the month (1-12) of a month name (Spanish or English, any case or accents, or a
    three-letter abbreviation) or number; NULL otherwise."""
    key = f"lower(strip_accents(TRIM(CAST({expr} AS VARCHAR))))"
    names = [
        f"WHEN {key} IN ({parse.literal(es)}, {parse.literal(en)}, "
        f"{parse.literal(es[:3])}, {parse.literal(en[:3])}) THEN {i}"
        for i, (es, en) in enumerate(zip(SPANISH_MONTHS, ENGLISH_MONTHS, strict=True), start=1)
    ]
    number = f"TRY_CAST(TRY_CAST({key} AS DOUBLE) AS INTEGER)"
    return (
        f"CASE {' '.join(names)} WHEN {number} BETWEEN 1 AND 12 AND {number} = "
        f"TRY_CAST({key} AS DOUBLE) THEN {number} END"
    )


def period_from_year_month(
    spec: SourceMapping, options: CountOptions, available: list[str], file: str
) -> dict[str, str]:
    """Raw-text override of ``period_start`` from the year and month columns (or nothing).

    A row whose year or month cannot be read keeps "year month" as its text, so that it is
    rejected as ``bad_date`` with the values shown.
    """
    if options.month_column is None:
        return {}
    year = spec.year_column
    if year is None:
        raise InputError(
            _("{file}: month_column needs a year_column", file=file),
            hint=_("Set year_column in the mapping."),
            file=file,
        )
    check_columns([year, options.month_column], available, file, "year_column / month_column")
    year_value = parse.as_integer(f"TRIM(CAST({parse.quote_ident(year)} AS VARCHAR))")
    month = month_number(parse.quote_ident(options.month_column))
    given = (
        f"NULLIF(TRIM(concat_ws(' ', CAST({parse.quote_ident(year)} AS VARCHAR), "
        f"CAST({parse.quote_ident(options.month_column)} AS VARCHAR))), '')"
    )
    return {
        "period_start": (
            f"COALESCE(strftime(TRY(make_date({year_value}, {month}, 1)), '%Y-%m-%d'), {given})"
        )
    }
