"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

WorkspaceOption = typer.Option(
    None,
    "--workspace",
    "-w",
    help="Workspace folder (default: BARRIO_WORKSPACE or the current folder).",
    file_okay=False,
)


def workspace_path(value: Path | None) -> Path | None:
    """The workspace folder given on the command line, if any."""
    return value
