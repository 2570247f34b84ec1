"""The command-group modules the ``barrio`` command registers (each has ``register(app)``)."""

from __future__ import annotations

from types import ModuleType


def modules() -> list[ModuleType]:
    """Import the command modules (only when the CLI runs, to keep ``import barrio`` light)."""
    from barrio.cli import (
        audit,
        classify,
        demo,
        export,
        indicators,
        recs,
        report,
        serve,
        spatial,
        survey,
        users,
        warn,
        workspace_cmds,
    )

    return [
        demo, workspace_cmds, classify, indicators, export, spatial, survey, warn, audit, recs,
        report, serve, users,
    ]  # fmt: skip
