"""The BarrioError hierarchy.

Every user-facing error says *what* went wrong, *where* (file, row, column when known) and *how to
fix it*. The CLI and the web API turn these into the ``{"ok": false, "error": {...}}`` envelope.
"""

from __future__ import annotations

from typing import Any


class BarrioError(Exception):
    """Base class of the errors Barrio reports to users.

    Parameters
    ----------
    message
        What went wrong, in the user's language.
    hint
        How to fix it.
    details
        Machine-readable context (file, row, column, allowed values ...).
    """

    code = "barrio_error"

    def __init__(self, message: str, *, hint: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = {k: v for k, v in details.items() if v is not None}

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` member of the JSON envelope."""
        out: dict[str, Any] = {"code": self.code, "message": self.message, "details": self.details}
        if self.hint:
            out["hint"] = self.hint
        return out


class WorkspaceError(BarrioError):
    """The workspace folder is missing, incomplete or its barrio.toml is invalid."""

    code = "workspace_error"


class ConfigError(BarrioError):
    """A setting in barrio.toml or on the command line is invalid."""

    code = "config_error"


class InputError(BarrioError):
    """An input file cannot be read or does not have the expected structure."""

    code = "input_error"


class MappingError(BarrioError):
    """A column or category mapping is invalid or incomplete."""

    code = "mapping_error"


class IngestError(BarrioError):
    """An ingest run failed; the warehouse was left as it was."""

    code = "ingest_error"
