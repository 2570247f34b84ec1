"""Accounts, tokens, login-attempt counts and secret redaction on SQLite and PostgreSQL stores
(a server deployment shares one PostgreSQL store between worker processes)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from barrio.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = str(tmp_path / "b.db") if request.param == "sqlite" else request.getfixturevalue(
        "postgres_url"
    )  # fmt: skip
    opened = open_store(url)
    yield opened
    opened.close()


def test_accounts_tokens_and_redaction(store):
    from barrio.web.security import tokens
    from barrio.web.security.users import add_user, authenticate, set_password

    with store.session(actor="setup") as s:
        user = add_user(s, username="ana", role="admin", password="first long password")
        _record, secret = tokens.create_token(s, user, name="etl", days=1)
    with store.session(actor="setup") as s:
        set_password(s, "ana", "second long password")
    with store.session() as s:
        assert authenticate(s, "ana", "first long password") is None
        assert authenticate(s, "ana", "second long password").username == "ana"
        assert tokens.token_user(s, secret).username == "ana"
        assert tokens.token_user(s, secret + "x") is None
    with store.engine.connect() as c:
        logged = c.execute(text("SELECT before, after FROM audit_log")).all()
        hashes = c.execute(text("SELECT password_hash FROM users")).scalar_one()
    dump = repr(logged)
    assert "[redacted]" in dump
    assert "$argon2" not in dump
    assert hashes not in dump
    assert tokens.token_hash(secret) not in dump


def test_login_attempts_window(store):
    from barrio.web.security import ratelimit

    limits = {"attempts": 3, "window_seconds": 60}
    for _ in range(3):
        assert ratelimit.retry_after(store, "Ana", "10.0.0.1", **limits) is None
        ratelimit.record_failure(store, "Ana", "10.0.0.1", window_seconds=60)
    wait = ratelimit.retry_after(store, "ana", "10.0.0.1", **limits)  # usernames: any case
    assert wait is not None
    assert 55 <= wait <= 60
    assert ratelimit.retry_after(store, "ana", "10.0.0.2", **limits) is None
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=61)
    with store.engine.begin() as c:
        c.execute(text("UPDATE login_attempts SET at = :old"), {"old": old})
    assert ratelimit.retry_after(store, "ana", "10.0.0.1", **limits) is None
    ratelimit.record_failure(store, "ana", "10.0.0.1", window_seconds=60)  # purges the old ones
    with store.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM login_attempts")).scalar_one() == 1
    ratelimit.clear(store, "ana", "10.0.0.1")
    with store.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM login_attempts")).scalar_one() == 0
