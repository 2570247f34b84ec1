"""The audit trail records every insert, update and delete with actor, before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from barrio.store.accounts import Institution, User
from barrio.store.register import Recommendation, RecommendationNeighborhood, StatusEvent
from barrio.store.trail import AppendOnlyError, AuditLog


def _log(store) -> list[AuditLog]:
    with store.session() as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))


def test_insert_update_delete_are_logged_with_actor_before_and_after(store):
    with store.session(actor="ana") as session:
        session.add(Institution(code="DIF", name="DIF municipal", kind="municipal"))
    with store.session(actor="bob") as session:
        inst = session.scalars(select(Institution)).one()
        inst.name = "Sistema DIF"
    with store.session(actor="eva") as session:
        session.delete(session.scalars(select(Institution)).one())
    log = _log(store)
    assert [(e.actor, e.table_name, e.action) for e in log] == [
        ("ana", "institutions", "insert"),
        ("bob", "institutions", "update"),
        ("eva", "institutions", "delete"),
    ]
    insert, update, delete = log
    assert insert.before is None
    assert insert.after == {"id": 1, "code": "DIF", "name": "DIF municipal", "kind": "municipal"}
    assert (update.before, update.after) == ({"name": "DIF municipal"}, {"name": "Sistema DIF"})
    assert delete.before["name"] == "Sistema DIF"
    assert delete.after is None
    assert {e.row_id for e in log} == {"1"}
    assert all(isinstance(e.at, dt.datetime) for e in log)


def test_every_model_is_covered_including_link_rows_and_users(store):
    with store.session(actor="ana") as session:
        rec = Recommendation(code="R-1", title="t", theme="youth")
        rec.neighborhoods = [RecommendationNeighborhood(area_id="VE-D01-C001")]
        session.add_all([rec, User(username="ana", role="editor")])
    tables = {(e.table_name, e.row_id) for e in _log(store)}
    assert tables == {("recommendations", "1"), ("recommendation_neighborhoods", "1,VE-D01-C001"),
                      ("users", "1")}  # fmt: skip


def test_a_flush_without_net_change_logs_nothing(store):
    with store.session(actor="ana") as session:
        session.add(Institution(code="DIF", name="DIF", kind="municipal"))
    with store.session(actor="bob") as session:
        inst = session.scalars(select(Institution)).one()
        inst.name = "DIF"  # same value
    assert len(_log(store)) == 1


def test_a_rolled_back_change_leaves_no_trail(store):
    def fail_after_flush() -> None:
        with store.session(actor="ana") as session:
            session.add(Institution(code="DIF", name="DIF", kind="municipal"))
            session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_after_flush()
    assert _log(store) == []


def test_status_events_and_log_cannot_be_changed_through_the_orm(store):
    with store.session(actor="ana") as session:
        rec = Recommendation(code="R-1", title="t", theme="youth")
        session.add(rec)
        session.flush()
        session.add(StatusEvent(recommendation=rec, status="not_started",
                                effective_on=dt.date(2023, 1, 1), author="ana"))  # fmt: skip
    with pytest.raises(AppendOnlyError), store.session(actor="eve") as session:
        session.scalars(select(StatusEvent)).one().status = "addressed"
    with pytest.raises(AppendOnlyError), store.session(actor="eve") as session:
        session.delete(session.scalars(select(StatusEvent)).one())
    with pytest.raises(AppendOnlyError), store.session(actor="eve") as session:
        session.scalars(select(AuditLog)).first().actor = "nobody"
    with store.session() as session:
        assert session.scalars(select(StatusEvent.status)).all() == ["not_started"]
    assert {e.actor for e in _log(store)} == {"ana"}
