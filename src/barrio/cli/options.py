"""Options shared by several commands."""

from __future__ import annotations

import typer

WorkspaceOption = typer.Option(
    None,
    "--workspace",
    "-w",
    help="Workspace folder (default: BARRIO_WORKSPACE or the current folder).",
    file_okay=False,
)
