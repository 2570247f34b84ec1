"""``barrio users``: portal accounts, roles and API tokens.

Passwords are asked with a hidden prompt (typed twice) or read from standard input with
``--password-stdin`` (first line), never taken from an option, so they stay out of shell history
and process lists. Only their Argon2 hashes are stored.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.i18n import _

StdinOption = typer.Option(
    False, "--password-stdin", help=_("Read the password from the first line of standard input.")
)


@contextmanager
def _session(workspace: Path | None) -> Iterator[Any]:
    from barrio.store.session import open_store, workspace_store_url
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    with open_store(workspace_store_url(ws)) as store, store.session() as session:
        yield session


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True))


def add(
    username: str = typer.Argument(..., help=_("Sign-in name.")),
    role: str = typer.Option(..., "--role", help=_("Role: admin | analyst | editor | viewer")),
    institution: str | None = typer.Option(
        None, "--institution", help=_("Institution code (required for an editor).")
    ),
    name: str = typer.Option("", "--name", help=_("Display name.")),
    password_stdin: bool = StdinOption,
    no_password: bool = typer.Option(
        False, "--no-password", help=_("No password: the account signs in with API tokens only.")
    ),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Add an account (asks for its password)."""

    def work() -> dict[str, Any]:
        from barrio.web.security.users import add_user

        password = None if no_password else _password(password_stdin)
        with _session(workspace) as session:
            user = add_user(
                session, username=username, role=role, password=password,
                institution=institution, display_name=name,
            )  # fmt: skip
            return {"username": user.username, "role": user.role, "institution": institution}

    run_command(as_json, work, lambda d: console.print(_("Added {name}", name=d["username"])))


def list_(workspace: Path | None = WorkspaceOption, as_json: bool = JsonOption) -> None:
    """List the accounts (never their password hashes)."""

    def work() -> list[dict[str, Any]]:
        from barrio.web.security.users import list_users

        with _session(workspace) as session:
            return list_users(session)

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table(title=_("Users"))
        for column in ("Username", "Name", "Role", "Institution", "Active"):
            table.add_column(_(column))
        for r in rows:
            active = _("yes") if r["active"] else _("no")
            table.add_row(
                r["username"], r["display_name"], r["role"], r["institution"] or "", active
            )
        console.print(table)

    run_command(as_json, work, render)


def passwd(
    username: str = typer.Argument(..., help=_("Sign-in name.")),
    password_stdin: bool = StdinOption,
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Set a new password (signs the account out of open sessions)."""

    def work() -> dict[str, Any]:
        from barrio.web.security.users import get_user, set_password

        with _session(workspace) as session:
            get_user(session, username)  # unknown user: fail before asking
            set_password(session, username, _password(password_stdin))
        return {"username": username}

    run_command(
        as_json, work, lambda d: console.print(_("Password changed for {name}", name=username))
    )


def role(
    username: str = typer.Argument(..., help=_("Sign-in name.")),
    new_role: str = typer.Argument(..., help=_("Role: admin | analyst | editor | viewer")),
    institution: str | None = typer.Option(None, "--institution", help=_("Institution code.")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Change the role (and institution) of an account."""

    def work() -> dict[str, Any]:
        from barrio.web.security.users import set_role

        with _session(workspace) as session:
            user = set_role(session, username, new_role, institution)
            return {"username": user.username, "role": user.role, "institution": institution}

    run_command(as_json, work, lambda d: console.print(_("{name} is now {role}", **d)))


def disable(
    username: str = typer.Argument(..., help=_("Sign-in name.")),
    enable: bool = typer.Option(False, "--enable", help=_("Enable the account again.")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Disable an account: it can no longer sign in and its tokens stop working."""

    def work() -> dict[str, Any]:
        from barrio.web.security.users import set_active

        with _session(workspace) as session:
            user = set_active(session, username, enable)
            return {"username": user.username, "active": user.active}

    def render(d: dict[str, Any]) -> None:
        text = _("{name} enabled") if d["active"] else _("{name} disabled")
        console.print(text.format(name=d["username"]))

    run_command(as_json, work, render)


def token(
    username: str = typer.Argument(..., help=_("Sign-in name.")),
    name: str = typer.Option("", "--name", help=_("What the token is for.")),
    days: int = typer.Option(90, "--days", help=_("Days until it expires.")),
    no_expiry: bool = typer.Option(False, "--no-expiry", help=_("A token that never expires.")),
    list_only: bool = typer.Option(False, "--list", help=_("List the user's tokens.")),
    revoke: int | None = typer.Option(None, "--revoke", help=_("Revoke the token with this id.")),
    workspace: Path | None = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Create an API token for a machine (shown once), list tokens, or revoke one."""

    def work() -> Any:
        from barrio.web.security import tokens
        from barrio.web.security.users import get_user

        with _session(workspace) as session:
            user = get_user(session, username)
            if revoke is not None:
                tokens.revoke_token(session, user, revoke)
            if list_only or revoke is not None:
                return {"username": username, "tokens": tokens.list_tokens(session, user)}
            record, secret = tokens.create_token(
                session, user, name=name, days=None if no_expiry else days
            )
            return {"id": record.id, "username": username, "token": secret,
                    "expires_at": record.expires_at}  # fmt: skip

    run_command(as_json, work, _render_token)


def _render_token(data: dict[str, Any]) -> None:
    if "token" in data:
        console.print(_("Token for {name} (shown only now):", name=data["username"]))
        console.print(data["token"], highlight=False, soft_wrap=True)
        console.print(_("Send it as: Authorization: Bearer <token>"))
        return
    table = Table(title=_("Tokens of {name}", name=data["username"]))
    for column in ("Id", "Prefix", "Name", "Expires", "State"):
        table.add_column(_(column))
    for t in data["tokens"]:
        expires = str(t["expires_at"] or "-")
        table.add_row(str(t["id"]), t["prefix"] + "…", t["name"], expires, t["state"])
    console.print(table)


COMMANDS: dict[str, Callable[..., None]] = {
    "add": add, "list": list_, "passwd": passwd, "role": role, "disable": disable,
    "token": token,
}  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``barrio users add|list|passwd|role|disable|token``."""
    users_app = typer.Typer(
        name="users", help=_("Portal accounts, roles and API tokens."), no_args_is_help=True
    )
    for command_name, command in COMMANDS.items():
        add_command(users_app, command_name, command)
    app.add_typer(users_app, name="users")
