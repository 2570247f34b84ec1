"""Definitions of the canonical tables (see DESIGN.md, "Canonical tables")."""

from __future__ import annotations

from dataclasses import dataclass

from barrio.errors import ConfigError
from barrio.i18n import _


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``sql_type`` is the DuckDB type; ``required`` columns reject the row when missing;
    ``internal`` columns are filled by Barrio (never mapped from a source file).
    """

    name: str
    sql_type: str
    description: str
    required: bool = False
    internal: bool = False


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and its natural key (used for idempotent re-ingest)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def input_columns(self) -> list[Column]:
        """Columns a source file may provide (not filled by Barrio)."""
        return [c for c in self.columns if not c.internal]

    def ddl(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` statement for DuckDB."""
        cols = ",\n  ".join(f"{c.name} {c.sql_type}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"


_RUN = Column("ingest_run", "VARCHAR", "ingest run that loaded the row", internal=True)
_ROW = Column("source_row", "BIGINT", "1-based data row in the source file", internal=True)
_HASH = Column("row_hash", "UBIGINT", "hash of the row's canonical content", internal=True)

AREAS = Table(
    "areas",
    (
        Column("area_id", "VARCHAR", "area code, unique across levels", required=True),
        Column("name", "VARCHAR", "area name", required=True),
        Column("level", "VARCHAR", "area level, e.g. city, district, neighborhood", required=True),
        Column("parent_id", "VARCHAR", "area_id of the containing area (blank at the top)"),
        Column("population", "BIGINT", "population given with the polygons, if any"),
        Column("geometry", "BLOB", "polygon as WKB in EPSG:4326", required=True),
        Column("area_km2", "DOUBLE", "area in km² in the workspace CRS", internal=True),
        _RUN,
        _ROW,
        _HASH,
    ),
    key=("area_id",),
    description="Areas at every level of the hierarchy (neighborhood -> district -> city).",
)

POPULATION = Table(
    "population",
    (
        Column("area_id", "VARCHAR", "area code", required=True),
        Column("year", "INTEGER", "reference year", required=True),
        Column("sex", "VARCHAR", "F, M or total", required=True),
        Column("age_group", "VARCHAR", "age group label, or total", required=True),
        Column("population", "BIGINT", "inhabitants", required=True),
        Column("source", "VARCHAR", "census, projection ...", internal=False),
        _RUN,
        _ROW,
        _HASH,
    ),
    key=("area_id", "year", "sex", "age_group"),
    description="Population denominators by area, year, sex and age group.",
)

INCIDENTS = Table(
    "incidents",
    (
        Column("incident_id", "VARCHAR", "identifier in the source (folio)"),
        Column("source", "VARCHAR", "source name, e.g. policia-municipal", internal=True),
        Column("occurred_on", "DATE", "date the incident occurred", required=True),
        Column("occurred_time", "TIME", "time of day, if known"),
        Column("local_category", "VARCHAR", "category as the source names it", required=True),
        Column(
            "iccs_code", "VARCHAR", "ICCS code (NULL when the category is unknown)", internal=True
        ),
        Column("attempted", "BOOLEAN", "attempted rather than completed"),
        Column("lon", "DOUBLE", "longitude, EPSG:4326"),
        Column("lat", "DOUBLE", "latitude, EPSG:4326"),
        Column("area_id", "VARCHAR", "assigned area at the finest level", internal=True),
        Column("victim_sex", "VARCHAR", "F or M"),
        Column("victim_age", "INTEGER", "victim age in years"),
        Column("tags", "VARCHAR", "ICCS disaggregation tags, key=value;...", internal=True),
        Column("confidence", "VARCHAR", "confidence of the ICCS mapping", internal=True),
        Column(
            "location_status",
            "VARCHAR",
            "assigned | outside | missing | invalid | unassigned (no areas yet)",
            internal=True,
        ),
        _RUN,
        _ROW,
        _HASH,
    ),
    key=("source", "incident_id"),
    description="One row per incident record, classified to ICCS and assigned to an area.",
)

COUNTS = Table(
    "counts",
    (
        Column("area_id", "VARCHAR", "area code", required=True),
        Column("period_start", "DATE", "first day of the period", required=True),
        Column("period_type", "VARCHAR", "month, quarter, year, week", required=True),
        Column("local_category", "VARCHAR", "category as published", required=True),
        Column("iccs_code", "VARCHAR", "ICCS code (NULL when unknown)", internal=True),
        Column("sex", "VARCHAR", "F, M or total", required=True),
        Column("age_group", "VARCHAR", "age group, or total", required=True),
        Column("count", "BIGINT", "number of crimes or victims", required=True),
        Column("source", "VARCHAR", "publisher, e.g. sesnsp", internal=True),
        Column("confidence", "VARCHAR", "confidence of the ICCS mapping", internal=True),
        _RUN,
        _ROW,
        _HASH,
    ),
    key=("source", "area_id", "period_start", "period_type", "local_category", "sex", "age_group"),
    description="Aggregated counts as published (e.g. SESNSP monthly by municipality).",
)

INGEST_RUNS = Table(
    "ingest_runs",
    (
        Column("run_id", "VARCHAR", "run identifier"),
        Column("kind", "VARCHAR", "areas | population | incidents | counts"),
        Column("file", "VARCHAR", "source file name"),
        Column("file_sha256", "VARCHAR", "content hash of the source file"),
        Column("mapping", "VARCHAR", "column mapping used"),
        Column("started_at", "TIMESTAMP", "start time (UTC)"),
        Column("rows_read", "BIGINT", "rows read"),
        Column("rows_accepted", "BIGINT", "rows accepted"),
        Column("rows_rejected", "BIGINT", "rows rejected"),
        Column("rows_new", "BIGINT", "accepted rows new to the warehouse"),
        Column("rows_updated", "BIGINT", "accepted rows that replaced a changed row"),
        Column("rows_unchanged", "BIGINT", "accepted rows already present"),
        Column("summary", "VARCHAR", "JSON summary of the run"),
    ),
    key=("run_id",),
    description="One row per ingest run: the manifest that reconciles every file.",
)

INDICATORS = Table(
    "indicators",
    (
        Column("indicator_id", "VARCHAR", "catalog id, e.g. intentional-homicide"),
        Column("area_id", "VARCHAR", "area code"),
        Column("area_level", "VARCHAR", "level of the area"),
        Column("period_type", "VARCHAR", "month, quarter or year"),
        Column("period_start", "DATE", "first day of the period"),
        Column("sex", "VARCHAR", "F, M, unknown or total"),
        Column("age_group", "VARCHAR", "age group, unknown or total"),
        Column("numerator", "BIGINT", "events counted"),
        Column("denominator", "DOUBLE", "population of the period (NULL when unknown)"),
        Column("value", "DOUBLE", "rate per multiplier inhabitants"),
        Column("lower", "DOUBLE", "exact Poisson lower confidence limit of the rate"),
        Column("upper", "DOUBLE", "exact Poisson upper confidence limit of the rate"),
        Column("multiplier", "BIGINT", "rate per this many inhabitants"),
        Column("flag_small", "BOOLEAN", "numerator below 10"),
        Column("flag_unstable", "BOOLEAN", "numerator below 20 (relative SE above 22.4%)"),
        Column("population_method", "VARCHAR", "exact, interpolated, extrapolated, constant"),
        Column("prev_value", "DOUBLE", "rate of the previous period"),
        Column("change_prev_pct", "DOUBLE", "change against the previous period, %"),
        Column("p_change_prev", "DOUBLE", "exact Poisson test p-value of that change"),
        Column("yoy_value", "DOUBLE", "rate of the same period a year before"),
        Column("change_yoy_pct", "DOUBLE", "change against a year before, %"),
        Column("p_change_yoy", "DOUBLE", "exact Poisson test p-value of that change"),
        Column("value_eb", "DOUBLE", "empirical-Bayes smoothed rate (when requested)"),
        Column("source", "VARCHAR", "incidents or counts"),
        Column("run_id", "VARCHAR", "computation run"),
    ),
    key=("indicator_id", "area_id", "period_type", "period_start", "sex", "age_group"),
    description="The tidy indicator table every report, map and portal page reads.",
)

TABLES: dict[str, Table] = {
    t.name: t for t in (AREAS, POPULATION, INCIDENTS, COUNTS, INGEST_RUNS, INDICATORS)
}
KINDS = ("areas", "population", "incidents", "counts")


def table(name: str) -> Table:
    """The canonical table called ``name``."""
    try:
        return TABLES[name]
    except KeyError:
        raise ConfigError(
            _(
                "unknown table {name}; expected one of: {choices}",
                name=repr(name),
                choices=", ".join(TABLES),
            ),
            hint=_("Use one of the canonical table names."),
        ) from None
