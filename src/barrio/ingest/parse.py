"""SQL expressions that turn source text into canonical typed values (run in DuckDB).

Each builder returns an expression yielding NULL where the text cannot be read, so that
validation can compare "text given" against "value read" and report the row.
"""

from __future__ import annotations

from typing import Any

SEX_VALUES = {
    "F": ("f", "mujer", "mujeres", "femenino", "female", "woman", "women"),
    "M": ("m", "h", "hombre", "hombres", "masculino", "male", "man", "men", "varon"),
    "total": ("total", "t", "ambos", "all"),
}
TRUE_VALUES = ("si", "s", "yes", "y", "true", "t", "1", "tentativa", "intento", "attempted")
FALSE_VALUES = ("no", "n", "false", "f", "0", "consumado", "completed")


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for a Python value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def text(column: str) -> str:
    """Trimmed text, NULL when blank."""
    return f"NULLIF(TRIM(CAST({quote_ident(column)} AS VARCHAR)), '')"


def key(expr: str) -> str:
    """Normalised key for value lookups: lower case, accents stripped."""
    return f"lower(strip_accents({expr}))"


def mapped(expr: str, values: dict[str, Any]) -> str:
    """Replace values through a user mapping ``{value in file: canonical value}``."""
    if not values:
        return expr
    cases = " ".join(f"WHEN {key(literal(k))} THEN {literal(v)}" for k, v in values.items())
    return f"CASE {key(expr)} {cases} ELSE {expr} END"


def as_date(expr: str, formats: tuple[str, ...]) -> str:
    """Date from text: the given strptime formats in order, then ISO (with or without time).

    ``excel`` as a format reads Excel serial day numbers (days since 1899-12-30).
    """
    tries = []
    for fmt in formats:
        if fmt == "excel":
            tries.append(
                f"CASE WHEN regexp_full_match({expr}, '\\d{{1,6}}') "
                f"THEN DATE '1899-12-30' + CAST({expr} AS INTEGER) END"
            )
        else:
            tries.append(f"CAST(TRY_STRPTIME({expr}, {literal(fmt)}) AS DATE)")
    tries.append(f"TRY_CAST({expr} AS DATE)")
    tries.append(f"CAST(TRY_CAST({expr} AS TIMESTAMP) AS DATE)")
    return "COALESCE(" + ", ".join(tries) + ")"


def as_time(expr: str, formats: tuple[str, ...]) -> str:
    """Time of day from text (HH:MM, HH:MM:SS, or the given formats)."""
    tries = [f"CAST(TRY_STRPTIME({expr}, {literal(f)}) AS TIME)" for f in formats]
    tries += [f"TRY_CAST({expr} AS TIME)", f"CAST(TRY_STRPTIME({expr}, '%H:%M') AS TIME)"]
    return "COALESCE(" + ", ".join(tries) + ")"


def as_double(expr: str) -> str:
    """Number from text; a decimal comma is accepted when there is no decimal point."""
    return (
        f"COALESCE(TRY_CAST({expr} AS DOUBLE), "
        f"CASE WHEN NOT contains({expr}, '.') "
        f"THEN TRY_CAST(replace({expr}, ',', '.') AS DOUBLE) END)"
    )


def as_integer(expr: str) -> str:
    """Whole number from text (``12``, ``12.0``); NULL for fractions, words or numbers too large
    for a 64-bit integer."""
    return whole(as_double(expr))


def whole(number: str) -> str:
    """A DOUBLE expression as BIGINT when it is a whole number that fits, else NULL."""
    return f"CASE WHEN {number} = floor({number}) THEN TRY_CAST({number} AS BIGINT) END"


def as_sex(expr: str) -> str:
    """F, M or total from the usual Spanish and English spellings."""
    cases = " ".join(
        f"WHEN {key(expr)} IN ({', '.join(literal(v) for v in spellings)}) THEN {literal(code)}"
        for code, spellings in SEX_VALUES.items()
    )
    return f"CASE {cases} END"


def as_boolean(expr: str) -> str:
    """True/false from si/no, yes/no, 1/0, tentativa/consumado."""
    t = ", ".join(literal(v) for v in TRUE_VALUES)
    f = ", ".join(literal(v) for v in FALSE_VALUES)
    return f"CASE WHEN {key(expr)} IN ({t}) THEN TRUE WHEN {key(expr)} IN ({f}) THEN FALSE END"


INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}


def typed(sql_type: str, expr: str, source_type: str) -> str | None:
    """The canonical value read straight from a typed source column, or None to read it as text.

    Only conversions that give exactly what reading the column's text would give are made
    here (a double read as a double, a timestamp's date, a whole double as an integer); any
    other pair goes through the text (see :func:`text_of`).
    """
    if sql_type == "DOUBLE" and source_type in INTEGER_TYPES | {"DOUBLE"}:
        return f"CAST({expr} AS DOUBLE)"
    if sql_type in ("INTEGER", "BIGINT") and source_type in INTEGER_TYPES:
        return f"TRY_CAST({expr} AS BIGINT)"
    if sql_type in ("INTEGER", "BIGINT") and source_type == "DOUBLE":
        return whole(expr)
    if sql_type == "DATE" and source_type in _TIMESTAMPS | {"DATE"}:
        return f"CAST({expr} AS DATE)"
    if sql_type == source_type and sql_type in ("TIME", "BOOLEAN"):
        return expr
    return None


def text_of(expr: str, source_type: str) -> str:
    """Text of a typed value as a text reader shows it (see ``readers._as_text``): whole
    floats without ``.0``, timestamps as ``2023-01-31T10:00:00``."""
    if source_type == "VARCHAR":
        return expr
    if source_type in ("FLOAT", "DOUBLE"):
        return (
            f"CASE WHEN {expr} = trunc({expr}) AND abs({expr}) < 9.2e18 "
            f"THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) ELSE CAST({expr} AS VARCHAR) END"
        )
    if source_type in _TIMESTAMPS:
        return f"strftime(CAST({expr} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S')"
    if source_type == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(timezone('UTC', {expr}), '%Y-%m-%dT%H:%M:%S')"
    return f"CAST({expr} AS VARCHAR)"
