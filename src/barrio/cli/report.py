"""``barrio report findings|monitoring|assessment``: thin wrapper over
:func:`barrio.report.service.build_report`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import ConfigError
from barrio.i18n import _

FormatOpt = typer.Option(
    ["html"], "--format", "-f", help=_("html, pdf or xlsx (repeat for several).")
)
LangOpt = typer.Option(None, "--lang", help=_("es or en (default: the workspace locale)."))
PublicOpt = typer.Option(
    False, "--public", help=_("Public edition: disclosure control, public view of the register.")
)
AtOpt = typer.Option(
    None, "--at", help=_("Status date of the register, YYYY-MM-DD (default today).")
)
OutputOpt = typer.Option(
    None, "--output", "-o", help=_("File to write (one format only; default out/reports/).")
)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ConfigError(
            _("--at {value!r} is not a date", value=text), hint=_("Write --at YYYY-MM-DD.")
        ) from error


def _render(result: dict[str, Any]) -> None:
    for name, path in result["files"].items():
        seconds = result["seconds"].get(name, 0.0)
        console.print(f"{name.upper()}: {path} ({seconds:.1f} s)", highlight=False)
    for key, note in result["omitted"].items():
        console.print(f"[yellow]{_('Omitted')} {key}:[/] {note}", highlight=False)


def _command(kind: str) -> Any:
    def command(
        formats: list[str] = FormatOpt,
        lang: str | None = LangOpt,
        public: bool = PublicOpt,
        at: str | None = AtOpt,
        output: Path | None = OutputOpt,
        workspace: Path | None = WorkspaceOption,
        as_json: bool = JsonOption,
    ) -> None:
        from barrio.report.service import build_report
        from barrio.workspace import Workspace

        def work() -> dict[str, Any]:
            ws = Workspace.open(workspace)
            return build_report(ws, kind, formats=tuple(formats), lang=lang, public=public,
                                at=_date(at), output=output)  # fmt: skip

        run_command(as_json, work, _render)

    command.__doc__ = {
        "findings": "The Local Safety Audit findings report.",
        "monitoring": "Recommendation status, SDG progress and current alerts.",
        "assessment": "The security-strategy assessment: scores, evidence, recommendations.",
    }[kind]
    return command


def register(app: typer.Typer) -> None:
    """Add ``barrio report findings|monitoring|assessment`` to the main app."""
    report_app = typer.Typer(
        name="report", help=_("Findings, monitoring and assessment reports."), no_args_is_help=True
    )
    for kind in ("findings", "monitoring", "assessment"):
        add_command(report_app, kind, _command(kind))
    app.add_typer(report_app, name="report")
