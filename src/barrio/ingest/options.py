"""Mapping options of the counts ingest beyond the column mapping: area lookup by name and the
crime-per-column layout.

A mapping may say, next to its ``[columns]``::

    area_lookup = "name"          # [columns] area_id holds area *names*, resolved in `areas`
    parent_column = "Entidad"     # names of the direct parent area (optional, recommended)
    area_level = "municipality"   # level of the named areas (default: the finest level loaded)
    category_columns = ["Feminicidio", "Homicidio doloso"]   # one column per crime
    total_column = "Total"        # optional check: the parts must add up to it
    year_column = "Año"           # with month_column: the period of each row
    month_column = "Mes"          # month name (Spanish or English) or number
    [area_aliases]                # "name in file" (or "Parent/name") = area_id
    "San Mateo Yucutindoo" = "20566"

These keys live beside the ones :class:`barrio.config.SourceMapping` reads; this module reads
them from the same TOML table (workspace ``barrio.toml``, a mapping shipped with Barrio, or a
mapping file), following the same lookup order as :func:`barrio.config.resolve_mapping`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from barrio.config import WorkspaceConfig
from barrio.errors import ConfigError
from barrio.i18n import _

AREA_LOOKUPS = ("id", "name")


@dataclass(frozen=True)
class CountOptions:
    """Counts-ingest options of one mapping (see the module docstring)."""

    area_lookup: str = "id"
    parent_column: str | None = None
    area_level: str | None = None
    area_aliases: dict[str, str] = field(default_factory=dict)
    category_columns: tuple[str, ...] = ()
    total_column: str | None = None
    month_column: str | None = None

    @property
    def by_name(self) -> bool:
        """Whether ``area_id`` is resolved from names."""
        return self.area_lookup == "name"

    @property
    def by_category(self) -> bool:
        """Whether the file has one count column per category."""
        return bool(self.category_columns)

    def check_kind(self, kind: str, name: str) -> None:
        """Refuse options that do not apply to a file of ``kind``."""
        if kind not in ("counts", "population") and self != CountOptions():
            raise ConfigError(
                _(
                    "mapping {name}: area_lookup, category_columns, total_column and "
                    "month_column apply to counts and population files only",
                    name=name,
                ),
                hint=_("Remove them from the mapping."),
                mapping=name,
            )
        if kind != "counts" and self.by_category:
            raise ConfigError(
                _("mapping {name}: category_columns apply to counts files only", name=name),
                hint=_("Remove category_columns from the mapping."),
                mapping=name,
            )

    @classmethod
    def from_dict(cls, name: str, raw: dict[str, Any]) -> CountOptions:
        """Read and check the options of mapping ``name`` from its TOML table."""
        lookup = str(raw.get("area_lookup", "id"))
        if lookup not in AREA_LOOKUPS:
            raise ConfigError(
                _(
                    "mapping {name}: area_lookup {value!r}; expected one of: {allowed}",
                    name=name,
                    value=lookup,
                    allowed=", ".join(AREA_LOOKUPS),
                ),
                hint=_('Use area_lookup = "name" when the area column holds names.'),
                mapping=name,
            )
        categories = raw.get("category_columns", ())
        if isinstance(categories, str):
            categories = (categories,)
        options = cls(
            area_lookup=lookup,
            parent_column=_optional(raw.get("parent_column")),
            area_level=_optional(raw.get("area_level")),
            area_aliases={str(k): str(v) for k, v in raw.get("area_aliases", {}).items()},
            category_columns=tuple(str(c) for c in categories),
            total_column=_optional(raw.get("total_column")),
            month_column=_optional(raw.get("month_column")),
        )
        if options.by_category and raw.get("layout", "long") != "long":
            raise ConfigError(
                _(
                    "mapping {name}: category_columns cannot be combined with layout {layout}",
                    name=name,
                    layout=raw.get("layout"),
                ),
                hint=_("Remove layout, or category_columns."),
                mapping=name,
            )
        return options


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def count_options(
    name_or_path: str | None, kind: str, config: WorkspaceConfig | None = None
) -> CountOptions:
    """The :class:`CountOptions` of the mapping an ingest run uses (defaults when none)."""
    raw = _raw_mapping(name_or_path, kind, config)
    if raw is None:
        return CountOptions()
    return CountOptions.from_dict(str(name_or_path or kind), raw)


def _raw_mapping(
    name_or_path: str | None, kind: str, config: WorkspaceConfig | None
) -> dict[str, Any] | None:
    """The mapping's TOML table, found as :func:`barrio.config.resolve_mapping` finds it."""
    in_workspace: dict[str, Any] = (config.raw.get("mappings", {}) if config else {}) or {}
    name = kind if name_or_path is None else name_or_path
    if name in in_workspace:
        return dict(in_workspace[name])
    if name_or_path is None:
        return None
    shipped = resources.files("barrio") / "data" / "sources" / f"{name_or_path}.toml"
    if shipped.is_file():
        return tomllib.loads(shipped.read_text(encoding="utf-8"))
    path = Path(name_or_path)
    if path.is_file():
        return tomllib.loads(path.read_text(encoding="utf-8"))
    return None
