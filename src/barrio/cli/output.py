"""One output path for every command: Rich for people, the JSON envelope for machines.

``{"ok": true, "data": ...}`` on success, ``{"ok": false, "error": {"code", "message",
"details"}}`` with exit code 1 on a BarrioError (the web API uses the same envelope).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from barrio.errors import BarrioError
from barrio.i18n import _

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help=_("Print one JSON document (the API envelope)."))


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime | Path):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def envelope_ok(data: Any) -> str:
    """The success envelope as a JSON string."""
    return json.dumps({"ok": True, "data": _jsonable(data)}, ensure_ascii=False, default=str)


def envelope_error(error: BarrioError) -> str:
    """The error envelope as a JSON string."""
    return json.dumps({"ok": False, "error": _jsonable(error.to_dict())}, ensure_ascii=False)


def run_command(as_json: bool, work: Callable[[], T], render: Callable[[T], None]) -> T | None:
    """Run ``work``; print its result with ``render`` or as the JSON envelope.

    A BarrioError becomes a readable message (or the error envelope) and exit code 1.
    """
    try:
        result = work()
    except BarrioError as error:
        if as_json:
            typer.echo(envelope_error(error))
        else:
            err_console.print(f"[bold red]{_('Error')}:[/] {error.message}", highlight=False)
            if error.hint:
                err_console.print(f"[yellow]{_('How to fix')}:[/] {error.hint}", highlight=False)
        raise typer.Exit(1) from error
    if as_json:
        typer.echo(envelope_ok(result))
    else:
        render(result)
    return result
