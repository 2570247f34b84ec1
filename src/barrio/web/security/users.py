"""User accounts: add, list, change password, role or institution, disable, authenticate.

Keyword-only service functions on a store session, used by ``barrio users`` and the admin pages
alike. Roles (:data:`barrio.store.accounts.ROLES`): ``admin`` (everything, including users),
``analyst`` (data uploads, diagnosis, assessment), ``editor`` (the recommendations of one
institution), ``viewer`` (read the admin pages).

>>> import tempfile, pathlib
>>> from barrio.store import open_store
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "barrio.db")
>>> with store.session(actor="setup") as s:
...     add_user(s, username="ana", role="admin", password="a long passphrase").role
'admin'
>>> with store.session() as s:
...     authenticate(s, "ana", "a long passphrase").username
'ana'
>>> store.close()
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from barrio.errors import BarrioError, InputError
from barrio.i18n import _
from barrio.store.accounts import ROLES, Institution, User
from barrio.web.security.passwords import hash_password, hasher, needs_rehash, verify_password

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")


class UnknownUserError(BarrioError):
    """No account with that username."""

    code = "not_found"


def _check_username(username: str) -> str:
    if not USERNAME.match(username or ""):
        raise InputError(
            _("invalid username {name!r}", name=username),
            hint=_("Use 2-80 letters, digits, dots, dashes, underscores or @."),
            username=username,
        )
    return username


def _check_role(role: str, institution: str | None) -> None:
    if role not in ROLES:
        raise InputError(
            _("unknown role {role!r}; expected one of: {roles}", role=role, roles=", ".join(ROLES)),
            hint=_("Choose one of the roles listed."),
            role=role,
        )
    if role == "editor" and not institution:
        raise InputError(
            _("an editor needs an institution"),
            hint=_("Give the code of the institution whose recommendations they update."),
        )


def _institution(session: Session, code: str | None) -> Institution | None:
    if not code:
        return None
    found = session.scalar(select(Institution).where(Institution.code == code))
    if found is None:
        known = session.scalars(select(Institution.code).order_by(Institution.code)).all()
        raise InputError(
            _("unknown institution {code!r}; known: {known}", code=code, known=", ".join(known)),
            hint=_("Use the code of an institution of the recommendations register."),
            institution=code,
        )
    return found


def get_user(session: Session, username: str) -> User:
    """The account ``username``; :class:`UnknownUserError` otherwise."""
    found = session.scalar(select(User).where(User.username == username))
    if found is None:
        raise UnknownUserError(
            _("no user {name!r}", name=username),
            hint=_("List the accounts with: barrio users list"),
            username=username,
        )
    return found


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str | None,
    institution: str | None = None,
    display_name: str = "",
) -> User:
    """Create an account (its password is stored as an Argon2 hash only)."""
    _check_username(username)
    _check_role(role, institution)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InputError(
            _("user {name!r} already exists", name=username),
            hint=_("Choose another username, or change this one with barrio users passwd."),
            username=username,
        )
    found = _institution(session, institution)
    user = User(
        username=username,
        display_name=display_name or "",
        role=role,
        institution_id=found.id if found else None,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Replace the password of ``username``."""
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    return user


def set_role(session: Session, username: str, role: str, institution: str | None = None) -> User:
    """Change the role (and the institution, required for an editor) of ``username``."""
    user = get_user(session, username)
    _check_role(role, institution)
    found = _institution(session, institution)
    user.role = role
    user.institution_id = found.id if found else None
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Disable (or enable again) the account ``username``; a disabled account cannot sign in
    and its tokens stop working."""
    user = get_user(session, username)
    user.active = active
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Upgrades an outdated hash."""
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    if not verify_password(stored, password) or user is None:
        return None
    if stored and needs_rehash(stored):
        user.password_hash = str(hasher().hash(password))
    return user


def institution_code(session: Session, user: User) -> str | None:
    """The code of the user's institution (None without one)."""
    if user.institution_id is None:
        return None
    return session.scalar(select(Institution.code).where(Institution.id == user.institution_id))


def list_users(session: Session) -> list[dict[str, Any]]:
    """Every account (never its password hash), by username."""
    rows = session.execute(
        select(User, Institution.code)
        .outerjoin(Institution, User.institution_id == Institution.id)
        .order_by(User.username)
    ).all()
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "institution": code,
            "active": u.active,
            "has_password": u.password_hash is not None,
            "created_at": u.created_at,
        }
        for u, code in rows
    ]
