"""The audit trail: who changed which record, when, and what it was before and after.

Every insert, update and delete of any model deriving from :class:`~barrio.store.base.Base`
(the register's, the diagnosis', the assessment's, any future one) writes one ``audit_log``
row in the same transaction, from SQLAlchemy mapper events (queued per row, inserted in one
statement at the end of each flush): nothing has to remember to log.
The actor is ``session.info["actor"]``, set by :meth:`barrio.store.session.Store.session`.

Models that set ``__append_only__ = True`` (status events, the audit log itself) can only be
inserted: an update or delete through the ORM raises :class:`AppendOnlyError`, and the
migration adds database triggers that refuse ``UPDATE`` and ``DELETE`` on their tables.

Bulk statements (``session.execute(update(...))``) bypass mapper events; Barrio's services do
not use them on audited tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    event,
    insert,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column, object_session

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.store.accounts import _in, utcnow
from barrio.store.base import Base

ACTIONS = ("insert", "update", "delete")
DEFAULT_ACTOR = "system"
PENDING = "barrio_audit_rows"  # session.info key of the rows queued during a flush


class AppendOnlyError(BarrioError):
    """An update or delete was attempted on an append-only record."""

    code = "append_only"


class AuditLog(Base):
    """One change of one record: ``before`` and ``after`` hold the row's column values."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in("action", ACTIONS), name="action"),
        Index("ix_audit_log_table_row", "table_name", "row_id"),
    )
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    table_name: Mapped[str] = mapped_column(String(100))
    row_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def _plain(value: Any) -> Any:
    """A JSON-ready version of a column value."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _row_id(mapper: Mapper[Any], target: Any) -> str:
    return ",".join(str(v) for v in mapper.primary_key_from_instance(target))


def _values(mapper: Mapper[Any], target: Any, *, old: bool) -> dict[str, Any]:
    """Column values of ``target``: as committed (``old``) or as now (unset values are None)."""
    state = inspect(target)
    out: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        if old:
            history = state.attrs[key].history
            if history.deleted:
                out[key] = _plain(history.deleted[0])
                continue
            if history.added and not history.unchanged:
                continue  # the old value was never loaded
        out[key] = _plain(state.dict.get(key))
    return out


def _actor(target: Any) -> str:
    session = object_session(target)
    actor = session.info.get("actor") if session is not None else None
    return str(actor) if actor else DEFAULT_ACTOR


def _log(
    connection: Connection, mapper: Mapper[Any], target: Any, action: str, **change: Any
) -> None:
    """Queue one audit row on the session; :func:`_write_log` inserts the queue per flush."""
    row = {
        "at": utcnow(),
        "actor": _actor(target),
        "table_name": mapper.local_table.name,  # type: ignore[attr-defined]
        "row_id": _row_id(mapper, target),
        "action": action,
        **change,
    }
    session = object_session(target)
    if session is None:  # not expected during a flush; write at once
        connection.execute(insert(AuditLog), row)
        return
    session.info.setdefault(PENDING, []).append(row)


@event.listens_for(Session, "after_flush")
def _write_log(session: Session, _context: Any) -> None:
    """Insert the audit rows queued during this flush, in one statement, same transaction."""
    rows = session.info.pop(PENDING, None)
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def _audited(target: Any) -> bool:
    return not isinstance(target, AuditLog)


@event.listens_for(Base, "after_insert", propagate=True)
def _after_insert(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if _audited(target):
        _log(
            connection,
            mapper,
            target,
            "insert",
            before=None,
            after=_values(mapper, target, old=False),
        )


@event.listens_for(Base, "before_update", propagate=True)
def _before_update(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if getattr(type(target), "__append_only__", False) and _changed(target):
        raise AppendOnlyError(
            _("{name} rows are append-only; add a new row instead", name=mapper.local_table.name),  # type: ignore[attr-defined]
            hint=_("Record a new status event; earlier events cannot be edited or deleted."),
            table=mapper.local_table.name,  # type: ignore[attr-defined]
        )


def _changed(target: Any) -> bool:
    session = object_session(target)
    return session is None or session.is_modified(target, include_collections=False)


@event.listens_for(Base, "after_update", propagate=True)
def _after_update(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if not _audited(target) or not _changed(target):
        return
    before = _values(mapper, target, old=True)
    after = _values(mapper, target, old=False)
    changed = sorted(k for k in after if before.get(k) != after[k])
    if changed:
        _log(
            connection,
            mapper,
            target,
            "update",
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
        )


@event.listens_for(Base, "before_delete", propagate=True)
def _before_delete(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if getattr(type(target), "__append_only__", False):
        raise AppendOnlyError(
            _("{name} rows are append-only; they cannot be deleted", name=mapper.local_table.name),  # type: ignore[attr-defined]
            hint=_("Record a new status event instead (e.g. status discarded)."),
            table=mapper.local_table.name,  # type: ignore[attr-defined]
        )
    if _audited(target):
        _log(
            connection,
            mapper,
            target,
            "delete",
            before=_values(mapper, target, old=False),
            after=None,
        )
