"""Options shared by several commands, and the helper that gives commands translated help.

Typer evaluates help texts when the CLI modules are imported, so every text goes through
``_()`` there and then, in the language of ``BARRIO_LANG`` / ``LANG``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import typer

from barrio.i18n import _

WorkspaceOption = typer.Option(
    None,
    "--workspace",
    "-w",
    help=_("Workspace folder (default: BARRIO_WORKSPACE or the current folder)."),
    file_okay=False,
)


def doc_help(function: Callable[..., Any]) -> str:
    """``function``'s docstring translated paragraph by paragraph, for a command's ``--help``.

    The docstring stays the one source of the English text: each paragraph, its lines joined,
    is a msgid (the Spanish lives in ``cli.po``). As in Click, text after a form feed is
    left out of the help.

    >>> def version() -> None:
    ...     '''Print Barrio's version.'''
    >>> doc_help(version)
    "Print Barrio's version."
    """
    text = inspect.cleandoc(function.__doc__ or "").split("\f", 1)[0]
    paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
    return "\n\n".join(_(p) for p in paragraphs if p)


def add_command(group: typer.Typer, name: str, function: Callable[..., Any]) -> None:
    """Register ``function`` as ``group``'s command ``name``, its help translated by doc_help."""
    group.command(name, help=doc_help(function))(function)
