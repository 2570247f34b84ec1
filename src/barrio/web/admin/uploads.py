"""Data uploads from the admin side: save the file, run the ingest service, report.

The file is kept as given under ``sources/uploads/`` (the workspace keeps what users gave) and
loaded with :func:`barrio.ingest.service.ingest`, which validates every row and either loads the
accepted rows in one transaction or leaves the warehouse as it was. When the run fails, the saved
file is removed too, so a failed upload leaves the whole workspace unchanged. The report is the
run's reconciliation (read = accepted + rejected) and its first problem rows (row, column,
value, reason) from the run's rejects file.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from barrio.errors import InputError
from barrio.i18n import _
from barrio.web.admin.evidence import safe_original_name

if TYPE_CHECKING:
    from barrio.workspace import Workspace

KINDS = ("areas", "population", "incidents", "counts")
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet", ".sav", ".dta",
                 ".geojson", ".json", ".gpkg", ".zip")  # fmt: skip
MAPPING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
DEFAULT_MAX_BYTES = 500 * 1024 * 1024
SHOWN_PROBLEMS = 200


def _check(kind: str, filename: str, mapping: str | None) -> None:
    if kind not in KINDS:
        raise InputError(
            _("unknown kind {kind!r}; expected one of: {kinds}", kind=kind, kinds=", ".join(KINDS)),
            hint=_("Choose what the file holds."),
        )
    if Path(filename).suffix.lower() not in DATA_SUFFIXES:
        raise InputError(
            _("files of type {ext} cannot be loaded", ext=Path(filename).suffix or "-"),
            hint=_("Upload one of: {allowed}", allowed=", ".join(DATA_SUFFIXES)),
        )
    if mapping and not MAPPING_NAME.match(mapping):
        raise InputError(
            _("invalid mapping name {name!r}", name=mapping),
            hint=_("Give the name of a mapping in barrio.toml, or upload a mapping file."),
        )


def _save(stream: BinaryIO, target: Path, max_bytes: int) -> int:
    size = 0
    with target.open("xb") as out:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > max_bytes:
                raise InputError(
                    _("the file is larger than {mb} MB", mb=max_bytes // 2**20),
                    hint=_("Load large files with the command line: barrio ingest KIND FILE"),
                )
            out.write(chunk)
    return size


def problem_rows(rejects_file: Path | None, limit: int = SHOWN_PROBLEMS) -> list[dict[str, str]]:
    """The first ``limit`` problems of a run (row, column, value, reason, message, fix)."""
    if rejects_file is None or not Path(rejects_file).exists():
        return []
    with Path(rejects_file).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [row for _i, row in zip(range(limit), reader, strict=False)]


def run_upload(
    workspace: Workspace,
    kind: str,
    filename: str,
    stream: BinaryIO,
    *,
    mapping: str | None = None,
    mapping_file: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Save and ingest one uploaded file; the run's report with its first problem rows."""
    from barrio.ingest.service import ingest

    _check(kind, filename, mapping)
    folder = workspace.root / "sources" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{stamp}-{kind}-{safe_original_name(filename)}"
    with tempfile.TemporaryDirectory(prefix="barrio-mapping-") as scratch:
        mapping_ref = mapping or None
        if mapping_file is not None:
            mapping_path = Path(scratch) / "mapping.toml"
            with mapping_path.open("wb") as out:
                shutil.copyfileobj(mapping_file, out, 1 << 16)
            mapping_ref = str(mapping_path)
        try:
            _save(stream, target, max_bytes)
            result = ingest(workspace, kind, target, mapping=mapping_ref)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    report = result.to_dict()
    report["file"] = target.name
    report["problem_rows"] = problem_rows(result.rejects_file)
    report["problems_shown"] = len(report["problem_rows"])
    return report
