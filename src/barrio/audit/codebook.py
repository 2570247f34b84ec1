"""The codebook of the participatory diagnosis: themes, their ICCS codes, population groups.

A coded finding names one theme (robbery, gender-based violence, public space and lighting ...).
Each theme lists the ICCS codes whose recorded crime rate feeds its threat score in the risk
matrix; a code covers every code that starts with it ("04" covers "0401", "040101"), and an
optional ICCS disaggregation tag restricts it (family violence is "0201" with
``situational_context=INTIMATE_PARTNER_FAMILY``). Themes without codes are scored from the
residents' findings alone.

The shipped codebook is ``barrio/data/codebooks/default.yaml``. A workspace extends it with its own
``codebook.yaml`` (same layout): a theme with a new id is added, one with an existing id has the
given fields replaced, and ``remove: true`` drops it; population groups are merged likewise.

>>> book = load_codebook()
>>> book.themes["robbery"].iccs[0].code
'04'
>>> book.theme_label("robbery", "es")
'Robo con violencia'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from barrio.errors import ConfigError
from barrio.i18n import _, current_locale

WORKSPACE_FILE = "codebook.yaml"
THEME_FIELDS = ("id", "name", "description", "iccs", "remove")


@dataclass(frozen=True)
class IccsSelector:
    """The records one theme counts: ICCS codes starting with ``code`` (and carrying ``tag``)."""

    code: str
    tag: str | None = None


@dataclass(frozen=True)
class Theme:
    """One theme of the codebook."""

    id: str
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    iccs: tuple[IccsSelector, ...] = ()

    def label(self, locale: str | None = None) -> str:
        """The theme's name in ``locale`` (English, then the id, when missing)."""
        return self.name.get(locale or current_locale()) or self.name.get("en") or self.id


@dataclass(frozen=True)
class Codebook:
    """Themes and population groups in force for a diagnosis, and where they came from."""

    id: str
    version: int
    themes: dict[str, Theme]
    population_groups: dict[str, dict[str, str]]
    sources: tuple[str, ...] = ()

    def theme_label(self, theme_id: str, locale: str | None = None) -> str:
        """The name of theme ``theme_id`` (the id itself when unknown)."""
        theme = self.themes.get(theme_id)
        return theme.label(locale) if theme else theme_id

    def selectors(self) -> pd.DataFrame:
        """One row per theme and ICCS selector: ``theme``, ``code``, ``tag`` (None = any)."""
        rows = [
            {"theme": t.id, "code": s.code, "tag": s.tag}
            for t in self.themes.values()
            for s in t.iccs
        ]
        return pd.DataFrame(rows, columns=["theme", "code", "tag"])


def _read_yaml(source: Any, name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise ConfigError(
            _("{file} is not valid YAML: {error}", file=name, error=exc),
            hint=_("Check indentation and quoting (see docs/audit.md for the layout)."),
            file=name,
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            _("{file} does not hold a codebook", file=name),
            hint=_("A codebook is a mapping with a 'themes' list (see docs/audit.md)."),
            file=name,
        )
    return data


def _selector(item: Any, theme: str, name: str) -> IccsSelector:
    if isinstance(item, str | int):
        return IccsSelector(str(item))
    if isinstance(item, dict) and "code" in item:
        return IccsSelector(str(item["code"]), item.get("tag"))
    raise ConfigError(
        _(
            "{file}: theme {theme} has an unreadable ICCS entry {entry}",
            file=name,
            theme=theme,
            entry=item,
        ),
        hint=_('Write ICCS entries as "0401" or as {code: "0201", tag: "key=VALUE"}.'),
        file=name,
        theme=theme,
    )


def _theme(raw: Any, name: str, base: Theme | None = None) -> Theme:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise ConfigError(
            _("{file}: every theme needs an id", file=name),
            hint=_("Give each theme an 'id' such as robbery or public_space."),
            file=name,
        )
    unknown = sorted(set(raw) - set(THEME_FIELDS))
    if unknown:
        raise ConfigError(
            _(
                "{file}: theme {theme} has unknown fields {fields}",
                file=name,
                theme=raw["id"],
                fields=", ".join(unknown),
            ),
            hint=_("Theme fields are: {fields}", fields=", ".join(THEME_FIELDS)),
            file=name,
            theme=raw["id"],
        )
    theme_id = str(raw["id"])
    names = raw.get("name", base.name if base else {theme_id: theme_id})
    if isinstance(names, str):
        names = {"en": names}
    iccs = base.iccs if base and "iccs" not in raw else ()
    if "iccs" in raw:
        iccs = tuple(_selector(item, theme_id, name) for item in raw["iccs"] or [])
    description = raw.get("description", base.description if base else {})
    if isinstance(description, str):
        description = {"en": description}
    return Theme(theme_id, dict(names), dict(description), iccs)


def _merge(book: dict[str, Any], data: dict[str, Any], name: str) -> None:
    themes: dict[str, Theme] = book["themes"]
    for raw in data.get("themes") or []:
        theme_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
        if isinstance(raw, dict) and raw.get("remove"):
            themes.pop(theme_id, None)
            continue
        themes[theme_id] = _theme(raw, name, themes.get(theme_id))
    for key, labels in (data.get("population_groups") or {}).items():
        book["population_groups"][str(key)] = (
            dict(labels) if isinstance(labels, dict) else {"en": str(labels)}
        )
    book["sources"].append(name)


def load_codebook(*extra: Path | None, workspace_root: Path | None = None) -> Codebook:
    """The shipped codebook, extended by a workspace's ``codebook.yaml`` and ``extra`` files.

    Parameters
    ----------
    *extra
        Further codebook files, applied in order (None entries are skipped).
    workspace_root
        A workspace folder; its ``codebook.yaml`` is applied when present.
    """
    shipped = resources.files("barrio") / "data" / "codebooks" / "default.yaml"
    with shipped.open("r", encoding="utf-8") as fh:
        base = _read_yaml(fh, "default.yaml")
    book: dict[str, Any] = {"themes": {}, "population_groups": {}, "sources": []}
    _merge(book, base, "barrio:codebooks/default.yaml")
    files = [workspace_root / WORKSPACE_FILE] if workspace_root else []
    for path in [*files, *(p for p in extra if p is not None)]:
        path = Path(path)
        if path.name == WORKSPACE_FILE and not path.is_file() and path in files:
            continue
        if not path.is_file():
            raise ConfigError(
                _("codebook file not found: {path}", path=path),
                hint=_("Check the path."),
                file=str(path),
            )
        _merge(book, _read_yaml(path.read_text(encoding="utf-8"), str(path)), str(path))
    return Codebook(
        id=str(base.get("id", "barrio-default")),
        version=int(base.get("version", 1)),
        themes=book["themes"],
        population_groups=book["population_groups"],
        sources=tuple(book["sources"]),
    )
