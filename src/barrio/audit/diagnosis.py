"""Participatory diagnosis records: the template's columns, reading, and row validation.

A diagnosis file has two tables: **activities** (one row per focus group, safety walk, map or
interview) and **findings** (one row per coded threat, vulnerability or capacity). They come as
the two sheets of the Excel template (``barrio diagnosis template out.xlsx``) or as two CSV files.
Headers may be the canonical English names or the Spanish ones of the Spanish template.

:func:`validate` checks every row with the rules of data ingestion (required values, dates,
whole numbers, coordinates, duplicates) plus the diagnosis' own (allowed kinds, codebook
themes, intensity 1-5, participants by sex and by age adding up, second codings that have a first
coding). It returns the typed tables and a problems table (file, sheet, row, column, value,
reason, message, how to fix); an import proceeds only when there is no problem, so nothing is
ever half-imported. Rows are numbered from 1 = the first line after the header, as in ingest.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from barrio.audit.codebook import Codebook
from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest import parse
from barrio.ingest.problems import REASONS as INGEST_REASONS
from barrio.store.diagnosis import ACTIVITY_KINDS, AGE_COLUMNS, FINDING_KINDS, SEX_COLUMNS

DATE_FORMATS = ("%d/%m/%Y",)


@dataclass(frozen=True)
class Column:
    """A template column: canonical name, Spanish header, type, whether it is required."""

    name: str
    es: str
    kind: str = "text"  # text | date | integer | number | boolean
    required: bool = False
    help: str = ""


ACTIVITY_COLUMNS = (
    Column("activity_id", "actividad", required=True, help="Unique code, e.g. A01"),
    Column("kind", "tipo", required=True, help="focus_group, safety_walk_day, ..."),
    Column("date", "fecha", "date", required=True, help="dd/mm/yyyy or yyyy-mm-dd"),
    Column("area_id", "colonia", required=True, help="Neighborhood code (areas.area_id)"),
    Column("facilitator", "facilitador", required=True, help="Who ran the activity"),
    Column("participants_women", "mujeres", "integer", help="Participants: women"),
    Column("participants_men", "hombres", "integer", help="Participants: men"),
    Column("participants_other", "otro_sexo", "integer", help="Participants: other or not said"),
    Column("participants_under_18", "menores_18", "integer", help="Participants under 18"),
    Column("participants_18_29", "edad_18_29", "integer", help="Participants aged 18-29"),
    Column("participants_30_59", "edad_30_59", "integer", help="Participants aged 30-59"),
    Column("participants_60_plus", "edad_60_mas", "integer", help="Participants aged 60+"),
    Column("notes", "notas", help="Free text"),
)
FINDING_COLUMNS = (
    Column("finding_id", "hallazgo", required=True, help="Unique code, e.g. F0001"),
    Column("activity_id", "actividad", required=True, help="Code of the source activity"),
    Column("kind", "tipo", required=True, help="threat, vulnerability or capacity"),
    Column("theme", "tema", required=True, help="Theme id from the codebook"),
    Column("description", "descripcion", required=True, help="What was observed or said"),
    Column("intensity", "intensidad", "integer", required=True, help="1 (low) to 5 (very high)"),
    Column("population_group", "grupo_poblacion", help="Default: general"),
    Column("area_id", "colonia", help="Default: the activity's neighborhood"),
    Column("lon", "longitud", "number", help="Map point, WGS84 longitude"),
    Column("lat", "latitud", "number", help="Map point, WGS84 latitude"),
    Column("segment", "segmento", help="Excerpt coded; shared by double codings"),
    Column("coder", "codificador", help="Who coded the finding"),
    Column("second_coding", "segunda_codificacion", "boolean", help="yes = independent recode"),
)
SHEETS = {"activities": ACTIVITY_COLUMNS, "findings": FINDING_COLUMNS}
SHEET_NAMES_ES = {"activities": "actividades", "findings": "hallazgos"}

KIND_ALIASES = {
    "grupo_focal": "focus_group",
    "recorrido_diurno": "safety_walk_day",
    "recorrido_de_dia": "safety_walk_day",
    "marcha_exploratoria_diurna": "safety_walk_day",
    "recorrido_nocturno": "safety_walk_night",
    "recorrido_de_noche": "safety_walk_night",
    "marcha_exploratoria_nocturna": "safety_walk_night",
    "mapa_participativo": "participatory_map",
    "cartografia_participativa": "participatory_map",
    "entrevista": "interview",
    "amenaza": "threat",
    "vulnerabilidad": "vulnerability",
    "capacidad": "capacity",
    "recurso": "capacity",
}

# reason -> (message, how to fix); shared reasons come from barrio.ingest.problems
REASONS: dict[str, tuple[str, str]] = {
    **{
        k: INGEST_REASONS[k]
        for k in (
            "bad_date",
            "future_date",
            "implausible_date",
            "bad_integer",
            "bad_number",
            "bad_boolean",
            "negative_value",
            "bad_coordinates",
        )
    },
    "missing_value": ("required value is missing", "fill the value"),
    "duplicate_key": ("code already used by an earlier row of the file", "make codes unique"),
    "unknown_value": ("not one of the allowed values", "use one of: {allowed}"),
    "unknown_theme": (
        "theme not in the codebook",
        "use a theme id of the codebook ({allowed}), or add the theme to the workspace "
        "codebook.yaml",
    ),
    "bad_intensity": ("intensity outside 1-5", "rate intensity from 1 (low) to 5 (very high)"),
    "unknown_activity": (
        "activity not in the file nor already imported",
        "add the activity to the activities sheet, or fix the code",
    ),
    "unknown_area": (
        "area not among the workspace's neighborhoods",
        "use an area_id of the loaded areas (barrio ingest areas ...)",
    ),
    "partial_coordinates": ("only one of lon and lat is given", "give both, or neither"),
    "participants_mismatch": (
        "participants by sex and by age group do not add up to the same total",
        "check the counts: both breakdowns describe the same people",
    ),
    "orphan_second_coding": (
        "second coding of a segment that has no first coding",
        "give the segment code of the first coding, or mark the row second_coding = no",
    ),
    "same_coder": (
        "second coding by the same coder as the first",
        "a second coding must be done independently by another person",
    ),
}


@dataclass
class DiagnosisBatch:
    """Typed activities and findings read from diagnosis files, and every problem found."""

    activities: pd.DataFrame
    findings: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=lambda: empty_problems())
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problems.empty


def empty_problems() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["file", "sheet", "row", "column", "value", "reason", "message", "fix"]
    )


def normalise(values: pd.Series) -> pd.Series:
    """Lower case, accents stripped, runs of other characters as one ``_`` (for lookups)."""

    def one(text: object) -> object:
        if not isinstance(text, str):
            return text
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "_".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())

    return values.map(one)


def canonical_headers(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    aliases = {}
    for col in SHEETS[sheet]:
        aliases[col.name] = col.name
        aliases[col.es] = col.name
    names = normalise(pd.Series(frame.columns, dtype=object))
    return frame.set_axis([aliases.get(n, n) for n in names], axis=1)


# ---------------------------------------------------------------- typing


def _typed(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Typed values (NULL where unreadable) beside the raw text, with ingest's parse rules."""
    data = pd.DataFrame({c.name: frame.get(c.name) for c in columns}, index=frame.index)
    data = data.astype(object).where(data.notna(), None)
    parts = []
    for col in columns:
        raw = parse.text(col.name)
        expr = {
            "date": parse.as_date(raw, DATE_FORMATS),
            "integer": parse.as_integer(raw),
            "number": parse.as_double(raw),
            "boolean": parse.as_boolean(raw),
        }.get(col.kind, raw)
        parts += [
            f"{expr} AS {parse.quote_ident(col.name)}",
            f"{raw} AS {parse.quote_ident(col.name + '__raw')}",
        ]
    with duckdb.connect() as con:
        con.register("src", data.astype({c.name: "string" for c in columns}))
        out = con.execute(f"SELECT {', '.join(parts)} FROM src").df()
    out.index = np.arange(1, len(out) + 1)  # data rows, 1 = first line after the header
    return out


