"""Build the staging SQL of a tabular ingest: canonical typed columns plus validation checks.

``stage_select`` reads the source text (as given) into canonical typed columns, keeping the
original text beside each value as ``<column>__raw`` so that a check can report it.
``column_checks`` lists the validation rules of each column as SQL conditions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from barrio.config import SourceMapping
from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest import parse
from barrio.ingest.problems import CLEARED, REJECTED
from barrio.schema.tables import Column, table

SEX_COLUMNS = {"sex", "victim_sex"}
BOOLEAN_COLUMNS = {"attempted"}
DEFAULTS = {
    "population": {"age_group": "total", "sex": "total"},
    "counts": {"sex": "total", "age_group": "total", "period_type": "month"},
    "incidents": {},
}
TYPE_REASON = {
    "DATE": "bad_date",
    "TIME": "bad_time",
    "DOUBLE": "bad_number",
    "INTEGER": "bad_integer",
    "BIGINT": "bad_integer",
}


@dataclass(frozen=True)
class Check:
    """A validation rule: rows where ``condition`` holds get ``reason`` and ``action``."""

    column: str
    condition: str
    reason: str
    action: str
    value: bool = True  # report the column's raw text with the problem


def input_columns(kind: str) -> list[Column]:
    """Canonical columns a source of this kind provides."""
    return table(kind).input_columns


def resolve_columns(
    kind: str, mapping: SourceMapping, available: list[str], file: str
) -> dict[str, str | None]:
    """canonical column -> source column (None when absent); errors on bad mappings."""
    present = set(available)
    wrong = {c: s for c, s in mapping.columns.items() if s not in present}
    if wrong:
        names = ", ".join(f"{c} = {s!r}" for c, s in wrong.items())
        raise InputError(
            _(
                "{file}: the mapping names columns that are not in the file: {names}",
                file=file,
                names=names,
            ),
            hint=_("Columns in the file: {columns}", columns=", ".join(available)),
            file=file,
            missing=sorted(wrong.values()),
        )
    out: dict[str, str | None] = {}
    for col in input_columns(kind):
        source = mapping.source_column(col.name)
        out[col.name] = source if source in present else None
    missing = [
        c.name
        for c in input_columns(kind)
        if c.required
        and out[c.name] is None
        and c.name not in mapping.constants
        and c.name not in DEFAULTS[kind]
    ]
    if missing:
        raise InputError(
            _(
                "{file}: no column for required field(s) {fields}",
                file=file,
                fields=", ".join(missing),
            ),
            hint=_(
                'Map them in the mapping\'s [columns] (canonical = "column in file"). '
                "Columns in the file: {columns}",
                columns=", ".join(available),
            ),
            file=file,
            missing=missing,
        )
    return out


def _parsed(col: Column, raw: str, mapping: SourceMapping) -> str:
    if col.name in SEX_COLUMNS:
        return parse.as_sex(raw)
    if col.name in BOOLEAN_COLUMNS:
        return parse.as_boolean(raw)
    if col.sql_type == "DATE":
        return parse.as_date(raw, mapping.date_format)
    if col.sql_type == "TIME":
        return parse.as_time(raw, mapping.time_format)
    if col.sql_type == "DOUBLE":
        return parse.as_double(raw)
    if col.sql_type in ("INTEGER", "BIGINT"):
        return parse.as_integer(raw)
    return raw


def stage_select(
    kind: str,
    mapping: SourceMapping,
    sources: dict[str, str | None],
    relation: str,
    overrides: dict[str, str] | None = None,
    types: dict[str, str] | None = None,
    extras: tuple[str, ...] = (),
) -> str:
    """SELECT producing ``__row``, each canonical column and its ``__raw`` value.

    ``overrides`` gives SQL expressions for the text of some columns (e.g. a wide layout's
    computed ``period_start``). ``types`` gives the DuckDB type of typed source columns
    (Parquet): a column read straight from its type keeps its typed value as ``__raw``, which
    checks only test for NULL (:func:`raw_texts` gives its text for the rejects file).
    ``extras`` are columns of ``relation`` carried through as they are, for checks to test
    (e.g. the outcome of an area-name lookup).
    """
    raws, values = ["__row", *extras], ["__row", *extras]
    for col in input_columns(kind):
        raw, value = _column(kind, col, mapping, sources, overrides or {}, types or {})
        raws.append(f"{raw} AS {col.name}__raw")
        values += [f"{value} AS {col.name}", f"{col.name}__raw"]
    return f"SELECT {', '.join(values)} FROM (SELECT {', '.join(raws)} FROM {relation})"


def _column(
    kind: str,
    col: Column,
    mapping: SourceMapping,
    sources: dict[str, str | None],
    overrides: dict[str, str],
    types: dict[str, str],
) -> tuple[str, str]:
    """(raw expression over the source relation, value expression over ``<name>__raw``)."""
    name = col.name
    raw = f"{name}__raw"
    if name in mapping.constants:  # read like a cell holding it: "2024-01-01" becomes a date
        return parse.literal(str(mapping.constants[name])), _parsed(col, raw, mapping)
    if name in overrides:
        return overrides[name], _parsed(
            col, parse.mapped(raw, mapping.values.get(name, {})), mapping
        )
    source = sources.get(name)
    if source is None:
        if name in DEFAULTS[kind]:
            return "NULL", parse.literal(DEFAULTS[kind][name])
        return "NULL", f"CAST(NULL AS {col.sql_type})"
    ident, source_type = parse.quote_ident(source), types.get(source, "VARCHAR")
    fast = _fast(col, mapping, source_type)
    if fast is not None:
        return ident, fast
    text = (
        parse.text(source)
        if source_type == "VARCHAR"
        else f"NULLIF(TRIM({parse.text_of(ident, source_type)}), '')"
    )
    return text, _parsed(col, parse.mapped(raw, mapping.values.get(name, {})), mapping)


def _fast(col: Column, mapping: SourceMapping, source_type: str) -> str | None:
    """Typed read of a non-text column (no value mapping, no sex/yes-no spelling to read)."""
    if source_type == "VARCHAR" or col.name in mapping.values or col.name in SEX_COLUMNS:
        return None
    return parse.typed(col.sql_type, f"{col.name}__raw", source_type)


def raw_texts(
    kind: str,
    mapping: SourceMapping,
    sources: dict[str, str | None],
    types: dict[str, str] | None = None,
) -> dict[str, str]:
    """Canonical column -> SQL text of its ``__raw`` value, as written in the rejects file."""
    out = {}
    for col in input_columns(kind):
        raw = f"{col.name}__raw"
        source = sources.get(col.name)
        source_type = (types or {}).get(source, "VARCHAR") if source else "VARCHAR"
        typed = source is not None and col.name not in mapping.constants
        fast = typed and _fast(col, mapping, source_type) is not None
        out[col.name] = parse.text_of(raw, source_type) if fast else raw
    return out


def checked_columns(checks: list[Check]) -> list[str]:
    """Columns that some check reports, in order: the layout of ``__raws``."""
    return list(dict.fromkeys(c.column for c in checks if c.value))


def rejecting_bits(checks: list[Check]) -> int:
    """``__bits`` mask of the checks that reject a row."""
    return sum(1 << i for i, c in enumerate(checks) if c.action == REJECTED)


def validated_select(
    kind: str,
    staged: str,
    checks: list[Check],
    texts: dict[str, str],
    *,
    locate: Callable[[str], str] | None = None,
    row_checks: tuple[Check, ...] = (),
) -> str:
    """One pass over ``staged``: canonical values (cleared ones set to NULL) and the checks.

    ``__bits`` has bit ``i`` set when ``checks[i]`` holds for the row, then one bit per
    ``row_checks`` (set only on rows no check rejects); ``__raws`` lists the raw text of the
    :func:`checked_columns`, only for rows with a problem, so that the text of millions of
    good rows is never kept. ``locate`` wraps the checked rows in the coordinate cleaning and
    area assignment (:meth:`barrio.ingest.locate.Locator.select`); ``row_checks`` test it.
    """
    every = [*checks, *row_checks]
    if len(every) > 62:
        raise ValueError(f"at most 62 checks fit in __bits, got {len(every)}")
    cleared: dict[str, int] = {}
    for i, check in enumerate(checks):
        if check.action == CLEARED:
            cleared[check.column] = cleared.get(check.column, 0) | 1 << i
    columns = {
        c.name: f"CASE WHEN __bits & {cleared[c.name]} <> 0 THEN NULL ELSE {c.name} END"
        if c.name in cleared
        else c.name
        for c in input_columns(kind)
    }
    checked = f"SELECT *, {_bits(checks, 0)} AS __bits FROM ({staged})"
    row_bits = "0"
    if locate:
        checked = locate(checked)
        columns.update(lon="__lon", lat="__lat", area_id="__area", location_status="__status")
        row_bits = (
            f"CASE WHEN __bits & {rejecting_bits(checks)} = 0 "
            f"THEN {_bits(row_checks, len(checks))} ELSE 0 END"
        )
    selected = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    raws = ", ".join(texts[name] for name in checked_columns(checks))
    return f"""SELECT __row, {selected}, __bits, CASE WHEN __bits <> 0 THEN [{raws}] END AS __raws
        FROM (SELECT * EXCLUDE (__bits), __bits + {row_bits} AS __bits FROM ({checked}))"""


def _bits(checks: list[Check] | tuple[Check, ...], first: int) -> str:
    terms = [
        f"(CASE WHEN {c.condition} THEN {1 << i} ELSE 0 END)"
        for i, c in enumerate(checks, start=first)
    ]
    return " + ".join(terms) or "0"


def column_checks(kind: str, today: dt.date) -> list[Check]:
    """Validation rules of every canonical column of ``kind`` (evaluated on the staged table)."""
    checks: list[Check] = []
    for col in input_columns(kind):
        name = col.name
        if col.required:
            checks.append(
                Check(name, f"{name} IS NULL AND {name}__raw IS NULL", "missing_value", REJECTED)
            )
        reason = (
            "bad_sex"
            if name in SEX_COLUMNS
            else "bad_boolean"
            if name in BOOLEAN_COLUMNS
            else TYPE_REASON.get(col.sql_type)
        )
        if reason:
            action = REJECTED if col.required else CLEARED
            checks.append(
                Check(name, f"{name} IS NULL AND {name}__raw IS NOT NULL", reason, action)
            )
        if col.sql_type == "DATE":
            checks.append(
                Check(name, f"{name} > DATE '{today.isoformat()}'", "future_date", REJECTED)
            )
            checks.append(Check(name, f"{name} < DATE '1900-01-01'", "implausible_date", REJECTED))
    extra = {
        "incidents": [
            Check("victim_age", "victim_age NOT BETWEEN 0 AND 120", "implausible_age", CLEARED)
        ],
        "population": [
            Check("population", "population < 0", "negative_value", REJECTED),
            Check("year", "year NOT BETWEEN 1900 AND 2100", "bad_year", REJECTED),
        ],
        "counts": [Check("count", "count < 0", "negative_value", REJECTED)],
    }
    return checks + extra[kind]
