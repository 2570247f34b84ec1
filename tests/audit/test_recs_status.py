"""Status is derived from append-only events: as-of logic, transitions, and a Hypothesis test
that random event sequences through the service always leave a derivable status."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from barrio.audit.recommendations import add_institution, create_recommendation, record_status
from barrio.audit.recs_status import (
    TRANSITIONS,
    RegisterError,
    check_sequence,
    check_transition,
    quarter_ends,
    status_as_of,
    status_at_dates,
)
from barrio.store import open_store
from barrio.store.register import STATUSES, StatusEvent
from barrio.store.trail import AuditLog

EVENTS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "recommendation_id": [10, 10, 10, 20, 20, 30],
        "status": ["not_started", "in_process", "addressed", "not_started", "not_implemented",
                   "not_started"],
        "effective_on": ["2023-01-10", "2023-05-01", "2023-05-01", "2023-01-10", "2023-09-15",
                         "2024-02-01"],
    }
)  # fmt: skip


def test_status_as_of_takes_latest_event_by_date_then_id():
    now = status_as_of(EVENTS, dt.date(2024, 12, 31))
    assert now["status"].tolist() == ["addressed", "not_implemented", "not_started"]
    assert now["since"].tolist() == [dt.date(2023, 5, 1), dt.date(2023, 9, 15), dt.date(2024, 2, 1)]


def test_status_as_of_a_past_date_and_before_registration():
    then = status_as_of(EVENTS, dt.date(2023, 4, 30))
    assert dict(zip(then["recommendation_id"], then["status"], strict=True)) == {
        10: "not_started", 20: "not_started"}  # 30 is not registered yet  # fmt: skip
    assert status_as_of(EVENTS, dt.date(2022, 1, 1)).empty


def test_ties_on_a_date_are_broken_by_id_not_by_row_order():
    shuffled = EVENTS.iloc[::-1]
    assert status_as_of(shuffled, dt.date(2023, 5, 1))["status"].tolist()[0] == "addressed"
    swapped = EVENTS.assign(id=[1, 3, 2, 4, 5, 6])  # in_process recorded after addressed
    assert status_as_of(swapped, dt.date(2023, 5, 1))["status"].tolist()[0] == "in_process"


def test_status_at_dates_equals_status_as_of_each_date():
    dates = [dt.date(2023, 1, 9), dt.date(2023, 1, 10), dt.date(2023, 5, 1), dt.date(2024, 6, 30)]
    grid = status_at_dates(EVENTS.assign(id=[1, 3, 2, 4, 5, 6]), dates)
    for day in dates:
        one = status_as_of(EVENTS.assign(id=[1, 3, 2, 4, 5, 6]), day)
        got = grid[grid["date"] == day]
        assert got["recommendation_id"].tolist() == one["recommendation_id"].tolist()
        assert got["status"].tolist() == one["status"].tolist()


def test_quarter_ends():
    ends = [dt.date(2023, 3, 31), dt.date(2023, 6, 30), dt.date(2023, 9, 30), dt.date(2023, 11, 2)]
    assert quarter_ends(dt.date(2023, 1, 16), dt.date(2023, 11, 2)) == ends


@pytest.mark.parametrize(
    ("previous", "new", "ok"),
    [
        (None, "in_process", True),
        ("not_started", "not_started", False),
        ("in_process", "in_process", True),
        ("addressed", "in_process", True),
        ("addressed", "not_implemented", False),
        ("not_implemented", "discarded", True),
        ("discarded", "in_process", False),
        ("discarded", "addressed", False),
    ],
)
def test_transitions(previous, new, ok):
    if ok:
        check_transition(previous, new)
    else:
        with pytest.raises(RegisterError, match=f"cannot go from {previous} to {new}"):
            check_transition(previous, new, code="R-1")


def test_discarded_is_final_and_unknown_status_names_the_allowed():
    assert TRANSITIONS["discarded"] == ()
    with pytest.raises(RegisterError, match="allowed next: none"):
        check_sequence(["not_started", "discarded", "in_process"])
    with pytest.raises(RegisterError, match="expected one of: not_started, in_process"):
        check_transition("in_process", "done")


# ---- Hypothesis: random event sequences through the service ---------------------------------

START = dt.date(2023, 1, 1)
steps = st.lists(
    st.tuples(st.sampled_from(STATUSES), st.integers(min_value=-20, max_value=60)),
    min_size=1,
    max_size=12,
)


@pytest.fixture(scope="module")
def hypo_store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("hypo") / "barrio.db")
    with store.session("test") as session:
        add_institution(session, code="SSPM", name="Seguridad")
    yield store
    store.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=steps)
def test_random_event_sequences_keep_status_derivable(hypo_store, sequence):
    """Whatever is attempted, accepted events are a valid sequence, the status is that of the
    last accepted one, rejected attempts change nothing, and events are never updated."""
    with hypo_store.session("test") as session:
        rec = create_recommendation(session, title="t", theme="youth", responsible="SSPM",
                                    registered_on=START)  # fmt: skip
        accepted = [("not_started", START)]
        day = START
        for status, delta in sequence:
            day_try = day + dt.timedelta(days=delta)
            if day_try > dt.date.today():
                continue
            expected = day_try >= day and status in TRANSITIONS[accepted[-1][0]]
            try:
                with session.begin_nested():
                    record_status(session, rec, status, on=day_try, evidence_text="e")
            except RegisterError:
                assert not expected, (accepted, status, day_try)
                continue
            assert expected, (accepted, status, day_try)
            accepted.append((status, day_try))
            day = day_try
        rec_id = rec.id
    check_sequence([s for s, _d in accepted])
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(accepted))
    with hypo_store.session("test") as session:
        stored = session.execute(
            select(StatusEvent.id, StatusEvent.recommendation_id, StatusEvent.status,
                   StatusEvent.effective_on).where(StatusEvent.recommendation_id == rec_id)
        ).all()  # fmt: skip
        changes = session.scalars(
            select(AuditLog.action).where(AuditLog.table_name == "status_events")
        ).all()
    frame = pd.DataFrame(stored, columns=["id", "recommendation_id", "status", "effective_on"])
    assert [(r.status, r.effective_on) for r in stored] == accepted
    assert status_as_of(frame)["status"].item() == accepted[-1][0]
    assert set(changes) == {"insert"}
