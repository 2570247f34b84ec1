"""Evidence files of status changes: checked, stored under a generated name, served back.

An uploaded file is accepted only when its extension is on the allow list *and* its first bytes
look like that kind of file (a PDF starts with ``%PDF-``, a PNG with its signature, text decodes
as UTF-8 ...) and it is not larger than the limit. It is kept as
``<workspace>/evidence/ev-<32 hex>.<ext>``: the uploader's file name never becomes a path. The
content type recorded and served is the one of the allow list, never the one the browser sent.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from barrio.errors import InputError
from barrio.i18n import _

FOLDER = "evidence"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ZIP = b"PK\x03\x04"
# extension -> (content type, leading bytes it must start with; None: UTF-8 text)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
}
INLINE = ("image/png", "image/jpeg")
NAME = re.compile(r"^ev-[0-9a-f]{32}\.[a-z]{3,4}$")


@dataclass(frozen=True)
class StoredEvidence:
    """A checked evidence file written under the workspace."""

    name: str
    path: Path
    original_name: str
    content_type: str
    size: int
    sha256: str

    @property
    def reference(self) -> str:
        """What the status event records: the generated name, served at ``/evidence/<name>``
        (the file is ``<workspace>/evidence/<name>``)."""
        return self.name


def _looks_like(head: bytes, magic: tuple[bytes, ...] | None) -> bool:
    if magic is not None:
        return head.startswith(magic)
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is fine
        return exc.start >= len(head) - 3
    return True


def safe_original_name(name: str) -> str:
    """The uploader's file name reduced to a harmless label (shown and used in downloads)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    return cleaned[-120:] or "evidence"


def check_kind(original_name: str) -> tuple[str, str]:
    """(extension, content type) of an allowed file name; an InputError otherwise."""
    ext = Path(original_name).suffix.lower()
    if ext not in ALLOWED:
        raise InputError(
            _("files of type {ext} are not accepted as evidence", ext=ext or "-"),
            hint=_("Upload one of: {allowed}", allowed=", ".join(sorted(ALLOWED))),
            file=safe_original_name(original_name),
        )
    return ext, ALLOWED[ext][0]


def attach_evidence(
    session: Any,
    root: Path,
    recommendation_id: int,
    original_name: str,
    stream: BinaryIO,
    *,
    uploaded_by: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StoredEvidence:
    """Check and store an evidence file of a recommendation and record it in
    ``evidence_files``, so the portal serves it at ``/evidence/<name>``.

    The file is written at once; a caller whose transaction then fails removes
    ``stored.path`` (the admin pages and ``barrio recs status --file`` both do).
    """
    from barrio.store.portal import EvidenceFile

    stored = store_evidence(root, original_name, stream, max_bytes=max_bytes)
    session.add(
        EvidenceFile(
            name=stored.name, recommendation_id=recommendation_id,
            original_name=stored.original_name, content_type=stored.content_type,
            size=stored.size, sha256=stored.sha256, uploaded_by=uploaded_by,
        )
    )  # fmt: skip
    return stored


def store_evidence(
    root: Path, original_name: str, stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> StoredEvidence:
    """Check and write one uploaded file under ``root/evidence``; nothing is left on refusal."""
    ext, content_type = check_kind(original_name)
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"ev-{secrets.token_hex(16)}{ext}"
    path = folder / name
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("xb") as out:
            head = stream.read(8192)
            if not head or not _looks_like(head, ALLOWED[ext][1]):
                raise InputError(
                    _("{file} is not a valid {ext} file", file=safe_original_name(original_name),
                      ext=ext),
                    hint=_("Upload the document itself, saved in the format its name says."),
                )  # fmt: skip
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(
                        _("the evidence file is larger than {mb} MB", mb=max_bytes // 2**20),
                        hint=_("Upload a smaller file, or give a link to the document instead."),
                    )
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(1 << 20)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredEvidence(
        name=name,
        path=path,
        original_name=safe_original_name(original_name),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )
