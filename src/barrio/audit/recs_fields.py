"""The fields of the register's templates, and how each value is read and checked.

One set of rules serves the Excel/CSV import (cell text), the command line and the Python API
(typed values): a parser returns the clean value or raises :class:`FieldError` with a reason
code. Reason codes reuse data ingestion's (``missing_value``, ``bad_date``, ``future_date``,
``bad_integer``, ``bad_boolean``, ``duplicate_key`` ...) and add the register's own below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from barrio.i18n import _
from barrio.ingest.problems import REASONS as INGEST_REASONS
from barrio.store.accounts import INSTITUTION_KINDS
from barrio.store.register import HORIZONS, PRIORITIES, SOURCES, STATUSES, TARGETS

# reason code -> (English message, how to fix), in addition to data ingestion's
REGISTER_REASONS: dict[str, tuple[str, str]] = {
    "unknown_value": ("value not in the allowed list", "use one of the values in the list"),
    "too_long": ("text longer than allowed", "shorten the text"),
    "bad_sdg_target": (
        "not an SDG target",
        "write targets as goal.target, e.g. 16.1 or 5.2; separate several with ;",
    ),
    "unknown_iccs": ("not an ICCS code", "use codes from: barrio classify codes"),
    "unknown_theme": ("theme not in the codebook", "use a codebook theme or add it"),
    "unknown_institution": (
        "institution code not in the register",
        "add it to the institutions sheet or correct the code",
    ),
    "unknown_recommendation": (
        "recommendation code not in the register",
        "add the recommendation first or correct the code",
    ),
    "unknown_area": ("neighborhood not in the workspace areas", "use an area_id of the areas"),
    "unknown_finding": (
        "finding id not in the diagnosis",
        "import the diagnosis first (barrio diagnosis import) or correct the id",
    ),
    "bad_transition": ("status change not allowed", "see the allowed changes in the docs"),
    "event_out_of_order": (
        "event dated before the latest recorded event of the recommendation",
        "events are appended in date order; check the date",
    ),
    "missing_evidence": (
        "a status change needs evidence",
        "fill evidence_text, evidence_url or evidence_file",
    ),
    "missing_column": ("required column is missing", "add the column (see the template)"),
}
REASONS = {**INGEST_REASONS, **REGISTER_REASONS}
SDG_TARGET = re.compile(r"^(1[0-7]|[1-9])\.([1-9][0-9]?|[a-d])$")
LIST_SEPARATOR = re.compile(r"\s*[;|\n]\s*")
YES = {"yes", "y", "si", "sí", "s", "true", "1", "x", "public", "público", "publico"}
NO = {"no", "n", "false", "0", "internal", "interno"}


class FieldError(Exception):
    """A value that cannot be accepted; ``reason`` is a key of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def message(self) -> str:
        """The reason in the current language, with the detail (e.g. the allowed values)."""
        text = _(REASONS[self.reason][0])
        return f"{text}: {self.detail}" if self.detail else text


def reason_fix(reason: str) -> str:
    """How to fix a problem of ``reason``, in the current language."""
    return _(REASONS[reason][1])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(limit: int | None = None) -> Callable[[Any], str | None]:
    """Trimmed text (``None`` when blank), at most ``limit`` characters."""

    def parse(value: Any) -> str | None:
        if _blank(value):
            return None
        out = str(value).strip()
        if limit is not None and len(out) > limit:
            raise FieldError("too_long", _("at most {n} characters", n=limit))
        return out

    return parse


def choice(allowed: Collection[str]) -> Callable[[Any], str | None]:
    """One of ``allowed`` (case-insensitive, spaces and dashes read as underscores)."""

    def parse(value: Any) -> str | None:
        if _blank(value):
            return None
        key = re.sub(r"[\s-]+", "_", str(value).strip().lower())
        if key not in allowed:
            raise FieldError("unknown_value", _("expected one of: {v}", v=", ".join(allowed)))
        return key

    return parse


