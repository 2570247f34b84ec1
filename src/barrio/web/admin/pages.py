"""The admin HTML pages under ``/admin``: recommendations, uploads, diagnosis, assessment.

Every route states the roles that may call it (:mod:`barrio.web.admin.permissions`), every form
is CSRF-protected (router dependency), and every change is made by a service in
:mod:`barrio.web.admin.service` as the signed-in user. A refused or invalid submission shows the
form again with the error (400, or 403 when the record is not the user's).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.store.accounts import User
from barrio.store.register import STATUSES
from barrio.web.admin import service
from barrio.web.admin.permissions import DATA, SIGNED_IN, STATUS
from barrio.web.security.auth import require_role
from barrio.web.security.csrf import csrf_protect
from barrio.web.templating import render

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)], include_in_schema=False)

STATUS_LABELS = {
    "not_started": "Not started",
    "in_process": "In process",
    "addressed": "Addressed",
    "not_implemented": "Not implemented",
    "discarded": "Discarded",
}


def _state(request: Request) -> tuple[Any, Any]:
    return request.app.state.store, request.app.state.workspace


def _status_of(exc: BarrioError) -> int:
    return {"forbidden": 403, "not_found": 404}.get(exc.code, 400)


def _page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    base = {"statuses": STATUSES, "status_labels": STATUS_LABELS, "error": None, "notice": None}
    return render(request, f"admin/{template}", base | context, status_code=status)


def _max_bytes(request: Request, key: str, default_mb: int) -> int:
    return int(request.app.state.settings.extra.get(key, default_mb)) * 1024 * 1024


@router.get("")
def dashboard(request: Request, user: User = Depends(require_role(*SIGNED_IN))) -> Response:
    """The admin home: what this user may do."""
    store, _ws = _state(request)
    mine = len(service.editable_codes(store, user))
    return _page(request, "index.html", editable=mine, role=user.role)


@router.get("/recommendations")
def recommendations(
    request: Request, all: bool = False, user: User = Depends(require_role(*SIGNED_IN))
) -> Response:
    """The register (internal view); an editor sees their institution's first."""
    from barrio.audit.recs_query import list_recommendations

    store, _ws = _state(request)
    institution = getattr(request.state, "institution", None)
    only = institution if user.role == "editor" and not all else None
    with store.session() as session:
        frame = list_recommendations(session, institution=only, view="internal")
    shown = frame[["code", "title", "institution", "status", "since", "due_on"]]
    rows = shown.astype(object).where(shown.notna(), None).to_dict("records")
    editable = service.editable_codes(store, user)
    return _page(request, "recommendations.html", rows=rows, editable=editable, filtered=only)


def _recommendation_page(
    request: Request, user: User, code: str, status: int = 200, **context: Any
) -> Response:
    store, _ws = _state(request)
    try:
        record = service.recommendation_history(store, code)
    except BarrioError as exc:
        return _page(request, "message.html", _status_of(exc), error=exc.message)
    editable = code in service.editable_codes(store, user)
    return _page(request, "recommendation.html", status, rec=record, editable=editable, **context)


@router.get("/recommendations/{code}")
def recommendation(
    request: Request, code: str, user: User = Depends(require_role(*SIGNED_IN))
) -> Response:
    """One recommendation, its history and (for those allowed) the status form."""
    return _recommendation_page(request, user, code)


@router.post("/recommendations/{code}/status")
def recommendation_status(
    request: Request,
    code: str,
    status: str = Form(""),
    on: str = Form(""),
    evidence_text: str = Form(""),
    evidence_url: str = Form(""),
    reviewer: str = Form(""),
    internal_note: str = Form(""),
    evidence_file: UploadFile | None = File(None),
    user: User = Depends(require_role(*STATUS)),
) -> Response:
    """Record a status change with its evidence (text, link and/or file)."""
    store, ws = _state(request)
    change = service.StatusChange(
        status=status, on=on or None, evidence_text=evidence_text,
        evidence_url=evidence_url or None, reviewer=reviewer or None, internal_note=internal_note,
    )  # fmt: skip
    upload = None
    if evidence_file is not None and evidence_file.filename:
        upload = service.Upload(evidence_file.filename, evidence_file.file)
    try:
        service.update_status(
            store, ws.root, user, code, change, upload=upload,
            max_bytes=_max_bytes(request, "evidence_max_mb", 10),
        )  # fmt: skip
    except BarrioError as exc:
        return _recommendation_page(
            request, user, code, _status_of(exc), error=exc.message, hint=exc.hint, form=change
        )
    return RedirectResponse(f"/admin/recommendations/{code}?saved=1", status_code=303)