# ---------------------------------------------------------------- validation


class _Problems:
    """Collects problem rows of one sheet."""

    def __init__(self, file: str, sheet: str, data: pd.DataFrame) -> None:
        self.file, self.sheet, self.data = file, sheet, data
        self.frames: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, column: str, reason: str, **fill: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = self.data.index[mask.to_numpy()]
        raw = f"{column}__raw"
        values = self.data.loc[rows, raw] if raw in self.data else pd.Series(None, index=rows)
        message, fix = REASONS[reason]
        self.frames.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "sheet": self.sheet,
                    "row": rows.astype("int64"),
                    "column": column,
                    "value": values.to_numpy(),
                    "reason": reason,
                    "message": _(message),
                    "fix": _(fix, **fill) if fill else _(fix),
                }
            )
        )


def _common(p: _Problems, columns: tuple[Column, ...], today: dt.date) -> None:
    d = p.data
    for col in columns:
        value, raw = d[col.name], d[f"{col.name}__raw"]
        if col.required:
            p.add(raw.isna(), col.name, "missing_value")
        reason = {
            "date": "bad_date",
            "integer": "bad_integer",
            "number": "bad_number",
            "boolean": "bad_boolean",
        }.get(col.kind)
        if reason:
            p.add(value.isna() & raw.notna(), col.name, reason)
        if col.kind == "date":
            dates = pd.to_datetime(value)
            p.add(dates > pd.Timestamp(today), col.name, "future_date")
            p.add(dates < pd.Timestamp("1900-01-01"), col.name, "implausible_date")


