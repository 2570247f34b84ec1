"""Diagnosis template, validation and import: round trip, all-or-nothing, idempotence."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from barrio.audit.codebook import load_codebook
from barrio.audit.diagnosis import validate
from barrio.audit.diagnosis_store import import_diagnosis, load_activities, load_findings
from barrio.audit.template import write_template
from barrio.errors import IngestError, InputError
from barrio.store.session import open_store

TODAY = dt.date(2025, 6, 1)
AREAS = {"N1", "N2", "N3"}
ACTIVITIES = [
    # activity_id, kind, date, area_id, facilitator, women, men, other, <18, 18-29, 30-59, 60+
    ["A1", "focus_group", "12/03/2025", "N1", "Lucía", 6, 4, 0, 0, 5, 4, 1],
    ["A2", "recorrido nocturno", "2025-03-14", "N2", "Jorge", 3, 3, None, None, None, None, None],
]
FINDINGS = [
    # id, activity, kind, theme, description, intensity, group, area, lon, lat, segment, coder, 2nd
    ["F1", "A1", "threat", "robbery", "Asaltos en la parada", 4, None, None, -100.4, 20.6, None,
     "ana", "no"],
    ["F2", "A1", "amenaza", "Violencia de género", "Acoso en el puente", 5, "women", None, None,
     None, None, "ana", None],
    ["F3", "A2", "vulnerability", "public_space", "Sin alumbrado", 3, None, "N3", None, None, None,
     "luis", "no"],
    ["F1-2", "A1", "threat", "theft", "Robo en la parada", 3, None, None, None, None, "F1",
     "marta", "sí"],
]  # fmt: skip


def _fill(path, activities=ACTIVITIES, findings=FINDINGS, locale="en"):
    write_template(path, load_codebook(), locale=locale)
    wb = load_workbook(path)
    sheets = ("activities", "findings") if locale == "en" else ("actividades", "hallazgos")
    for name, rows in zip(sheets, (activities, findings), strict=True):
        for row in rows:
            wb[name].append(row)
    wb.save(path)
    return path


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "barrio.db") as s:
        yield s


@pytest.mark.parametrize("locale", ["en", "es"])
def test_template_round_trip(tmp_path, store, locale):
    path = _fill(tmp_path / "diag.xlsx", locale=locale)
    result = import_diagnosis(
        store, [path], codebook=load_codebook(), known_areas=AREAS, today=TODAY, actor="ana"
    )
    assert result["activities"] == {"new": 2}
    assert result["findings"] == {"new": 4}
    acts = load_activities(store).set_index("code")
    assert acts.loc["A2", "kind"] == "safety_walk_night"  # Spanish alias
    assert acts.loc["A1", "held_on"] == dt.date(2025, 3, 12)
    assert acts.loc["A1", "participants_18_29"] == 5
    assert pd.isna(acts.loc["A2", "participants_other"])
    f = load_findings(store).set_index("code")
    assert f.loc["F2", "kind"] == "threat"
    assert f.loc["F2", "theme"] == "gender_violence"
    assert f.loc["F1", "population_group"] == "general"  # default
    assert f.loc["F1", "area_id"] == "N1"
    assert f.loc["F3", "area_id"] == "N3"
    assert f.loc["F1", "segment"] == "F1"
    assert f.loc["F1-2", "segment"] == "F1"
    assert bool(f.loc["F1-2", "second_coding"])
    assert not bool(f.loc["F1", "second_coding"])
    assert f.loc["F1", "lon"] == pytest.approx(-100.4)
    assert f.loc["F1", "activity_kind"] == "focus_group"


def test_csv_template_round_trip(tmp_path, store):
    files = write_template(tmp_path / "csv", load_codebook(), locale="en")
    assert {p.name for p in files} == {"activities.csv", "findings.csv", "themes.csv",
                                       "values.csv"}  # fmt: skip
    acts, finds = tmp_path / "csv" / "activities.csv", tmp_path / "csv" / "findings.csv"
    for path, rows in ((acts, ACTIVITIES), (finds, FINDINGS)):
        width = len(path.read_text(encoding="utf-8").splitlines()[0].split(","))
        padded = [list(r) + [None] * (width - len(r)) for r in rows]
        body = "\n".join(",".join("" if v is None else str(v) for v in r) for r in padded)
        path.write_text(path.read_text(encoding="utf-8") + body + "\n", encoding="utf-8")
    result = import_diagnosis(store, [finds, acts], codebook=load_codebook(), today=TODAY)
    assert result["findings"] == {"new": 4}


def test_reimport_is_idempotent_and_edits_are_updates(tmp_path, store):
    path = _fill(tmp_path / "d.xlsx")
    book = load_codebook()
    import_diagnosis(store, [path], codebook=book, today=TODAY)
    again = import_diagnosis(store, [path], codebook=book, today=TODAY)
    assert again["activities"] == {"unchanged": 2}
    assert again["findings"] == {"unchanged": 4}
    edited = [list(r) for r in FINDINGS]
    edited[0][5] = 2
    changed = import_diagnosis(store, [_fill(tmp_path / "e.xlsx", findings=edited)],
                               codebook=book, today=TODAY)  # fmt: skip
    assert changed["findings"] == {"updated": 1, "unchanged": 3}
    assert load_findings(store).set_index("code").loc["F1", "intensity"] == 2


def test_findings_may_refer_to_activities_imported_before(tmp_path, store):
    book = load_codebook()
    import_diagnosis(store, [_fill(tmp_path / "a.xlsx", findings=[])], codebook=book, today=TODAY)
    result = import_diagnosis(
        store, [_fill(tmp_path / "f.xlsx", activities=[])], codebook=book, today=TODAY
    )
    assert result["findings"] == {"new": 4}


BAD_ACTIVITIES = [
    ["A1", "focus_group", "31/02/2025", "N1", "Lucía", 6, 4, 0, 0, 5, 4, 2],  # date, sum 10 vs 11
    ["A1", "picnic", "2099-01-01", "N9", None, -1, "x", None, None, None, None, None],
]
BAD_FINDINGS = [
    ["F1", "A7", "threat", "dragons", None, 6, "aliens", None, 200, None, None, "ana", "maybe"],
    ["F1", "A1", "risk", "robbery", "ok", 2.5, None, None, None, None, "nope", "ana", "yes"],
]  # fmt: skip
EXPECTED = {
    ("activities", 1, "date", "bad_date"),
    ("activities", 1, "participants_women", "participants_mismatch"),
    ("activities", 2, "activity_id", "duplicate_key"),
    ("activities", 2, "kind", "unknown_value"),
    ("activities", 2, "date", "future_date"),
    ("activities", 2, "area_id", "unknown_area"),
    ("activities", 2, "facilitator", "missing_value"),
    ("activities", 2, "participants_women", "negative_value"),
    ("activities", 2, "participants_men", "bad_integer"),
    ("findings", 1, "activity_id", "unknown_activity"),
    ("findings", 1, "theme", "unknown_theme"),
    ("findings", 1, "description", "missing_value"),
    ("findings", 1, "intensity", "bad_intensity"),
    ("findings", 1, "population_group", "unknown_value"),
    ("findings", 1, "lat", "partial_coordinates"),
    ("findings", 1, "lon", "bad_coordinates"),
    ("findings", 1, "second_coding", "bad_boolean"),
    ("findings", 2, "finding_id", "duplicate_key"),
    ("findings", 2, "kind", "unknown_value"),
    ("findings", 2, "intensity", "bad_integer"),
    ("findings", 2, "segment", "orphan_second_coding"),
}


def test_every_rule_reports_file_row_column_reason_and_fix(tmp_path):
    from barrio.audit.diagnosis_files import read_diagnosis_files

    path = _fill(tmp_path / "bad.xlsx", BAD_ACTIVITIES, BAD_FINDINGS)
    batch = validate(read_diagnosis_files([path]), codebook=load_codebook(), today=TODAY,
                     known_areas=AREAS)  # fmt: skip
    found = set(batch.problems[["sheet", "row", "column", "reason"]].itertuples(index=False))
    assert found == EXPECTED
    assert (batch.problems["file"] == "bad.xlsx").all()
    assert batch.problems["fix"].str.len().gt(0).all()
    theme = batch.problems[batch.problems["reason"] == "unknown_theme"].iloc[0]
    assert theme["value"] == "dragons"
    assert "robbery" in theme["fix"]


def test_same_coder_cannot_second_code(tmp_path):
    rows = [list(FINDINGS[0]), list(FINDINGS[3])]
    rows[1][11] = "ana"
    from barrio.audit.diagnosis_files import read_diagnosis_files

    batch = validate(read_diagnosis_files([_fill(tmp_path / "s.xlsx", findings=rows)]),
                     codebook=load_codebook(), today=TODAY)  # fmt: skip
    assert batch.problems["reason"].tolist() == ["same_coder"]


def test_nothing_is_half_imported(tmp_path, store):
    findings = [*FINDINGS, ["F9", "A1", "threat", "robbery", "x", 9, None, None, None, None,
                            None, "ana", "no"]]  # fmt: skip
    path = _fill(tmp_path / "d.xlsx", findings=findings)
    with pytest.raises(IngestError) as info:
        import_diagnosis(store, [path], codebook=load_codebook(), today=TODAY,
                         rejects_dir=tmp_path / "rejects")  # fmt: skip
    error = info.value
    assert "row 5, intensity" in error.message
    assert "nothing was imported" in error.message
    assert error.details["problems"] == 1
    assert error.details["reasons"] == {"bad_intensity": 1}
    rejects = pd.read_csv(error.details["rejects_file"])
    assert rejects[["row", "column", "reason"]].values.tolist() == [[5, "intensity",
                                                                     "bad_intensity"]]  # fmt: skip
    assert load_activities(store).empty
    assert load_findings(store).empty


def test_files_without_diagnosis_tables_are_refused(tmp_path):
    from barrio.audit.diagnosis_files import read_diagnosis_files

    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="neither"):
        read_diagnosis_files([other])
    missing = tmp_path / "acts.csv"
    missing.write_text("activity_id,kind,date\nA1,interview,01/01/2025\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column for area_id, facilitator"):
        validate(read_diagnosis_files([missing]), codebook=load_codebook(), today=TODAY)


def test_import_is_audit_logged(tmp_path, store):
    from sqlalchemy import func, select

    from barrio.store.trail import AuditLog

    import_diagnosis(store, [_fill(tmp_path / "d.xlsx")], codebook=load_codebook(), today=TODAY,
                     actor="ana")  # fmt: skip
    with store.session() as s:
        rows = s.execute(
            select(AuditLog.table_name, func.count()).where(AuditLog.actor == "ana")
            .group_by(AuditLog.table_name)
        ).all()  # fmt: skip
    assert dict(rows) == {"diagnosis_imports": 1, "diagnosis_activities": 2, "findings": 4}
