"""``barrio users``: accounts from the command line (registered on a fresh Typer app)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.web.admin.helpers import query


@pytest.fixture(scope="module")
def city(admin_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("users") / "city"
    shutil.copytree(admin_city, root)
    return root


def run(city: Path, *args: str, stdin: str | None = None) -> tuple[int, Any]:
    import typer
    from typer.testing import CliRunner

    from barrio.cli import users

    app = typer.Typer()
    users.register(app)
    result = CliRunner().invoke(app, ["users", *args, "-w", str(city), "--json"], input=stdin)
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_add_list_passwd_role_disable(city):
    args = ("add", "maria", "--role", "editor", "--institution", "DIF", "--name", "María")
    code, out = run(city, *args, "--password-stdin", stdin="a very long password\n")
    assert code == 0
    assert out["data"] == {
        "username": "maria",
        "role": "editor",
        "institution": "DIF",
    }
    stored = query(city, "SELECT password_hash FROM users WHERE username = 'maria'")[0][0]
    from barrio.web.security.passwords import verify_password

    assert verify_password(stored, "a very long password")

    code, out = run(city, "list")
    rows = {r["username"]: r for r in out["data"]}
    assert rows["maria"]["institution"] == "DIF"
    assert rows["maria"]["role"] == "editor"
    assert "argon2" not in json.dumps(out)
    assert "password_hash" not in json.dumps(out)

    assert run(city, "passwd", "maria", "--password-stdin", stdin="another long one!\n")[0] == 0
    new = query(city, "SELECT password_hash FROM users WHERE username = 'maria'")[0][0]
    assert new != stored
    assert verify_password(new, "another long one!")

    assert run(city, "role", "maria", "analyst")[1]["data"]["role"] == "analyst"
    assert run(city, "disable", "maria")[1]["data"] == {"username": "maria", "active": False}
    assert run(city, "disable", "maria", "--enable")[1]["data"]["active"] is True


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "x1", "--role", "boss", "--no-password"), None, "unknown role 'boss'"),
        (("add", "x2", "--role", "editor", "--no-password"), None, "needs an institution"),
        (("add", "x3", "--role", "editor", "--institution", "NOPE", "--no-password"), None,
         "unknown institution 'NOPE'"),
        (("add", "admin", "--role", "viewer", "--no-password"), None, "already exists"),
        (("add", "x4", "--role", "viewer", "--password-stdin"), "short\n", "too short"),
        (("add", "bad name", "--role", "viewer", "--no-password"), None, "invalid username"),
        (("passwd", "ghost", "--password-stdin"), "whatever long\n", "no user 'ghost'"),
        (("token", "ghost"), None, "no user 'ghost'"),
        (("token", "admin", "--revoke", "999"), None, "has no token 999"),
    ],
)  # fmt: skip
def test_errors_are_envelopes(city, args, stdin, message):
    code, out = run(city, *args, stdin=stdin)
    assert code == 1
    assert out["ok"] is False
    assert message in out["error"]["message"]


def test_password_prompt_is_hidden(city):
    """The interactive prompt does not echo the password (typer hide_input)."""
    script = (
        "import typer, sys\n"
        "from barrio.cli import users\n"
        "app = typer.Typer(); users.register(app)\n"
        f"app(['users', 'add', 'prompted', '--role', 'viewer', '-w', {str(city)!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], input="typed secret 123\ntyped secret 123\n",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "typed secret 123" not in result.stdout + result.stderr
    assert query(city, "SELECT role FROM users WHERE username = 'prompted'") == [("viewer",)]


def test_import_barrio_stays_light():
    script = (
        "import sys, barrio, barrio.web.security.users, barrio.web.security.tokens\n"
        "heavy = [m for m in ('fastapi', 'starlette', 'jinja2') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