@router.get("/upload")
def upload_page(request: Request, user: User = Depends(require_role(*DATA))) -> Response:
    """The data upload form."""
    return _page(request, "upload.html", report=None)


@router.post("/upload")
def upload(
    request: Request,
    kind: str = Form(""),
    mapping: str = Form(""),
    file: UploadFile | None = File(None),
    mapping_file: UploadFile | None = File(None),
    user: User = Depends(require_role(*DATA)),
) -> Response:
    """Load the uploaded file and show the validation report."""
    from barrio.web.admin.uploads import run_upload

    _store, ws = _state(request)
    if file is None or not file.filename:
        return _page(request, "upload.html", 400, report=None, error=_("Choose a file to load."))
    extra = mapping_file.file if mapping_file is not None and mapping_file.filename else None
    try:
        report = run_upload(
            ws, kind, file.filename, file.file, mapping=mapping.strip() or None,
            mapping_file=extra, max_bytes=_max_bytes(request, "upload_max_mb", 500),
        )  # fmt: skip
    except BarrioError as exc:
        failed = {"message": exc.message, "hint": exc.hint, "details": exc.details}
        return _page(request, "upload.html", _status_of(exc), report=None, failed=failed)
    return _page(request, "upload.html", report=report)


@router.get("/diagnosis")
def diagnosis_page(request: Request, user: User = Depends(require_role(*DATA))) -> Response:
    """The form that records one finding of a diagnosis activity."""
    store, ws = _state(request)
    return _page(request, "diagnosis.html", choices=service.diagnosis_choices(store, ws))


@router.post("/diagnosis/findings")
def diagnosis_finding(
    request: Request,
    activity_id: str = Form(""),
    kind: str = Form(""),
    theme: str = Form(""),
    description: str = Form(""),
    intensity: str = Form(""),
    population_group: str = Form(""),
    area_id: str = Form(""),
    coder: str = Form(""),
    user: User = Depends(require_role(*DATA)),
) -> Response:
    """Validate and store the finding (like an import of one row)."""
    store, ws = _state(request)
    values = {
        "activity_id": activity_id, "kind": kind, "theme": theme, "description": description,
        "intensity": intensity, "population_group": population_group, "area_id": area_id,
        "coder": coder,
    }  # fmt: skip
    choices = service.diagnosis_choices(store, ws)
    try:
        result = service.record_finding(store, ws, user, values)
    except BarrioError as exc:
        return _page(
            request, "diagnosis.html", _status_of(exc), choices=choices, form=values,
            error=exc.message, hint=exc.hint,
        )  # fmt: skip
    notice = _("Finding {code} recorded.", code=result["finding_id"])
    return _page(request, "diagnosis.html", choices=choices, notice=notice)


@router.get("/assessment")
def assessment_page(request: Request, user: User = Depends(require_role(*DATA))) -> Response:
    """The stored assessments with the level and evidence of each item."""
    store, _ws = _state(request)
    return _page(request, "assessment.html", assessments=service.assessment_items(store))


@router.post("/assessment/levels")
def assessment_level(
    request: Request,
    code: str = Form(""),
    item: str = Form(""),
    level: str = Form(""),
    evidence: str = Form(""),
    user: User = Depends(require_role(*DATA)),
) -> Response:
    """Record the maturity level of one item with its evidence; the assessment is re-scored."""
    store, _ws = _state(request)
    try:
        result = service.set_assessment_level(store, user, code, item, level, evidence)
    except BarrioError as exc:
        return _page(
            request, "assessment.html", _status_of(exc),
            assessments=service.assessment_items(store), error=exc.message, hint=exc.hint,
        )  # fmt: skip
    notice = _("Item {item} of {code} saved; overall score {score}.", item=item, code=code,
               score=result.get("overall"))  # fmt: skip
    return _page(
        request, "assessment.html", assessments=service.assessment_items(store), notice=notice
    )
