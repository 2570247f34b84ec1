"""The whole command line speaks Spanish: every command, group and parameter help is translated.

Typer evaluates help texts when the CLI modules are imported, in the language of
``BARRIO_LANG``, so the check runs in one fresh subprocess with ``BARRIO_LANG=es``. It walks the
Click command tree that ``barrio`` builds and collects the help of every group, command and
parameter; each (each paragraph of a command's help) must be a Spanish translation from the
merged catalogs. The only text left out is Click's own ``--help`` option ("Show this message and
exit."), which Barrio does not define.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from barrio.cli.main import leading_lang
from barrio.i18n import _catalog

CLICK_OWN = {"Show this message and exit."}

_WALK = textwrap.dedent(
    """
    import json

    import typer
    from typer.testing import CliRunner

    from barrio.cli.main import _register, app

    _register()
    root = typer.main.get_command(app)
    texts = []

    def walk(command, path):
        for text in (command.help, command.short_help):
            if text:
                texts.append({"where": path, "text": text})
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                texts.append({"where": f"{path} {param.name}", "text": text})
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, f"{path} {name}")

    walk(root, "barrio")
    result = CliRunner().invoke(app, ["spatial", "gistar", "--help"], terminal_width=200)
    print(json.dumps({"texts": texts, "gistar_help": result.output, "code": result.exit_code}))
    """
)


def _spanish_cli() -> dict[str, object]:
    env = {**os.environ, "BARRIO_LANG": "es", "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("LC_ALL", None)
    done = subprocess.run(
        [sys.executable, "-c", _WALK], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_every_help_text_is_translated_to_spanish() -> None:
    result = _spanish_cli()
    spanish = {text for msgid, text in _catalog("es").items() if text and text != msgid}
    same_in_both = {msgid for msgid, text in _catalog("es").items() if text == msgid}
    texts = result["texts"]
    assert isinstance(texts, list)
    assert len(texts) > 300, "the command tree looks incomplete"
    # a command's help is its docstring, translated paragraph by paragraph
    paragraphs = [
        (item["where"], paragraph) for item in texts for paragraph in item["text"].split("\n\n")
    ]
    untranslated = sorted(
        f"{where}: {text!r}"
        for where, text in paragraphs
        if text not in CLICK_OWN and text not in spanish and text not in same_in_both
    )
    assert not untranslated, (
        f"{len(untranslated)} help texts have no Spanish translation in "
        "src/barrio/data/locales/es/LC_MESSAGES/*.po:\n" + "\n".join(untranslated)
    )
    gistar_help = str(result["gistar_help"])
    assert result["code"] == 0, gistar_help
    assert "Puntos calientes y fríos Getis-Ord Gi*" in gistar_help
    assert "Nivel de significancia" in gistar_help
    assert "Significance level" not in gistar_help
    # Typer's own words on the help screen (barrio.cli.typer_text)
    assert "Opciones" in gistar_help
    assert "[por omisión: queen]" in gistar_help


def test_leading_lang_option_translates_the_help() -> None:
    """``barrio --lang es ... --help`` is Spanish even when the environment says English."""
    script = (
        "import sys\n"
        "from barrio.cli.main import run\n"
        "sys.argv = ['barrio', '--lang', 'es', 'spatial', 'gistar', '--help']\n"
        "run()\n"
    )
    env = {**os.environ, "BARRIO_LANG": "en", "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Nivel de significancia" in done.stdout
    assert "Significance level" not in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "es", "spatial", "--help"], "es"),
        (["--lang=en", "version"], "en"),
        (["--lang", "es_MX", "--help"], "es_MX"),
        (["spatial", "gistar", "--lang", "es"], None),  # not a root option there
        (["--lang", "fr", "version"], None),  # left for the callback to refuse
        (["--lang"], None),
        ([], None),
    ],
)
def test_leading_lang(args: list[str], expected: str | None) -> None:
    assert leading_lang(args) == expected


def test_typer_words_have_spanish() -> None:
    from barrio.cli.typer_text import TYPER_TEXT

    catalog = _catalog("es")
    missing = [msgid for msgid in TYPER_TEXT.values() if not catalog.get(msgid)]
    assert not missing, f"no Spanish in cli.po for Typer's {missing}"


def test_an_unknown_language_is_a_usage_error_not_a_traceback():
    from typer.testing import CliRunner

    from barrio.cli.main import _register, app

    _register()
    result = CliRunner().invoke(app, ["--lang", "fr", "version"])
    assert result.exit_code == 2
    assert "fr is not a language of Barrio: use es or en." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
