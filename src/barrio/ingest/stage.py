"""Build the staging SQL of a tabular ingest: canonical typed columns plus validation checks.

``stage_select`` reads the source text (as given) into canonical typed columns, keeping the
original text beside each value as ``<column>__raw`` so that a check can report it.
``column_checks`` lists the validation rules of each column as SQL conditions.
"""

from __future__ import annotations

import datetime as dt
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
) -> str:
    """SELECT producing ``__row``, each canonical column and its ``__raw`` text.

    ``overrides`` gives SQL expressions for the text of some columns (e.g. a wide layout's
    computed ``period_start``).
    """
    overrides = overrides or {}
    parts = ["__row"]
    for col in input_columns(kind):
        name = col.name
        if name in mapping.constants:
            parts += [f"{parse.literal(mapping.constants[name])} AS {name}", f"NULL AS {name}__raw"]
            continue
        if name in overrides:
            raw = overrides[name]
        elif sources[name] is not None:
            raw = parse.text(str(sources[name]))
        elif name in DEFAULTS[kind]:
            parts += [f"{parse.literal(DEFAULTS[kind][name])} AS {name}", f"NULL AS {name}__raw"]
            continue
        else:
            parts += [f"CAST(NULL AS {col.sql_type}) AS {name}", f"NULL AS {name}__raw"]
            continue
        value = parse.mapped(raw, mapping.values.get(name, {}))
        parts += [f"{_parsed(col, value, mapping)} AS {name}", f"{raw} AS {name}__raw"]
    return f"SELECT {', '.join(parts)} FROM {relation}"


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
