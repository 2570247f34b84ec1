"""``/evidence/<name>``: an evidence file, public when its recommendation is public.

Only generated names (``ev-<32 hex>.<ext>``) recorded in ``evidence_files`` are served, with the
content type of the allow list, ``nosniff`` and a sandboxing CSP; anything but images is sent as
an attachment, so a file can never run as a page of the portal. Evidence of internal
recommendations is served to signed-in users only.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from sqlalchemy import select

from barrio.i18n import _
from barrio.store.portal import EvidenceFile
from barrio.store.register import Recommendation
from barrio.web.admin.evidence import FOLDER, INLINE, NAME

router = APIRouter(include_in_schema=False)


@router.get("/evidence/{name}")
def evidence_file(request: Request, name: str) -> FileResponse:
    """Send one evidence file."""
    missing = HTTPException(status_code=404, detail=_("No such evidence file."))
    if not NAME.match(name):
        raise missing
    with request.app.state.store.session() as session:
        row = session.execute(
            select(EvidenceFile, Recommendation.is_public)
            .join(Recommendation, EvidenceFile.recommendation_id == Recommendation.id)
            .where(EvidenceFile.name == name)
        ).first()
    if row is None or (not row[1] and getattr(request.state, "user", None) is None):
        raise missing
    record = row[0]
    path = request.app.state.workspace.root / FOLDER / record.name
    if not path.is_file():
        raise missing
    disposition = "inline" if record.content_type in INLINE else "attachment"
    return FileResponse(
        path,
        media_type=record.content_type,
        filename=record.original_name,
        content_disposition_type=disposition,
        headers={
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
            "Cache-Control": "private, max-age=300",
        },
    )
