"""Open or create a workspace: one folder holds one city (or one observatory).

::

    barrio.toml   settings and source mappings
    sources/      what the user gave, untouched
    warehouse/    the analytical store (barrio.duckdb)
    barrio.db     application records (SQLite)
    rejects/      rejected rows with reasons, one file per ingest run
    out/          reports, exports, portal data
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from barrio.config import WorkspaceConfig
from barrio.errors import WorkspaceError
from barrio.i18n import _

FOLDERS = ("sources", "warehouse", "rejects", "out")

TEMPLATE = """\
# Barrio workspace settings. See docs/workspace.md.
[workspace]
name = "{name}"
locale = "{locale}"          # es | en
crs = "{crs}"     # projected CRS for distances and areas
engine = "duckdb"        # analytical warehouse: warehouse/barrio.duckdb

[areas]
levels = {levels}

# Column mappings of your sources, used as: barrio ingest KIND FILE --mapping NAME
# [mappings.police]
# kind = "incidents"
# source = "policia-municipal"
# category_mapping = "sesnsp"
# date_format = "%d/%m/%Y"
# [mappings.police.columns]
# incident_id = "folio"
# occurred_on = "fecha"
# local_category = "delito"
# lat = "latitud"
# lon = "longitud"
"""


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and its parsed settings."""

    root: Path
    config: WorkspaceConfig

    @property
    def config_path(self) -> Path:
        return self.root / "barrio.toml"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def rejects(self) -> Path:
        return self.root / "rejects"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse" / "barrio.duckdb"

    @property
    def app_db_path(self) -> Path:
        return self.root / "barrio.db"

    @classmethod
    def init(
        cls,
        root: Path,
        *,
        name: str | None = None,
        crs: str = "EPSG:3857",
        locale: str = "es",
        levels: tuple[str, ...] = ("city", "district", "neighborhood"),
        extra_toml: str = "",
    ) -> Workspace:
        """Create a workspace in ``root`` (which must not already hold one)."""
        root = Path(root)
        if (root / "barrio.toml").exists():
            raise WorkspaceError(
                _("{path} already holds a workspace", path=root),
                hint=_("Choose another folder, or use the existing workspace."),
                path=str(root),
            )
        root.mkdir(parents=True, exist_ok=True)
        for folder in FOLDERS:
            (root / folder).mkdir(exist_ok=True)
        levels_toml = "[" + ", ".join(f'"{lv}"' for lv in levels) + "]"
        text = TEMPLATE.format(
            name=name or root.resolve().name, locale=locale, crs=crs, levels=levels_toml
        )
        (root / "barrio.toml").write_text(text + extra_toml, encoding="utf-8")
        return cls.open(root)

    @classmethod
    def open(cls, root: Path | None = None) -> Workspace:
        """Open the workspace in ``root`` (default: ``BARRIO_WORKSPACE`` or the current folder)."""
        root = Path(root or os.environ.get("BARRIO_WORKSPACE") or Path.cwd())
        path = root / "barrio.toml"
        if not path.is_file():
            raise WorkspaceError(
                _("{path} is not a Barrio workspace (no barrio.toml)", path=root),
                hint=_("Create one with: barrio init DIR, or pass --workspace DIR."),
                path=str(root),
            )
        for folder in FOLDERS:
            (root / folder).mkdir(exist_ok=True)
        return cls(root=root, config=WorkspaceConfig.load(path))
