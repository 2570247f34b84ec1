"""Entry point of the ``barrio`` command."""

from __future__ import annotations

import typer

from barrio import __version__
from barrio.i18n import set_locale

app = typer.Typer(
    name="barrio",
    help="Barrio: Local Safety Audits and citizen-security observatories.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    lang: str | None = typer.Option(
        None, "--lang", help="Language of messages: es or en (default: BARRIO_LANG or LANG)."
    ),
) -> None:
    """Barrio: Local Safety Audits and citizen-security observatories."""
    if lang:
        set_locale(lang)


@app.command()
def version() -> None:
    """Print Barrio's version."""
    typer.echo(__version__)


_registered: list[bool] = []


def _register() -> None:
    """Attach the command groups (each module exposes ``register(app)``), once."""
    from barrio.cli import commands

    if _registered:
        return
    for module in commands.modules():
        module.register(app)
    _registered.append(True)


def run() -> None:
    """Console-script entry point."""
    _register()
    app()
