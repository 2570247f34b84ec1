"""The indicator catalog: one YAML file per indicator, shipped and per workspace.

Package data holds Barrio's catalog (``barrio/data/indicators/*.yaml``); a workspace may add or
override indicators in ``<workspace>/indicators/*.yaml`` (same id = override). Each file says what
is counted (ICCS codes at any level, tags, victim sex, local-category patterns), over which
population (all, women, men, an age range), per how many inhabitants, how it may be
disaggregated, and which SDG series it feeds. See docs/indicators.md for the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from barrio.errors import ConfigError
from barrio.i18n import _

DISAGGREGATIONS = ("sex", "age_group")


@dataclass(frozen=True)
class Numerator:
    """What an indicator counts.

    ``iccs`` are code prefixes at any level ("04" covers "0401", "04011", ...; empty = every
    classified record); ``tags`` must all be present (``key=value`` in the record's tags);
    ``local_category`` are case-insensitive SQL ``LIKE`` patterns on the source's own category.
    """

    iccs: tuple[str, ...] = ()
    exclude_iccs: tuple[str, ...] = ()
    victim_sex: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    local_category: tuple[str, ...] = ()
    include_attempted: bool = True


@dataclass(frozen=True)
class Denominator:
    """Which population the rate is per: ``sex`` all | F | M and an optional age range."""

    sex: str = "all"
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True)
class Indicator:
    """One catalog entry (see the module docstring)."""

    id: str
    name: dict[str, str]
    description: dict[str, str]
    numerator: Numerator
    denominator: Denominator
    multiplier: int
    unit: dict[str, str]
    disaggregations: tuple[str, ...]
    sdg: dict[str, str] = field(default_factory=dict)
    sensitive: bool = False
    methodology: dict[str, str] = field(default_factory=dict)
    reference: str = ""
    path: str = ""

    def label(self, lang: str) -> str:
        """The indicator's name in ``lang`` (English when missing)."""
        return self.name.get(lang) or self.name.get("en") or self.id

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """Summary used by ``barrio indicators list`` and the portal."""
        return {
            "id": self.id,
            "name": self.label(lang),
            "name_es": self.name.get("es", ""),
            "name_en": self.name.get("en", ""),
            "unit": self.unit.get(lang) or self.unit.get("en", ""),
            "sdg": self.sdg.get("indicator", ""),
            "iccs": ",".join(self.numerator.iccs) or "*",
            "sensitive": self.sensitive,
            "source": self.path,
        }


def _bilingual(raw: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, str]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or "en" not in value or "es" not in value:
        raise ConfigError(
            _("{where}: '{key}' needs an English and a Spanish text", where=where, key=key),
            hint=_("Write it as {key}: {{en: ..., es: ...}}", key=key),
            path=where,
        )
    return {str(k): str(v) for k, v in value.items()}


def _codes(values: Any, where: str, key: str) -> tuple[str, ...]:
    if values in (None, ""):
        return ()
    if isinstance(values, str):
        values = [values]
    codes = tuple(str(v) for v in values)
    bad = [c for c in codes if not c.isdigit() or len(c) not in (2, 4, 5, 6)]
    if bad:
        raise ConfigError(
            _("{where}: {key} has invalid ICCS codes {codes}", where=where, key=key, codes=bad),
            hint=_("ICCS codes are quoted strings of 2, 4, 5 or 6 digits, e.g. '0101'."),
            path=where,
        )
    return codes


def parse_indicator(raw: dict[str, Any], where: str) -> Indicator:
    """Validate one YAML document and build its :class:`Indicator`."""
    if not isinstance(raw, dict) or not raw.get("id"):
        raise ConfigError(
            _("{where}: an indicator needs an 'id'", where=where),
            hint=_("Start the file with id: my-indicator"),
            path=where,
        )
    num = raw.get("numerator") or {}
    den = raw.get("denominator") or {}
    unit = raw.get("unit") or {}
    sex = num.get("victim_sex")
    if sex not in (None, "F", "M"):
        raise ConfigError(
            _("{where}: numerator.victim_sex must be F or M", where=where), path=where
        )
    den_sex = str(den.get("sex", "all"))
    if den_sex not in ("all", "F", "M"):
        raise ConfigError(
            _("{where}: denominator.sex must be all, F or M", where=where), path=where
        )
    age = den.get("age")
    age_min, age_max = (int(age[0]), int(age[1])) if age else (None, None)
    disaggregations = tuple(raw.get("disaggregations") or ())
    unknown = [d for d in disaggregations if d not in DISAGGREGATIONS]
    if unknown:
        raise ConfigError(
            _("{where}: unknown disaggregations {names}", where=where, names=unknown),
            hint=_("Use sex and/or age_group."),
            path=where,
        )
    tags = num.get("tags") or {}
    return Indicator(
        id=str(raw["id"]),
        name=_bilingual(raw, "name", where),
        description=_bilingual(raw, "description", where),
        numerator=Numerator(
            iccs=_codes(num.get("iccs"), where, "numerator.iccs"),
            exclude_iccs=_codes(num.get("exclude_iccs"), where, "numerator.exclude_iccs"),
            victim_sex=sex,
            tags=tuple(sorted((str(k), str(v)) for k, v in tags.items())),
            local_category=tuple(str(p) for p in num.get("local_category") or ()),
            include_attempted=bool(num.get("include_attempted", True)),
        ),
        denominator=Denominator(sex=den_sex, age_min=age_min, age_max=age_max),
        multiplier=int(unit.get("multiplier", 100_000)),
        unit={k: str(v) for k, v in unit.items() if k in ("en", "es")}
        or {"en": "per 100,000 inhabitants", "es": "por cada 100 mil habitantes"},
        disaggregations=disaggregations,
        sdg={str(k): str(v) for k, v in (raw.get("sdg") or {}).items()},
        sensitive=bool(raw.get("sensitive", False)),
        methodology=_bilingual(raw, "methodology", where, required=False),
        reference=str(raw.get("reference", "")),
        path=where,
    )


def _read(path: Path, label: str) -> Indicator:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(
            _("{path} is not valid YAML: {error}", path=label, error=exc), path=label
        ) from exc
    return parse_indicator(raw, label)


def load_catalog(workspace_root: Path | None = None) -> dict[str, Indicator]:
    """All indicators: the shipped catalog, then the workspace's ``indicators/`` folder."""
    catalog: dict[str, Indicator] = {}
    shipped = resources.files("barrio") / "data" / "indicators"
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as path:
                ind = _read(path, f"barrio:indicators/{entry.name}")
            catalog[ind.id] = ind
    if workspace_root is not None:
        folder = Path(workspace_root) / "indicators"
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            ind = _read(path, str(path))
            catalog[ind.id] = ind
    return catalog


def select(catalog: dict[str, Indicator], ids: list[str] | None) -> list[Indicator]:
    """The indicators named in ``ids`` (all when empty), with a clear error for unknown ids."""
    if not ids:
        return list(catalog.values())
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        raise ConfigError(
            _("unknown indicator(s): {ids}", ids=", ".join(unknown)),
            hint=_("See the catalog with: barrio indicators list"),
        )
    return [catalog[i] for i in ids]
