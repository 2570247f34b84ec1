"""The outcome of one ingest run, reconciled."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class IngestResult:
    """What an ingest run read, accepted and rejected.

    ``rows_read == rows_accepted + rows_rejected`` always holds (``reconciles``); accepted rows
    are new, updated (same key, changed content) or unchanged (already loaded).
    """

    run_id: str
    kind: str
    file: str
    mapping: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    problems: dict[str, dict[str, int]] = field(default_factory=dict)  # action -> reason -> n
    rejects_file: Path | None = None
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    unit: str = "rows"

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected and (
            self.rows_accepted == self.rows_new + self.rows_updated + self.rows_unchanged
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rejects_file"] = str(self.rejects_file) if self.rejects_file else None
        out["reconciles"] = self.reconciles
        return out
