"""Admin features: data upload with its validation report, evidence files, diagnosis findings,
assessment levels, user management."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.web.admin.conftest import EN, make_app, page_token, sign_in
from tests.web.admin.helpers import events_of, open_recommendations, query

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _warehouse_count(workspace: Path, table: str) -> int:
    import duckdb

    with duckdb.connect(str(workspace / "warehouse" / "barrio.duckdb"), read_only=True) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _uploads(workspace: Path) -> list[str]:
    folder = workspace / "sources" / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _post(client: Any, path: str, data: dict[str, Any], files: Any = None, page: str = "") -> Any:
    token = page_token(client, page or path)
    return client.post(
        path, data={**data, "csrf_token": token}, files=files, follow_redirects=False
    )


# --------------------------------------------------------------------------------- upload


@pytest.fixture(scope="module")
def upload_city(admin_city, tmp_path_factory) -> Path:
    """A private copy (uploads change the warehouse); no app holds it open."""
    import shutil

    root = tmp_path_factory.mktemp("upload") / "city"
    shutil.copytree(admin_city, root)
    return root


def test_upload_shows_the_validation_report(upload_city):
    from fastapi.testclient import TestClient

    area = query(upload_city, "SELECT area_id FROM recommendation_neighborhoods LIMIT 1")[0][0]
    csv = (
        "area_id,year,sex,age_group,population\n"
        f"{area},2031,F,0-14,100\n"
        f"{area},2031,M,0-14,-5\n"
        f"{area},2031,Q,15-29,80\n"
        f"{area},2031,M,15-29,90\n"
    )
    before = _warehouse_count(upload_city, "population")
    with TestClient(make_app(upload_city), headers=EN) as client:
        assert sign_in(client, "analyst").status_code == 303
        response = _post(
            client, "/admin/upload", {"kind": "population"},
            files={"file": ("censo 2031.csv", csv.encode(), "text/csv")},
        )  # fmt: skip
    assert response.status_code == 200, response.text
    html = response.text
    counts = {k: _cell(html, k) for k in ("read", "accepted", "rejected")}
    assert counts == {"read": "4", "accepted": "2", "rejected": "2"}
    problems = html.split('class="admin-table problems"', 1)[1]
    assert "<td>2</td><td>population</td><td>-5</td>" in problems  # data rows from 1
    assert "<td>3</td><td>sex</td><td>Q</td>" in problems
    assert _warehouse_count(upload_city, "population") == before + 2
    assert any(name.endswith("censo 2031.csv") for name in _uploads(upload_city))


def _cell(html: str, key: str) -> str:
    marker = f'data-count="{key}">'
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_failed_upload_leaves_the_workspace_unchanged(upload_city):
    from fastapi.testclient import TestClient

    before = (_warehouse_count(upload_city, "population"), _uploads(upload_city))
    runs = _warehouse_count(upload_city, "ingest_runs")
    with TestClient(make_app(upload_city), headers=EN) as client:
        sign_in(client, "analyst")
        response = _post(
            client, "/admin/upload", {"kind": "population"},
            files={"file": ("bad.csv", b"area,anio\nx,2020\n", "text/csv")},
        )  # fmt: skip
        assert response.status_code == 400
        assert "Nothing was loaded" in response.text
        api = client.post(
            "/api/v1/admin/uploads", data={"kind": "population", "mapping": "../../etc/passwd"},
            files={"file": ("p.csv", b"x", "text/csv")},
            headers={"X-CSRF-Token": page_token(client)},
        )  # fmt: skip
        assert api.status_code == 400
        assert api.json()["ok"] is False
    after = (_warehouse_count(upload_city, "population"), _uploads(upload_city))
    assert after == before
    assert _warehouse_count(upload_city, "ingest_runs") == runs


# ------------------------------------------------------------------------------- evidence


def test_status_with_an_evidence_file_is_served_publicly(clients, admin_city):
    code = open_recommendations(admin_city, "SSPM")[3]
    client = clients("editor_a")
    response = _post(
        client, f"/admin/recommendations/{code}/status",
        {"status": "in_process", "evidence_text": "Signed agreement",
         "evidence_url": "https://example.org/acta"},
        files={"evidence_file": ("../../acta firmada.pdf", PDF, "text/html")},
        page=f"/admin/recommendations/{code}",
    )  # fmt: skip
    assert response.status_code == 303, response.text
    status, author, text, url, name = events_of(admin_city, code)[-1]
    assert (status, author, text, url) == (
        "in_process",
        "editor_a",
        "Signed agreement",
        "https://example.org/acta",
    )
    assert name.startswith("ev-")
    assert name.endswith(".pdf")
    assert "/" not in name
    assert (admin_city / "evidence" / name).read_bytes() == PDF
    stored = query(admin_city, "SELECT original_name, content_type, size, uploaded_by "
                   "FROM evidence_files WHERE name = :n", n=name)  # fmt: skip
    assert stored == [("acta firmada.pdf", "application/pdf", len(PDF), "editor_a")]
    served = clients("anonymous").get(f"/evidence/{name}")
    assert served.status_code == 200
    assert served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in served.headers["content-security-policy"]
    assert clients("anonymous").get("/evidence/ev-" + "0" * 32 + ".pdf").status_code == 404
    assert clients("anonymous").get("/evidence/..%2Fbarrio.db").status_code == 404


@pytest.mark.parametrize(
    ("filename", "content", "reason"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not a valid .pdf"),
        ("tool.exe", b"MZ\x90\x00", "not accepted as evidence"),
        ("page.html", b"<html></html>", "not accepted as evidence"),
    ],
)
def test_evidence_files_outside_the_allow_list_are_refused(
    clients, admin_city, filename, content, reason
):
    code = open_recommendations(admin_city, "SSPM")[4]
    before = (events_of(admin_city, code), sorted((admin_city / "evidence").glob("*")))
    response = _post(
        clients("editor_a"), f"/admin/recommendations/{code}/status",
        {"status": "in_process", "evidence_text": "x"},
        files={"evidence_file": (filename, content, "application/pdf")},
        page=f"/admin/recommendations/{code}",
    )  # fmt: skip
    assert response.status_code == 400
    assert reason in response.text
    assert (events_of(admin_city, code), sorted((admin_city / "evidence").glob("*"))) == before


def test_evidence_size_limit_and_link_scheme(admin_city):
    from fastapi.testclient import TestClient

    code = open_recommendations(admin_city, "SSPM")[4]
    before = events_of(admin_city, code)
    with TestClient(make_app(admin_city, evidence_max_mb=1), headers=EN) as client:
        sign_in(client, "editor_a")
        big = PDF + b"0" * (1024 * 1024)
        response = _post(
            client, f"/admin/recommendations/{code}/status",
            {"status": "in_process", "evidence_text": "x"},
            files={"evidence_file": ("big.pdf", big, "application/pdf")},
            page=f"/admin/recommendations/{code}",
        )  # fmt: skip
        assert response.status_code == 400
        assert "larger than 1 MB" in response.text
        response = _post(
            client, f"/admin/recommendations/{code}/status",
            {"status": "in_process", "evidence_url": "javascript:alert(1)"},
            page=f"/admin/recommendations/{code}",
        )  # fmt: skip
        assert response.status_code == 400
    assert events_of(admin_city, code) == before


def test_invalid_transition_is_reported_on_the_form(clients, admin_city):
    code = open_recommendations(admin_city, "SSPM")[4]
    response = _post(
        clients("editor_a"), f"/admin/recommendations/{code}/status",
        {"status": "in_process"},  # no evidence
        page=f"/admin/recommendations/{code}",
    )  # fmt: skip
    assert response.status_code == 400
    assert "needs evidence" in response.text


# ------------------------------------------------------------------------------ diagnosis


def test_record_a_diagnosis_finding(clients, admin_city):
    activity, area = query(admin_city, "SELECT code, area_id FROM diagnosis_activities LIMIT 1")[0]
    theme = query(admin_city, "SELECT theme FROM findings LIMIT 1")[0][0]
    count = query(admin_city, "SELECT count(*) FROM findings")[0][0]
    client = clients("analyst")
    values = {"activity_id": activity, "kind": "threat", "theme": theme,
              "description": "Poor lighting on the bridge", "intensity": "4"}  # fmt: skip
    response = _post(client, "/admin/diagnosis/findings", values, page="/admin/diagnosis")
    assert response.status_code == 200
    assert "recorded" in response.text
    row = query(admin_city, "SELECT code, kind, theme, intensity, area_id, coder FROM findings "
                "ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    assert row[1:] == ("threat", theme, 4, area, "analyst")
    assert query(admin_city, "SELECT actor FROM audit_log WHERE table_name = 'findings' "
                 "AND row_id = (SELECT max(id) FROM findings)") == [("analyst",)]  # fmt: skip
    bad = _post(client, "/admin/diagnosis/findings", {**values, "theme": "no_such_theme",
                "intensity": "9"}, page="/admin/diagnosis")  # fmt: skip
    assert bad.status_code == 400
    assert query(admin_city, "SELECT count(*) FROM findings")[0][0] == count + 1


# ----------------------------------------------------------------------------- assessment


def test_record_an_assessment_level_with_evidence(clients, admin_city):
    code, item, level = query(
        admin_city,
        "SELECT a.code, i.item, i.level FROM assessment_items i "
        "JOIN assessments a ON a.id = i.assessment_id ORDER BY i.item LIMIT 1",
    )[0]
    new = (level + 1) % 5
    response = _post(
        clients("analyst"), "/admin/assessment/levels",
        {"code": code, "item": item, "level": str(new), "evidence": "Minutes of 3 May"},
        page="/admin/assessment",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    stored = query(
        admin_city,
        "SELECT i.level, i.evidence FROM assessment_items i JOIN assessments a "
        "ON a.id = i.assessment_id WHERE a.code = :c AND i.item = :i", c=code, i=item,
    )  # fmt: skip
    assert stored == [(new, "Minutes of 3 May")]
    actors = query(
        admin_city,
        "SELECT DISTINCT actor FROM audit_log WHERE "
        "table_name = 'assessment_items' AND id > (SELECT max(id) - 5 FROM audit_log)",
    )
    assert ("analyst",) in actors
    bad = _post(
        clients("analyst"),
        "/admin/assessment/levels",
        {"code": code, "item": item, "level": "7"},
        page="/admin/assessment",
    )
    assert bad.status_code == 400


# ---------------------------------------------------------------------------------- users


def test_admin_manages_users(clients, admin_city):
    client = clients("admin")
    response = _post(
        client, "/admin/users",
        {"username": "new_editor", "role": "editor", "institution": "DIF",
         "password": "a fresh long password"},
        page="/admin/users",
    )  # fmt: skip
    assert response.status_code == 200
    assert "new_editor" in response.text
    row = query(admin_city, "SELECT u.role, i.code, u.active FROM users u JOIN institutions i "
                "ON i.id = u.institution_id WHERE u.username = 'new_editor'")  # fmt: skip
    assert row == [("editor", "DIF", 1)]
    missing = _post(client, "/admin/users/new_editor/role", {"role": "editor"},
                    page="/admin/users")  # fmt: skip
    assert missing.status_code == 400  # an editor needs an institution
    _post(client, "/admin/users/new_editor/active", {"active": "0"}, page="/admin/users")
    assert query(admin_city, "SELECT active FROM users WHERE username = 'new_editor'") == [(0,)]
    from fastapi.testclient import TestClient

    with TestClient(client.app, headers=EN) as other:
        assert sign_in(other, "new_editor", "a fresh long password").status_code == 401
    own = _post(client, "/admin/users/admin/active", {"active": "0"}, page="/admin/users")
    assert own.status_code == 400
    assert query(admin_city, "SELECT actor FROM audit_log WHERE table_name = 'users' "
                 "ORDER BY id DESC LIMIT 1") == [("admin",)]  # fmt: skip


def test_evidence_of_an_internal_recommendation_is_not_public(clients, admin_city):
    code = open_recommendations(admin_city, "DESOC", public=False)[0]
    response = _post(
        clients("editor_b"), f"/admin/recommendations/{code}/status",
        {"status": "in_process", "evidence_text": "internal"},
        files={"evidence_file": ("nota.txt", "Acta de la reunión".encode(), "text/plain")},
        page=f"/admin/recommendations/{code}",
    )  # fmt: skip
    assert response.status_code == 303, response.text
    name = events_of(admin_city, code)[-1][4]
    assert clients("anonymous").get(f"/evidence/{name}").status_code == 404
    served = clients("viewer").get(f"/evidence/{name}")
    assert served.status_code == 200
    assert served.text == "Acta de la reunión"