def _choice(p: _Problems, column: str, allowed: dict[str, str], reason: str = "unknown_value"):
    """Map a column's normalised text through ``allowed`` (alias -> value); report the rest."""
    raw = p.data[f"{column}__raw"]
    mapped = normalise(raw).map(allowed)
    values = sorted(set(allowed.values()))
    p.add(raw.notna() & mapped.isna(), column, reason, allowed=", ".join(values))
    p.data[column] = mapped


def _duplicates(p: _Problems, column: str) -> None:
    codes = p.data[column]
    p.add(codes.notna() & codes.duplicated(keep="first"), column, "duplicate_key")


def _areas(p: _Problems, column: str, known: set[str] | None) -> None:
    if known is not None:
        codes = p.data[column]
        p.add(codes.notna() & ~codes.isin(list(known)), column, "unknown_area")


def _require_columns(frame: pd.DataFrame, sheet: str, file: str) -> pd.DataFrame:
    """Canonical headers; an error naming the required columns the table lacks."""
    frame = canonical_headers(frame, sheet)
    missing = [c.name for c in SHEETS[sheet] if c.required and c.name not in frame.columns]
    if missing:
        raise InputError(
            _(
                "{file}: the {sheet} table has no column for {fields}",
                file=file,
                sheet=sheet,
                fields=", ".join(missing),
            ),
            hint=_(
                "Columns in the file: {columns}. Start from the template (barrio diagnosis "
                "template) and keep its headers.",
                columns=", ".join(map(str, frame.columns)),
            ),
            file=file,
            missing=missing,
        )
    return frame


