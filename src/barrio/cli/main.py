"""Entry point of the ``barrio`` command.

Help texts are translated when the commands are registered (Typer fixes them then), in the
language of ``BARRIO_LANG`` / ``LANG``, or of a leading ``--lang`` (``barrio --lang es spatial
gistar --help``): ``run`` reads that option before it registers anything.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import typer

from barrio import __version__
from barrio.cli.options import add_command, doc_help
from barrio.cli.typer_text import translate_typer_text
from barrio.i18n import SUPPORTED, _, set_locale

app = typer.Typer(
    name="barrio",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _main_callback() -> Callable[..., None]:
    """The root callback, built at registration so that its option help is translated."""

    def main(
        lang: str | None = typer.Option(
            None,
            "--lang",
            help=_("Language of messages: es or en (default: BARRIO_LANG or LANG)."),
        ),
    ) -> None:
        """Barrio: Local Safety Audits and citizen-security observatories."""
        if lang:
            try:
                set_locale(lang)
            except ValueError:
                raise typer.BadParameter(
                    _("{lang} is not a language of Barrio: use es or en.", lang=lang),
                    param_hint="--lang",
                ) from None

    return main


def version() -> None:
    """Print Barrio's version."""
    typer.echo(__version__)


_registered: list[bool] = []


def _register() -> None:
    """Attach the root callback, ``version`` and the command groups (``register(app)``), once."""
    from barrio.cli import commands

    if _registered:
        return
    translate_typer_text()
    callback = _main_callback()
    app.callback(help=doc_help(callback))(callback)
    add_command(app, "version", version)
    for module in commands.modules():
        module.register(app)
    _registered.append(True)


def leading_lang(args: Sequence[str]) -> str | None:
    """The language of a ``--lang`` given before the command (``--lang es`` or ``--lang=es``).

    >>> leading_lang(["--lang", "es", "spatial", "gistar", "--help"])
    'es'
    >>> leading_lang(["spatial", "--help"]) is None
    True
    """
    value = None
    if len(args) >= 2 and args[0] == "--lang":
        value = args[1]
    elif args and args[0].startswith("--lang="):
        value = args[0].partition("=")[2]
    if value is None or value[:2].lower() not in SUPPORTED:
        return None  # no --lang, or a bad one: the callback refuses it with the usual message
    return value


def run() -> None:
    """Console-script entry point."""
    lang = leading_lang(sys.argv[1:])
    if lang is not None:
        set_locale(lang)
    _register()
    app()
