"""Workspace settings (``barrio.toml``) and source column mappings.

A workspace's ``barrio.toml`` holds its name, language, analysis CRS, engine and the column
mappings of its sources::

    [workspace]
    name = "Villa Esperanza"
    locale = "es"
    crs = "EPSG:32614"          # projected CRS used for distances and areas
    engine = "duckdb"           # the analytical warehouse

    [areas]
    levels = ["city", "district", "neighborhood"]   # coarse to fine

    [mappings.police]          # used with: barrio ingest incidents FILE --mapping police
    kind = "incidents"
    source = "policia-municipal"
    category_mapping = "fixture-city"
    date_format = "%d/%m/%Y"
    [mappings.police.columns]  # canonical column = column in the file
    incident_id = "folio"
    occurred_on = "fecha_hechos"

Mappings are looked up in the workspace, then among the mappings shipped with Barrio
(``barrio/data/sources/*.toml``), then as a path to a TOML file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from barrio.errors import ConfigError
from barrio.i18n import _
from barrio.schema.tables import KINDS, table

DEFAULT_LEVELS = ("city", "district", "neighborhood")
SPANISH_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()


@dataclass(frozen=True)
class SourceMapping:
    """How one kind of source file maps onto a canonical table.

    Attributes
    ----------
    columns
        canonical column -> column in the file. Unmapped canonical columns are looked up under
        their own name.
    values
        canonical column -> {value in the file: canonical value}, e.g. ``{"Mujer": "F"}``.
    constants
        canonical column -> value used for every row (``period_type = "month"``).
    date_format
        ``strptime`` formats tried in order; ISO dates are always accepted.
    crs
        CRS of coordinates (incidents: of the lon/lat columns, which hold x/y when projected;
        areas: used when the file has none).
    layout
        ``long`` or ``wide`` (counts published one column per month, as SESNSP does).
    """

    name: str
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    category_mapping: str | None = None
    date_format: tuple[str, ...] = ()
    time_format: tuple[str, ...] = ()
    crs: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    layer: str | None = None
    layout: str = "long"
    year_column: str | None = None
    month_columns: tuple[str, ...] = ()

    def source_column(self, canonical: str) -> str:
        """Name of the file column holding ``canonical``."""
        return self.columns.get(canonical, canonical)

    @classmethod
    def from_dict(cls, name: str, raw: dict[str, Any], origin: str) -> SourceMapping:
        """Build and validate a mapping read from TOML (``origin`` names where it came from)."""
        kind = raw.get("kind")
        if kind not in KINDS:
            raise ConfigError(
                _(
                    "mapping {name} in {origin}: kind {kind} is not one of: {choices}",
                    name=repr(name),
                    origin=origin,
                    kind=repr(kind),
                    choices=", ".join(KINDS),
                ),
                hint=_('Add e.g. kind = "incidents" to the mapping.'),
                mapping=name,
            )
        known = set(table(kind).column_names)
        for section in ("columns", "values", "constants"):
            unknown = sorted(set(raw.get(section, {})) - known)
            if unknown:
                raise ConfigError(
                    _(
                        "mapping {name} in {origin}: [{section}] names unknown canonical "
                        "column(s) {unknown}; expected some of: {known}",
                        name=repr(name),
                        origin=origin,
                        section=section,
                        unknown=", ".join(unknown),
                        known=", ".join(sorted(known)),
                    ),
                    hint=_("Left of '=' goes the canonical column, right the column in your file."),
                    mapping=name,
                )
        layout = raw.get("layout", "long")
        if layout not in ("long", "wide"):
            raise ConfigError(
                _(
                    "mapping {name}: layout {layout}; expected long or wide",
                    name=repr(name),
                    layout=repr(layout),
                ),
                mapping=name,
            )
        return cls(
            name=name,
            kind=kind,
            columns={k: str(v) for k, v in raw.get("columns", {}).items()},
            values={k: dict(v) for k, v in raw.get("values", {}).items()},
            constants=dict(raw.get("constants", {})),
            source=raw.get("source"),
            category_mapping=raw.get("category_mapping"),
            date_format=_tuple(raw.get("date_format")),
            time_format=_tuple(raw.get("time_format")),
            crs=raw.get("crs"),
            encoding=raw.get("encoding"),
            delimiter=raw.get("delimiter"),
            sheet=raw.get("sheet"),
            layer=raw.get("layer"),
            layout=layout,
            year_column=raw.get("year_column"),
            month_columns=_tuple(raw.get("month_columns")),
        )


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


QUALITY_ORDER = ("low", "moderate", "high")


@dataclass(frozen=True)
class DisclosureSettings:
    """``[disclosure]``: how public outputs are protected (see docs/disclosure.md).

    .. code-block:: toml

        [disclosure]
        k = 5                                  # hide sensitive cells with 0 < count < k
        sensitive = ["homicide-women"]         # more indicators treated as sensitive
        small_areas = ["neighborhood"]         # levels where any sex/age cell is sensitive
        survey_min_quality = "moderate"        # survey estimates below it: hidden or flagged
        survey_low = "flag"                    # flag | suppress
    """

    k: int = 5
    sensitive: tuple[str, ...] = ()
    small_areas: tuple[str, ...] | None = None  # None: the finest area level
    survey_min_quality: str = "moderate"
    survey_low: str = "flag"

    @classmethod
    def from_dict(cls, raw: dict[str, Any], origin: str) -> DisclosureSettings:
        """Validate the ``[disclosure]`` table of ``origin``."""
        k = raw.get("k", 5)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ConfigError(
                _(
                    "{origin}: [disclosure] k = {k}; expected a whole number of at least 1",
                    origin=origin,
                    k=repr(k),
                ),
                hint=_("Statistics offices commonly use k = 3 or 5; Barrio's default is 5."),
            )
        quality = raw.get("survey_min_quality", "moderate")
        if quality not in QUALITY_ORDER:
            raise ConfigError(
                _(
                    "{origin}: [disclosure] survey_min_quality = {quality}; expected one "
                    "of: {choices}",
                    origin=origin,
                    quality=repr(quality),
                    choices=", ".join(QUALITY_ORDER),
                ),
                hint=_('Use "moderate" (INEGI: CV below 30 %) unless you have a reason.'),
            )
        low = raw.get("survey_low", "flag")
        if low not in ("flag", "suppress"):
            raise ConfigError(
                _(
                    "{origin}: [disclosure] survey_low = {low}; expected flag or suppress",
                    origin=origin,
                    low=repr(low),
                ),
                hint=_("flag keeps low-quality estimates with a warning; suppress hides them."),
            )
        small = raw.get("small_areas")
        return cls(
            k=k,
            sensitive=_tuple(raw.get("sensitive")),
            small_areas=None if small is None else _tuple(small),
            survey_min_quality=quality,
            survey_low=low,
        )


@dataclass(frozen=True)
class WorkspaceConfig:
    """The parsed ``barrio.toml`` of a workspace."""

    name: str
    locale: str = "es"
    crs: str = "EPSG:3857"
    engine: str = "duckdb"
    levels: tuple[str, ...] = DEFAULT_LEVELS
    mappings: dict[str, SourceMapping] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)

    @classmethod
    def load(cls, path: Path) -> WorkspaceConfig:
        """Read and validate ``path`` (a barrio.toml)."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                _("{path} is not valid TOML: {exc}", path=path, exc=exc),
                hint=_("Fix the syntax at the line shown."),
            ) from exc
        ws = raw.get("workspace", {})
        mappings = {
            name: SourceMapping.from_dict(name, spec, str(path))
            for name, spec in raw.get("mappings", {}).items()
        }
        return cls(
            name=ws.get("name", path.parent.name),
            locale=ws.get("locale", "es"),
            crs=ws.get("crs", "EPSG:3857"),
            engine=os.environ.get("BARRIO_ENGINE", ws.get("engine", "duckdb")),
            levels=tuple(raw.get("areas", {}).get("levels", DEFAULT_LEVELS)),
            mappings=mappings,
            raw=raw,
            disclosure=DisclosureSettings.from_dict(raw.get("disclosure", {}), str(path)),
        )


