"""The write API for machines and scripts under ``/api/v1/admin`` (in the envelope).

Authenticate with ``Authorization: Bearer <token>`` (``barrio users token``) or a signed-in
session (then unsafe requests need the ``X-CSRF-Token`` header). The same roles and the same
object-level rule as the admin pages apply.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, Security, UploadFile
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select

from barrio.errors import BarrioError
from barrio.store.accounts import User
from barrio.web.admin import service
from barrio.web.admin.permissions import ADMIN, DATA, SIGNED_IN, STATUS
from barrio.web.envelope import error_response, ok
from barrio.web.security.auth import require_role
from barrio.web.security.csrf import csrf_protect

# HTTPBearer only documents the scheme in the OpenAPI schema; the middleware authenticates.
router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(csrf_protect), Security(HTTPBearer(auto_error=False))],
)


class StatusBody(BaseModel):
    """A status change of a recommendation."""

    status: str = Field(..., max_length=20, description="not_started | in_process | addressed | "
                        "not_implemented | discarded")  # fmt: skip
    on: str | None = Field(None, max_length=10, description="Date of the change, yyyy-mm-dd")
    evidence_text: str = Field("", max_length=20000)
    evidence_url: str | None = Field(None, max_length=500)
    reviewer: str | None = Field(None, max_length=200)
    internal_note: str = Field("", max_length=20000)


class FindingBody(BaseModel):
    """One coded finding of an existing diagnosis activity."""

    activity_id: str = Field(..., max_length=40)
    kind: str = Field(..., max_length=20, description="threat | vulnerability | capacity")
    theme: str = Field(..., max_length=60)
    description: str = Field(..., max_length=20000)
    intensity: int = Field(..., ge=1, le=5)
    population_group: str = Field("", max_length=60)
    area_id: str = Field("", max_length=60)
    coder: str = Field("", max_length=100)


class LevelBody(BaseModel):
    """The maturity level (0-4, or null) of one assessment item, with its evidence."""

    level: int | None = Field(None, ge=0, le=4)
    evidence: str = Field("", max_length=20000)


def _failed(request: Request, exc: BarrioError) -> Response:
    status = {"forbidden": 403, "not_found": 404}.get(exc.code, 400)
    return error_response(request, status, exc.code, exc.message, exc.details, exc.hint)


@router.get("/me")
def me(request: Request, user: User = Depends(require_role(*SIGNED_IN))) -> dict[str, Any]:
    """The caller's account: username, role and institution."""
    return ok(
        {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "institution": getattr(request.state, "institution", None),
            "auth": getattr(request.state, "auth", None),
        }
    )


@router.get("/recommendations/{code}")
def recommendation(
    request: Request, code: str, user: User = Depends(require_role(*SIGNED_IN))
) -> Any:
    """A recommendation with its full (internal) history."""
    try:
        return ok(service.recommendation_history(request.app.state.store, code))
    except BarrioError as exc:
        return _failed(request, exc)


@router.post("/recommendations/{code}/status")
def recommendation_status(
    request: Request, code: str, body: StatusBody, user: User = Depends(require_role(*STATUS))
) -> Any:
    """Append a status event (editors: only to their institution's recommendations)."""
    change = service.StatusChange(**body.model_dump())
    try:
        record = service.update_status(
            request.app.state.store, request.app.state.workspace.root, user, code, change
        )
    except BarrioError as exc:
        return _failed(request, exc)
    return ok(record)


@router.post("/uploads")
def upload(
    request: Request,
    kind: str = Form(...),
    file: UploadFile = File(...),
    mapping: str = Form(""),
    user: User = Depends(require_role(*DATA)),
) -> Any:
    """Load a data file (areas | population | incidents | counts); the validation report."""
    from barrio.web.admin.uploads import run_upload

    settings = request.app.state.settings
    limit = int(settings.extra.get("upload_max_mb", 500)) * 1024 * 1024
    try:
        report = run_upload(
            request.app.state.workspace, kind, file.filename or "", file.file,
            mapping=mapping.strip() or None, max_bytes=limit,
        )  # fmt: skip
    except BarrioError as exc:
        return _failed(request, exc)
    return ok(report)


@router.post("/findings")
def finding(request: Request, body: FindingBody, user: User = Depends(require_role(*DATA))) -> Any:
    """Record one diagnosis finding (validated like an import)."""
    state = request.app.state
    try:
        return ok(service.record_finding(state.store, state.workspace, user, body.model_dump()))
    except BarrioError as exc:
        return _failed(request, exc)


@router.put("/assessments/{code}/items/{item}")
def assessment_item(
    request: Request,
    code: str,
    item: str,
    body: LevelBody,
    user: User = Depends(require_role(*DATA)),
) -> Any:
    """Record an item's maturity level and evidence; the re-scored assessment summary."""
    level = "" if body.level is None else str(body.level)
    store = request.app.state.store
    try:
        return ok(service.set_assessment_level(store, user, code, item, level, body.evidence))
    except BarrioError as exc:
        return _failed(request, exc)


@router.get("/users")
def users(request: Request, user: User = Depends(require_role(*ADMIN))) -> dict[str, Any]:
    """Every account (no password hashes)."""
    from barrio.web.security.users import list_users

    with request.app.state.store.session() as session:
        return ok(list_users(session))


@router.get("/audit")
def audit(
    request: Request, limit: int = 100, user: User = Depends(require_role(*ADMIN))
) -> dict[str, Any]:
    """The latest entries of the audit trail (who changed which record, before and after)."""
    from barrio.store.trail import AuditLog

    limit = max(1, min(limit, 1000))
    with request.app.state.store.session() as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit))
        data = [
            {"id": r.id, "at": r.at, "actor": r.actor, "table": r.table_name, "row": r.row_id,
             "action": r.action, "before": r.before, "after": r.after}
            for r in rows
        ]  # fmt: skip
    return ok(data, meta={"limit": limit})
