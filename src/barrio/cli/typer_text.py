"""Typer's own words on the help screens (panel titles, ``[default: ...]``) in the user's language.

Typer draws them from constants of ``typer.rich_utils`` that it reads each time it renders a help
screen, so setting them once, when the commands are registered, translates them like the rest of
the help. A constant a future Typer no longer has is skipped (its English stays). Click's own
"Usage:" and "Show this message and exit." go through Click's gettext domain and stay English.
"""

from __future__ import annotations

from barrio.i18n import _

# constant of typer.rich_utils -> its English text (the msgid; Spanish in cli.po)
TYPER_TEXT = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "DEFAULT_STRING": "[default: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ENVVAR_STRING": "[env var: {}]",
    "DEPRECATED_STRING": "(deprecated) ",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}


def translate_typer_text() -> None:
    """Set Typer's help-screen words to the current language (English: Typer's own text)."""
    from typer import rich_utils

    for name, msgid in TYPER_TEXT.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, _(msgid))
