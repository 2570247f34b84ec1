"""The register's service functions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from barrio.audit import recs_query as query
from barrio.audit.recommendations import (
    add_institution,
    create_recommendation,
    current_status,
    get_recommendation,
    record_status,
    set_links,
    update_recommendation,
)
from barrio.audit.recs_status import RegisterError
from barrio.store.trail import AuditLog
from tests.store import conftest as store_fixtures

store_url = store_fixtures.store_url
store = store_fixtures.store
sqlite_store = store_fixtures.sqlite_store
D = dt.date


@pytest.fixture
def register(store):
    """The hand-built register of :func:`fill` on each backend."""
    return fill(store)


@pytest.fixture
def sqlite_register(sqlite_store):
    """The same register on SQLite only (for rules checked in Python, before the database)."""
    return fill(sqlite_store)


def fill(store):
    """Three institutions and four recommendations with known histories (as of 2024-06-30):
    R-001 addressed, R-002 in process (due 2023-12-31), R-003 not implemented (due 2024-01-31,
    internal), R-004 discarded (due 2023-06-30)."""
    with store.session(actor="ana") as s:
        for code in ("SSPM", "DIF", "OBRAS"):
            add_institution(s, code=code, name=f"Institución {code}")
        specs = [
            ("Luminarias", "public_space", "OBRAS", ["SSPM"], ["A", "B"], D(2023, 6, 30)),
            ("Deporte nocturno", "youth", "DIF", [], ["A"], D(2023, 12, 31)),
            ("Patrullaje", "robbery", "SSPM", ["DIF"], ["C"], D(2024, 1, 31)),
            ("Cámaras", "robbery", "SSPM", [], [], D(2023, 6, 30)),
        ]
        for i, (title, theme, resp, co, hoods, due) in enumerate(specs):
            create_recommendation(
                s, title=title, theme=theme, responsible=resp, co_responsible=co,
                neighborhoods=hoods, due_on=due, registered_on=D(2023, 1, 16),
                sdg_targets="16.1; 11.7", iccs_codes=["0401"], is_public=i != 2,
                internal_notes="nota interna" if i == 2 else "",
            )  # fmt: skip
        steps = [("R-001", "in_process", D(2023, 3, 1)), ("R-001", "addressed", D(2023, 9, 1)),
                 ("R-002", "in_process", D(2023, 5, 1)),
                 ("R-003", "not_implemented", D(2024, 2, 1)),
                 ("R-004", "discarded", D(2023, 4, 1))]  # fmt: skip
        for code, status, on in steps:
            record_status(s, code, status, on=on, evidence_text=f"evidencia {code}",
                          reviewer="Contraloría", internal_note="solo equipo")  # fmt: skip
    return store


def test_create_registers_a_not_started_event_and_numbers_codes(register):
    with register.session(actor="luis") as s:
        rec = create_recommendation(s, title="Nueva", theme="youth", source="assessment",
                                    source_ref="2.3", registered_on=D(2024, 1, 2))  # fmt: skip
        assert rec.code == "R-005"
        assert [(e.status, e.effective_on, e.author) for e in rec.events] == [
            ("not_started", D(2024, 1, 2), "luis")]  # fmt: skip
        assert (rec.source, rec.source_ref) == ("assessment", "2.3")
        assert current_status(s, get_recommendation(s, "R-001")) == "addressed"
        actors = set(
            s.scalars(
                select(AuditLog.actor).where(
                    AuditLog.table_name == "recommendations", AuditLog.row_id == str(rec.id)
                )
            )
        )
    assert actors == {"luis"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"code": "R-001"}, "already exists"),
        ({"responsible": "NOPE"}, "unknown institution 'NOPE'; known: DIF, OBRAS, SSPM"),
        ({"sdg_targets": "16.1; 18.2"}, "not an SDG target: 18.2"),
        ({"iccs_codes": ["9999"]}, "not an ICCS code: 9999"),
        ({"priority": "urgent"}, "expected one of: high, medium, low"),
        ({"colour": "red"}, "unknown recommendation field"),
        ({"themes": {"youth"}, "theme": "robbery"}, "not in the codebook"),
    ],
)
def test_create_rejects_bad_values_with_a_clear_message(sqlite_register, kwargs, match):
    register = sqlite_register
    values = {"title": "x", "theme": "youth", **kwargs}
    with pytest.raises(RegisterError, match=match), register.session() as s:
        create_recommendation(s, **values)
    with register.session() as s:
        assert query.load_frames(s).recommendations.shape[0] == 4  # nothing half-written


@pytest.mark.parametrize(
    ("code", "status", "on", "match"),
    [
        ("R-004", "in_process", D(2024, 1, 1), "cannot go from discarded to in_process"),
        ("R-001", "not_implemented", D(2024, 1, 1), "allowed next: in_process"),
        ("R-002", "addressed", D(2023, 4, 1), "before its latest event"),
        ("R-002", "addressed", D(2099, 1, 1), "date is in the future"),
        ("R-002", "addressed", D(2024, 1, 1), "needs evidence"),
        ("R-009", "addressed", D(2024, 1, 1), "no recommendation with code"),
    ],
)
def test_invalid_status_changes_are_rejected(sqlite_register, code, status, on, match):
    register = sqlite_register
    evidence = "" if match == "needs evidence" else "acta"
    with pytest.raises(RegisterError, match=match), register.session() as s:
        record_status(s, code, status, on=on, evidence_text=evidence)


def _finding(session, finding_id: int) -> None:
    from barrio.store.diagnosis import Activity, Finding

    activity = Activity(code=f"A{finding_id}", kind="focus_group", held_on=D(2023, 3, 1),
                        area_id="B", facilitator="Ana")  # fmt: skip
    session.add(Finding(id=finding_id, code=f"F{finding_id}", activity=activity, kind="threat",
                        theme="robbery", description="x", intensity=3, area_id="B",
                        segment="s1"))  # fmt: skip
    session.flush()


def test_updates_keep_unchanged_links_and_log_only_real_changes(register):
    with register.session(actor="setup") as s:
        _finding(s, 7)
    with register.session(actor="eva") as s:
        rec = get_recommendation(s, "R-001")
        assert not update_recommendation(s, rec, title="Luminarias")
        assert update_recommendation(s, rec, title="Luminarias LED", priority="high")
        set_links(s, rec, "OBRAS", ["SSPM"], ["B", "D"], [7])
    with register.session() as s:
        rows = s.execute(select(AuditLog.table_name, AuditLog.action, AuditLog.row_id,
                                AuditLog.before, AuditLog.after)
                         .where(AuditLog.actor == "eva").order_by(AuditLog.id)).all()  # fmt: skip
    changes = {(t, a, r) for t, a, r, _b, _a in rows}
    assert changes == {
        ("recommendations", "update", "1"),
        ("recommendation_neighborhoods", "insert", "1,D"),
        ("recommendation_neighborhoods", "delete", "1,A"),
        ("recommendation_findings", "insert", "1,7"),
    }
    update = next(r for r in rows if r[1] == "update")
    assert update[3] == {"title": "Luminarias", "priority": "medium"}
    assert update[4] == {"title": "Luminarias LED", "priority": "high"}


def test_links_to_unknown_findings_are_refused(sqlite_register):
    with sqlite_register.session() as s:
        rec = get_recommendation(s, "R-001")
        with pytest.raises(RegisterError, match="unknown diagnosis finding"):
            set_links(s, rec, "OBRAS", [], ["A"], [99])


def test_list_filters(register):
    at = D(2024, 6, 30)
    with register.session() as s:

        def codes(**kw):
            return query.list_recommendations(s, at=at, **kw)["code"].tolist()

        assert codes() == ["R-001", "R-002", "R-003", "R-004"]
        assert codes(theme="robbery") == ["R-003", "R-004"]
        assert codes(institution="SSPM") == ["R-001", "R-003", "R-004"]  # co-responsible too
        assert codes(neighborhood="A") == ["R-001", "R-002"]
        assert codes(status="in_process") == ["R-002"]
        past = query.list_recommendations(s, at=D(2023, 2, 1))
        assert set(past["status"]) == {"not_started"}
        assert query.list_recommendations(s, at=D(2023, 1, 1)).empty
        with pytest.raises(RegisterError, match="unknown status"):
            codes(status="done")


def test_overdue_lists_past_due_not_addressed_nor_discarded(register):
    with register.session() as s:
        late = query.overdue(s, at=D(2024, 6, 30))
        assert late[["code", "status", "days_overdue"]].values.tolist() == [
            ["R-002", "in_process", 182], ["R-003", "not_implemented", 151]]  # fmt: skip
        assert query.overdue(s, at=D(2023, 12, 31)).empty  # R-004 discarded, R-001 addressed
        assert query.overdue(s, at=D(2024, 6, 30), view="public")["code"].tolist() == ["R-002"]


def test_public_view_hides_internal_records_and_notes(register):
    with register.session() as s:
        public = query.list_recommendations(s, view="public")
        internal = query.list_recommendations(s)
        assert "R-003" not in public["code"].tolist()
        assert "internal_notes" in internal.columns
        assert not {"internal_notes", "is_public"} & set(public.columns)
        record = query.history(s, "R-001", view="public")
        assert [e["status"] for e in record["events"]] == ["not_started", "in_process", "addressed"]
        assert all(not {"internal_note", "author", "reviewer"} & set(e) for e in record["events"])
        assert query.history(s, "R-001")["events"][1]["internal_note"] == "solo equipo"
        with pytest.raises(RegisterError, match="no recommendation"):
            query.history(s, "R-003", view="public")
        summary = query.summary(s, at=D(2024, 6, 30), view="public")
    assert summary.total == 3


def test_summary_as_of_dates(register):
    with register.session() as s:
        end = query.summary(s, at=D(2024, 6, 30))
        counts = end.by_status.set_index("status")["count"].to_dict()
        assert counts == {"not_started": 0, "in_process": 1, "addressed": 1,
                          "not_implemented": 1, "discarded": 1}  # fmt: skip
        assert end.over_time["date"].iloc[0] == D(2023, 3, 31)
        assert end.over_time["date"].iloc[-1] == D(2024, 6, 30)
        assert end.to_dict()["by_status"][2] == {"status": "addressed", "count": 1, "share": 0.25}
