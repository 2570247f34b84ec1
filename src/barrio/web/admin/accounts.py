"""``/admin/users`` (accounts and roles) and ``/admin/audit`` (the audit trail): admins only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.store.accounts import ROLES, Institution, User
from barrio.web.admin.permissions import ADMIN
from barrio.web.security import users as accounts
from barrio.web.security.auth import require_role
from barrio.web.security.csrf import csrf_protect
from barrio.web.templating import render

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)], include_in_schema=False)
AUDIT_ROWS = 200


def _users_page(request: Request, status: int = 200, **context: Any) -> Response:
    store = request.app.state.store
    with store.session() as session:
        rows = accounts.list_users(session)
        institutions = session.execute(
            select(Institution.code, Institution.name).order_by(Institution.code)
        ).all()
    values = {"users": rows, "roles": ROLES, "institutions": institutions, "error": None,
              "notice": None}  # fmt: skip
    return render(request, "admin/users.html", values | context, status_code=status)


def _change(request: Request, actor: User, work: Any, notice: str) -> Response:
    try:
        with request.app.state.store.session(actor=actor.username) as session:
            work(session)
    except BarrioError as exc:
        code = 404 if exc.code == "not_found" else 400
        return _users_page(request, code, error=exc.message)
    return _users_page(request, notice=notice)


@router.get("/users")
def users_page(request: Request, user: User = Depends(require_role(*ADMIN))) -> Response:
    """Every account with its role and institution."""
    return _users_page(request)


@router.post("/users")
def add_user(
    request: Request,
    username: str = Form(""),
    role: str = Form(""),
    institution: str = Form(""),
    display_name: str = Form(""),
    password: str = Form(""),
    user: User = Depends(require_role(*ADMIN)),
) -> Response:
    """Add an account."""

    def work(session: Any) -> None:
        accounts.add_user(
            session, username=username, role=role, password=password,
            institution=institution or None, display_name=display_name,
        )  # fmt: skip

    return _change(request, user, work, _("Added {name}", name=username))


@router.post("/users/{username}/role")
def change_role(
    request: Request,
    username: str,
    role: str = Form(""),
    institution: str = Form(""),
    user: User = Depends(require_role(*ADMIN)),
) -> Response:
    """Change an account's role and institution."""

    def work(session: Any) -> None:
        accounts.set_role(session, username, role, institution or None)

    return _change(request, user, work, _("{name} is now {role}", name=username, role=role))


@router.post("/users/{username}/active")
def change_active(
    request: Request,
    username: str,
    active: str = Form(""),
    user: User = Depends(require_role(*ADMIN)),
) -> Response:
    """Disable or enable an account (an admin cannot disable their own)."""
    enable = active in ("1", "true", "yes", "on")
    if username == user.username and not enable:
        return _users_page(request, 400, error=_("You cannot disable your own account."))

    def work(session: Any) -> None:
        accounts.set_active(session, username, enable)

    text = _("{name} enabled") if enable else _("{name} disabled")
    return _change(request, user, work, text.format(name=username))


@router.post("/users/{username}/password")
def change_password(
    request: Request,
    username: str,
    password: str = Form(""),
    user: User = Depends(require_role(*ADMIN)),
) -> Response:
    """Set a new password for an account (its open sessions end)."""

    def work(session: Any) -> None:
        accounts.set_password(session, username, password)

    response = _change(request, user, work, _("Password changed for {name}", name=username))
    if username == user.username and response.status_code == 200:
        return RedirectResponse("/login", status_code=303)  # own session ended with the change
    return response


@router.get("/audit")
def audit_page(request: Request, user: User = Depends(require_role(*ADMIN))) -> Response:
    """The latest changes of the audit trail: who changed what, when."""
    from barrio.store.trail import AuditLog

    with request.app.state.store.session() as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(AUDIT_ROWS))
        entries = [
            {"at": r.at, "actor": r.actor, "table": r.table_name, "row": r.row_id,
             "action": r.action, "before": r.before, "after": r.after}
            for r in rows
        ]  # fmt: skip
    return render(request, "admin/audit.html", {"entries": entries})