def date(value: Any, *, today: dt.date | None = None) -> dt.date | None:
    """A date (``yyyy-mm-dd`` or ``dd/mm/yyyy``), not before 1900 nor after ``today``."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raw = str(value).strip()[:10] if "T" in str(value) else str(value).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                value = dt.datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise FieldError("bad_date")
    if value.year < 1900:
        raise FieldError("implausible_date")
    if today is not None and value > today:
        raise FieldError("future_date")
    return value


def past_date(value: Any) -> dt.date | None:
    """A date that is not in the future."""
    return date(value, today=dt.date.today())


def items(value: Any) -> list[str]:
    """A list from a list, or from text separated by ``;`` (or new lines)."""
    if _blank(value):
        return []
    if isinstance(value, str):
        parts: Iterable[Any] = LIST_SEPARATOR.split(value.strip())
    elif isinstance(value, Iterable):
        parts = value
    else:
        parts = [value]
    out: list[str] = []
    for part in parts:
        part = str(part).strip()
        if part and part not in out:
            out.append(part)
    return out


def integers(value: Any) -> list[int]:
    """Whole numbers (finding ids) separated by ``;``."""
    out = []
    for part in items(value):
        if not re.fullmatch(r"\d+", part):
            raise FieldError("bad_integer", part)
        out.append(int(part))
    return out


def sdg_targets(value: Any) -> list[str]:
    """SDG targets such as ``16.1``, ``5.2``, ``16.a``."""
    out = items(value)
    bad = [t for t in out if not SDG_TARGET.match(t)]
    if bad:
        raise FieldError("bad_sdg_target", ", ".join(bad))
    return out


def iccs_codes(value: Any) -> list[str]:
    """Codes of the UNODC International Classification of Crime for Statistical Purposes."""
    from barrio.classify.iccs import known_codes

    out = items(value)
    bad = [c for c in out if c not in known_codes()]
    if bad:
        raise FieldError("unknown_iccs", ", ".join(bad))
    return out


def boolean(value: Any) -> bool | None:
    """Yes/no (Sí/No, true/false, 1/0)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise FieldError("bad_boolean")


@dataclass(frozen=True)
class Field:
    """A template column: its name, parser, whether it is required, and its allowed values."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    allowed: tuple[str, ...] = ()
    help: str = ""


def _choice_field(name: str, allowed: tuple[str, ...], **kw: Any) -> Field:
    return Field(name, choice(allowed), allowed=allowed, **kw)


RECOMMENDATION_FIELDS = (
    Field("code", text(40), required=True, help="unique code, e.g. R-001"),
    Field("title", text(300), required=True),
    Field("description", text()),
    Field("theme", text(60), required=True, help="codebook theme id"),
    _choice_field("target", TARGETS, required=True),
    Field("neighborhoods", items, help="area_id values separated by ;"),
    Field("findings", integers, help="finding ids separated by ;"),
    Field("responsible", text(40), help="institution code"),
    Field("co_responsible", items, help="institution codes separated by ;"),
    Field("sdg_targets", sdg_targets, help="e.g. 16.1; 5.2"),
    Field("iccs_codes", iccs_codes, help="e.g. 0401; 0501"),
    _choice_field("priority", PRIORITIES, required=True),
    _choice_field("horizon", HORIZONS, required=True),
    Field("due_on", date, help="yyyy-mm-dd"),
    Field("plan_line", text(200), help="line of the municipal plan"),
    _choice_field("source", SOURCES),
    Field("source_ref", text(100)),
    Field("public", boolean, allowed=("yes", "no")),
    Field("internal_notes", text()),
    Field("registered_on", past_date, help="yyyy-mm-dd; default: today"),
)
EVENT_FIELDS = (
    Field("code", text(40), required=True, help="recommendation code"),
    _choice_field("status", STATUSES, required=True),
    Field("effective_on", past_date, required=True, help="yyyy-mm-dd"),
    Field("evidence_text", text()),
    Field("evidence_url", text(500)),
    Field("evidence_file", text(500)),
    Field("author", text(200), required=True),
    Field("reviewer", text(200)),
    Field("internal_note", text()),
)
INSTITUTION_FIELDS = (
    Field("code", text(40), required=True),
    Field("name", text(200), required=True),
    _choice_field("kind", INSTITUTION_KINDS),
)
SHEETS = {
    "recommendations": RECOMMENDATION_FIELDS,
    "status_events": EVENT_FIELDS,
    "institutions": INSTITUTION_FIELDS,
}
