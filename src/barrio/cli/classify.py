"""``barrio classify``: the ICCS code list, shipped mappings, and suggestions for new categories.

The commands only parse arguments, call :mod:`barrio.classify` and format the result.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import InputError
from barrio.i18n import _

STATUS_NOTE = "recall = unverified: check against the official ICCS v1.0 before publishing"


def _status_label(status: str) -> str:
    return _("unverified") if status == "recall" else _(status)


def codes_data(level: int | None, under: str | None) -> list[dict[str, Any]]:
    """Rows of the ICCS list, optionally one level and/or below one code."""
    from barrio.classify import iccs

    if level is not None and level not in iccs.LEVEL_NAMES:
        raise InputError(
            _("unknown ICCS level {level}; expected one of: 1, 2, 3, 4", level=level),
            hint=_("Levels are 1 section, 2 division, 3 group, 4 class."),
            value=level,
            allowed=[1, 2, 3, 4],
        )
    frame = iccs.load_iccs()
    if under is not None:
        frame = frame[iccs.is_within(frame["code"], under)]
    if level is not None:
        frame = frame[frame["level"] == level]
    frame = frame.assign(verified=frame["status"] != "recall")
    frame = frame.drop(columns="sources").astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _render_codes(rows: list[dict[str, Any]]) -> None:
    table = Table(show_header=True, title=_("ICCS codes"))
    for title in (_("Code"), _("Level"), _("Name"), _("Status")):
        table.add_column(title)
    for row in rows:
        status = _status_label(row["status"])
        style = "yellow" if row["status"] == "recall" else ""
        table.add_row(row["code"], str(row["level"]), row["name_en"], status, style=style)
    console.print(table)
    console.print(_(STATUS_NOTE))


def _render_mappings(rows: list[dict[str, Any]]) -> None:
    table = Table(show_header=True, title=_("Category mappings"))
    for title in (_("Name"), _("Rows"), _("High"), _("Medium"), _("Low")):
        table.add_column(title)
    for row in rows:
        conf = row["confidence"]
        table.add_row(
            row["name"], str(row["rows"]), str(conf["high"]), str(conf["medium"]), str(conf["low"])
        )
    console.print(table)


def _render_suggestions(rows: list[dict[str, Any]]) -> None:
    table = Table(show_header=True, title=_("Suggested ICCS codes (review before use)"))
    for title in (_("Category"), _("Rank"), _("Code"), _("Name"), _("Status"), _("Score")):
        table.add_column(title)
    table.add_column(_("Basis"), overflow="fold")
    for row in rows:
        table.add_row(
            row["category"],
            str(row["rank"]),
            row["iccs_code"],
            row["name_en"],
            _status_label(row["status"]),
            f"{row['score']:.0f}",
            row["basis"],
        )
    console.print(table)


def _mappings_data() -> list[dict[str, Any]]:
    from barrio.classify.mapping import available_mappings, load_mapping

    return [load_mapping(name).summary() for name in available_mappings()]


def _suggest_data(categories: list[str], limit: int) -> list[dict[str, Any]]:
    from barrio.classify.suggest import suggest

    if limit < 1:
        raise InputError(
            _("--limit must be at least 1, got {limit}", limit=limit),
            hint=_("Use --limit 3 for the three best codes."),
            value=limit,
        )
    rows = suggest(categories, limit=limit).to_dict(orient="records")
    return [{str(k): v for k, v in row.items()} for row in rows]


def register(app: typer.Typer) -> None:
    """Add the ``classify`` command group to ``app``."""
    group = typer.Typer(
        name="classify",
        help=_("ICCS codes, category mappings and suggestions for new categories."),
        no_args_is_help=True,
    )

    @group.command("codes", help=_("List ICCS codes with their verification status."))
    def codes(
        level: int | None = typer.Option(
            None, "--level", help=_("Only codes of this level (1-4).")
        ),
        under: str | None = typer.Option(None, "--under", help=_("Only this code and below.")),
        as_json: bool = JsonOption,
    ) -> None:
        """List ICCS codes with their verification status."""
        run_command(as_json, lambda: codes_data(level, under), _render_codes)

    @group.command(
        "mappings",
        help=_("List the shipped category mappings with row counts and confidence."),
    )
    def mappings(as_json: bool = JsonOption) -> None:
        """List the shipped category mappings with row counts and confidence."""
        run_command(as_json, _mappings_data, _render_mappings)

    @group.command("suggest", help=_("Propose ICCS codes for local categories no mapping covers."))
    def suggest_cmd(
        categories: Annotated[list[str], typer.Argument(help=_("Local category names."))],
        limit: Annotated[
            int, typer.Option("--limit", help=_("Codes to propose per category."))
        ] = 3,
        as_json: bool = JsonOption,
    ) -> None:
        """Propose ICCS codes for local categories no mapping covers."""
        run_command(as_json, lambda: _suggest_data(categories, limit), _render_suggestions)

    app.add_typer(group, name="classify")
