"""What every section builder gets: the workspace, the language and the audience.

The audit store is opened once per report (lazily: reports of a workspace without an
application store never create one) and closed by :meth:`ReportContext.close`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from barrio.report.fmt import cldr_locale
from barrio.workspace import Workspace


@dataclass
class ReportContext:
    """The inputs of a report build."""

    ws: Workspace
    lang: str
    public: bool = False
    _store: Any = field(default=None, repr=False)

    @property
    def locale(self) -> str:
        """The CLDR locale numbers and dates are formatted in (``es_MX``, ``en``)."""
        return cldr_locale(self.lang, self.settings().get("locale"))

    @property
    def view(self) -> str:
        """The recommendations register view: ``public`` for public reports."""
        return "public" if self.public else "internal"

    def settings(self) -> dict[str, Any]:
        """The ``[report]`` table of barrio.toml (``locale``, ``targets``...), or {}."""
        return dict(self.ws.config.raw.get("report", {}))

    def has_store(self) -> bool:
        """Whether the workspace has application records (diagnosis, register, assessments)."""
        from barrio.store import workspace_store_url

        url = workspace_store_url(self.ws)
        return "://" in url or self.ws.app_db_path.exists()

    def store(self) -> Any:
        """The workspace's audit store (opened on first use)."""
        if self._store is None:
            from barrio.store import open_store, workspace_store_url

            self._store = open_store(workspace_store_url(self.ws))
        return self._store

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None
