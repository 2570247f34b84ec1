"""``barrio serve``: the portal and JSON API of a workspace (uvicorn).

One process by default; ``--workers N`` starts N worker processes behind one address, each
building the app from the workspace named in ``BARRIO_WEB_WORKSPACE`` (uvicorn's app factory).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from barrio.cli.options import WorkspaceOption
from barrio.cli.output import JsonOption, err_console, run_command
from barrio.i18n import _

if TYPE_CHECKING:
    from barrio.workspace import Workspace


def serve_workspace(
    workspace: Path | None,
    *,
    host: str,
    port: int,
    workers: int,
    secure_cookies: bool | None,
    log_level: str = "info",
    prepare: bool = True,
) -> dict[str, object]:
    """Check the workspace, prepare its public tables, then run uvicorn until interrupted."""
    import uvicorn

    from barrio.web.app import INSECURE_ENV, WORKSPACE_ENV
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    if prepare:
        prepare_tables(ws)
    os.environ[WORKSPACE_ENV] = str(ws.root.resolve())
    if secure_cookies is not None:
        os.environ[INSECURE_ENV] = "0" if secure_cookies else "1"
    uvicorn.run(
        "barrio.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
    )
    return {"workspace": str(ws.root), "url": f"http://{host}:{port}/", "workers": workers}


def prepare_tables(ws: Workspace) -> None:
    """Run disclosure control on every indicator once, into the shared table files, so the
    workers start warm (minutes on national data; nothing to do when nothing changed)."""
    import time

    from barrio.store import open_store, workspace_store_url
    from barrio.web.app import CACHE_ENV
    from barrio.web.public_data import PublicData
    from barrio.web.settings import WebSettings

    settings = WebSettings.for_workspace(ws.root)
    cache_dir = os.environ.get(CACHE_ENV) or settings.extra.get("cache_dir")
    start = time.perf_counter()
    err_console.print(_("Preparing the public tables (disclosure control)..."), highlight=False)
    with open_store(workspace_store_url(ws)) as store:
        data = PublicData(ws, store, cache_dir=Path(cache_dir) if cache_dir else None)
        count = data.prepare()
    err_console.print(
        _("{n} indicators ready in {seconds:.1f} s", n=count, seconds=time.perf_counter() - start),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the ``barrio`` app."""

    @app.command("serve", help=_("Serve the workspace's portal and JSON API."))
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help=_("Address to listen on.")),
        port: int = typer.Option(8000, "--port", help=_("Port to listen on.")),
        workers: int = typer.Option(
            1, "--workers", min=1, help=_("Worker processes behind the one address.")
        ),
        secure_cookies: bool | None = typer.Option(
            None,
            "--secure-cookies/--insecure-cookies",
            help=_(
                "Send the session cookie over HTTPS only (the default; use --insecure-cookies "
                "only for plain-HTTP development on localhost)."
            ),
        ),
        log_level: str = typer.Option("info", "--log-level", help=_("uvicorn log level.")),
        prepare: bool = typer.Option(
            True,
            "--prepare/--no-prepare",
            help=_("Run disclosure control on every indicator before serving (default)."),
        ),
        workspace: Path | None = WorkspaceOption,
        as_json: bool = JsonOption,
    ) -> None:
        run_command(
            as_json,
            lambda: serve_workspace(
                workspace,
                host=host,
                port=port,
                workers=workers,
                secure_cookies=secure_cookies,
                log_level=log_level,
                prepare=prepare,
            ),
            lambda _result: None,
        )