def validate_activities(
    frame: pd.DataFrame, file: str, *, today: dt.date, known_areas: set[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed activities and their problems."""
    data = _typed(_require_columns(frame, "activities", file), ACTIVITY_COLUMNS)
    p = _Problems(file, "activities", data)
    _common(p, ACTIVITY_COLUMNS, today)
    _choice(
        p,
        "kind",
        {
            **{k: k for k in ACTIVITY_KINDS},
            **{a: v for a, v in KIND_ALIASES.items() if v in ACTIVITY_KINDS},
        },
    )
    _duplicates(p, "activity_id")
    _areas(p, "area_id", known_areas)
    counts = data[list(SEX_COLUMNS + AGE_COLUMNS)].astype("Float64")
    for column in SEX_COLUMNS + AGE_COLUMNS:
        p.add(counts[column] < 0, column, "negative_value")
    by_sex, by_age = counts[list(SEX_COLUMNS)], counts[list(AGE_COLUMNS)]
    both = by_sex.notna().any(axis=1) & by_age.notna().any(axis=1)
    p.add(
        both & (by_sex.sum(axis=1) != by_age.sum(axis=1)),
        "participants_women",
        "participants_mismatch",
    )
    return data, _concat(p)


def validate_findings(
    frame: pd.DataFrame,
    file: str,
    *,
    codebook: Codebook,
    activity_areas: dict[str, str],
    first_coders: dict[str, str] | None = None,
    known_areas: set[str] | None = None,
    today: dt.date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed findings and their problems.

    ``activity_areas`` maps every activity code available (this import and the store) to its
    area; ``first_coders`` maps segments already first-coded in the store to their coder.
    """
    data = _typed(_require_columns(frame, "findings", file), FINDING_COLUMNS)
    p = _Problems(file, "findings", data)
    _common(p, FINDING_COLUMNS, today)
    kinds = {
        **{k: k for k in FINDING_KINDS},
        **{a: v for a, v in KIND_ALIASES.items() if v in FINDING_KINDS},
    }
    _choice(p, "kind", kinds)
    _choice(
        p,
        "theme",
        _label_aliases(codebook.themes, {t: th.name for t, th in codebook.themes.items()}),
        "unknown_theme",
    )
    _choice(
        p,
        "population_group",
        _label_aliases(codebook.population_groups, codebook.population_groups),
    )
    data["population_group"] = data["population_group"].where(
        data["population_group__raw"].notna(), "general"
    )
    intensity = data["intensity"].astype("Float64")
    p.add((intensity < 1) | (intensity > 5), "intensity", "bad_intensity")
    _duplicates(p, "finding_id")
    p.add(
        data["activity_id"].notna() & ~data["activity_id"].isin(list(activity_areas)),
        "activity_id",
        "unknown_activity",
    )
    data["area_id"] = data["area_id"].where(
        data["area_id"].notna(), data["activity_id"].map(activity_areas)
    )
    _areas(p, "area_id", known_areas)
    _coordinates(p)
    data["segment"] = data["segment"].where(data["segment"].notna(), data["finding_id"])
    data["second_coding"] = data["second_coding"].astype("boolean").fillna(False).astype(bool)
    data["coder"] = data["coder"].fillna("")
    _second_codings(p, first_coders or {})
    return data, _concat(p)


def _label_aliases(ids: object, labels: dict[str, dict[str, str]]) -> dict[str, str]:
    """Normalised id and every label of each entry -> its id."""
    out: dict[str, str] = {}
    for key, names in labels.items():
        for text in [key, *names.values()]:
            out[str(normalise(pd.Series([text]))[0])] = key
    return out


def _coordinates(p: _Problems) -> None:
    d = p.data
    lon, lat = d["lon"].astype("Float64"), d["lat"].astype("Float64")
    one = lon.isna() != lat.isna()
    p.add(one & lon.isna(), "lon", "partial_coordinates")
    p.add(one & lat.isna(), "lat", "partial_coordinates")
    bad = (lon.abs() > 180) | (lat.abs() > 90) | ((lon == 0) & (lat == 0))
    p.add(bad, "lon", "bad_coordinates")


def _second_codings(p: _Problems, store_first: dict[str, str]) -> None:
    d = p.data
    first = d[~d["second_coding"]]
    coders = dict(store_first)
    firsts = first.drop_duplicates("segment")
    coders.update(dict(zip(firsts["segment"], firsts["coder"], strict=True)))
    second = d["second_coding"]
    p.add(second & ~d["segment"].isin(list(coders)), "segment", "orphan_second_coding")
    first_coder = d["segment"].map(coders)
    p.add(second & (d["coder"] != "") & (d["coder"] == first_coder), "coder", "same_coder")


def _concat(p: _Problems) -> pd.DataFrame:
    if not p.frames:
        return empty_problems()
    return pd.concat(p.frames, ignore_index=True).sort_values(["row", "column"], kind="stable")


def validate(
    tables: dict[str, tuple[pd.DataFrame, str]],
    *,
    codebook: Codebook,
    today: dt.date | None = None,
    known_areas: set[str] | None = None,
    store_activities: dict[str, str] | None = None,
    store_first_coders: dict[str, str] | None = None,
) -> DiagnosisBatch:
    """Validate the tables read by :func:`barrio.audit.diagnosis_files.read_diagnosis_files`.

    ``store_activities`` (activity code -> area) and ``store_first_coders`` (segment -> coder)
    describe what the store already holds, so that a findings file may refer to activities
    imported earlier.
    """
    today = today or dt.date.today()
    problems = []
    activities = pd.DataFrame(columns=[c.name for c in ACTIVITY_COLUMNS])
    if "activities" in tables:
        frame, name = tables["activities"]
        activities, found = validate_activities(frame, name, today=today, known_areas=known_areas)
        problems.append(found)
    findings = pd.DataFrame(columns=[c.name for c in FINDING_COLUMNS])
    if "findings" in tables:
        frame, name = tables["findings"]
        areas = dict(store_activities or {})
        valid = activities[activities["activity_id"].notna()].drop_duplicates("activity_id")
        areas.update(dict(zip(valid["activity_id"], valid["area_id"], strict=True)))
        findings, found = validate_findings(
            frame,
            name,
            codebook=codebook,
            activity_areas=areas,
            today=today,
            first_coders=store_first_coders,
            known_areas=known_areas,
        )
        problems.append(found)
    frames = [p for p in problems if not p.empty]
    merged = pd.concat(frames, ignore_index=True) if frames else empty_problems()
    names = [name for _frame, name in tables.values()]
    return DiagnosisBatch(activities, findings, merged, list(dict.fromkeys(names)))
