"""One entry point for every kind of ingest (used by the CLI, the web admin and the demo)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from barrio.errors import ConfigError
from barrio.i18n import _
from barrio.ingest.pipeline import Step, ingest_table
from barrio.ingest.result import IngestResult
from barrio.schema.tables import KINDS
from barrio.workspace import Workspace


def ingest(
    workspace: Workspace,
    kind: str,
    path: Path,
    *,
    mapping: str | None = None,
    today: dt.date | None = None,
    step: Step | None = None,
) -> IngestResult:
    """Validate and load ``path`` as ``kind`` (areas | population | incidents | counts)."""
    if kind not in KINDS:
        raise ConfigError(
            _(
                "unknown kind {kind}; expected one of: {choices}",
                kind=repr(kind),
                choices=", ".join(KINDS),
            ),
            hint=_("barrio ingest KIND FILE"),
        )
    if kind == "areas":
        from barrio.ingest.areas import ingest_areas

        return ingest_areas(workspace, path, mapping=mapping, step=step)
    return ingest_table(workspace, kind, path, mapping=mapping, today=today, step=step)