def shipped_mappings() -> list[str]:
    """Names of the source mappings shipped with Barrio."""
    folder = resources.files("barrio") / "data" / "sources"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def resolve_mapping(
    name_or_path: str | None, kind: str, config: WorkspaceConfig | None = None
) -> SourceMapping:
    """Find the mapping for an ingest run.

    ``None`` uses the workspace mapping named like the kind, or else canonical column names.
    """
    if name_or_path is None:
        if config and kind in config.mappings:
            return _check_kind(config.mappings[kind], kind)
        return SourceMapping(name="canonical", kind=kind)
    if config and name_or_path in config.mappings:
        return _check_kind(config.mappings[name_or_path], kind)
    shipped = resources.files("barrio") / "data" / "sources" / f"{name_or_path}.toml"
    if shipped.is_file():
        raw = tomllib.loads(shipped.read_text(encoding="utf-8"))
        return _check_kind(SourceMapping.from_dict(name_or_path, raw, str(shipped)), kind)
    path = Path(name_or_path)
    if path.is_file():
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return _check_kind(SourceMapping.from_dict(path.stem, raw, str(path)), kind)
    known = sorted(set(config.mappings if config else ()) | set(shipped_mappings()))
    raise ConfigError(
        _(
            "no mapping called {name_or_path}; known mappings: {names}",
            name_or_path=repr(name_or_path),
            names=", ".join(known) or _("none"),
        ),
        hint=_("Define [mappings.NAME] in barrio.toml, or give the path to a mapping TOML file."),
    )


def _check_kind(mapping: SourceMapping, kind: str) -> SourceMapping:
    if mapping.kind != kind:
        raise ConfigError(
            _(
                "mapping {name} is for {actual}, not {kind}",
                name=repr(mapping.name),
                actual=mapping.kind,
                kind=kind,
            ),
            hint=_("Use a mapping with kind = {kind}.", kind=repr(kind)),
        )
    return mapping
