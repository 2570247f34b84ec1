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
    """Whole number from text (``12``, ``12.0``); NULL for fractions or words."""
    number = as_double(expr)
    return f"CASE WHEN {number} = floor({number}) THEN CAST({number} AS BIGINT) END"


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
