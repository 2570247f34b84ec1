"""Register templates and imports: round trips, every problem reported, nothing half-imported."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from barrio.audit import recs_import, recs_query
from barrio.audit.recs_import import RegisterImportError, import_register
from barrio.audit.recs_io import register_rows, write_register
from barrio.fixtures.recommendations import write_recommendations
from tests.store import conftest as store_fixtures

store_url = store_fixtures.store_url
store = store_fixtures.store
sqlite_store = store_fixtures.sqlite_store
THEMES = {"youth", "robbery", "public_space"}

INSTITUTIONS = [["SSPM", "Seguridad Pública", "municipal"], ["DIF", "DIF", "municipal"]]
RECS = {  # header -> values of two recommendations
    "code": ["R-1", "R-2"], "title": ["Luminarias", "Deporte"],
    "theme": ["public_space", "youth"], "target": ["institution", "community"],
    "neighborhoods": ["A; B", "A"], "responsible": ["SSPM", "DIF"], "co_responsible": ["DIF", ""],
    "sdg_targets": ["11.7; 16.1", "16.1"], "iccs_codes": ["0401", ""],
    "priority": ["high", "low"], "horizon": ["short", "long"],
    "due_on": [dt.date(2023, 7, 1), dt.date(2025, 1, 1)], "public": ["yes", "no"],
    "internal_notes": ["", "solo equipo"], "registered_on": [dt.date(2023, 1, 16), None],
}  # fmt: skip
EVENTS = [
    ["R-1", "in_process", dt.date(2023, 3, 1), "Oficio", "", "", "Ana", "Luis", ""],
    ["R-1", "addressed", dt.date(2023, 9, 1), "", "https://example.org/acta", "", "Ana", "", ""],
    ["R-2", "not_started", dt.date(2023, 2, 1), "Registrada", "", "", "Ana", "", ""],
]


def _fill_workbook(path: Path) -> None:
    book = load_workbook(path)
    for row in INSTITUTIONS:
        book["institutions"].append(row)
    header = [c.value for c in book["recommendations"][1]]
    for i in range(2):
        book["recommendations"].append([RECS.get(h, [None, None])[i] for h in header])
    for row in EVENTS:
        book["status_events"].append(row)
    book.save(path)


def test_excel_template_has_one_header_row_lists_and_text_codes(sqlite_store, tmp_path):
    store = sqlite_store
    path = tmp_path / "plantilla.xlsx"
    with store.session() as s:
        write_register(path, register_rows(s), themes=THEMES)
    book = load_workbook(path)
    assert {"recommendations", "status_events", "institutions"} <= set(book.sheetnames)
    recs = book["recommendations"]
    assert recs.max_row == 1
    assert [c.value for c in recs[1]][:4] == ["code", "title", "description", "theme"]
    rules = {
        str(r.sqref).split(":")[0][0]: r.formula1 for r in recs.data_validations.dataValidation
    }
    assert rules["E"] == '"community,institution"'  # target
    assert rules["D"].startswith("lists!")  # theme from the codebook
    assert rules["H"].startswith("institutions!")  # responsible
    statuses = book["status_events"].data_validations.dataValidation[0].formula1
    assert statuses == '"not_started,in_process,addressed,not_implemented,discarded"'
    assert recs.column_dimensions["K"].number_format == "@"  # ICCS codes keep leading zeros
    assert book["lists"].sheet_state == "hidden"


def test_excel_template_round_trip(store, tmp_path):
    path = tmp_path / "plantilla.xlsx"
    with store.session() as s:
        write_register(path, register_rows(s), themes=THEMES)
    _fill_workbook(path)
    with store.session(actor="ana") as s:
        result = import_register(s, path, themes=THEMES, known_areas={"A", "B"})
    assert result.counts["recommendations"] == {"read": 2, "new": 2, "updated": 0, "unchanged": 0}
    assert result.counts["status_events"]["new"] == 3
    with store.session() as s:
        table = recs_query.list_recommendations(s, at=dt.date(2024, 1, 1)).set_index("code")
        r1 = recs_query.history(s, "R-1")
    assert table.loc["R-1", "status"] == "addressed"
    assert table.loc["R-2", "status"] == "not_started"
    assert table.loc["R-1", "neighborhoods"] == ["A", "B"]
    assert table.loc["R-1", "co_responsible"] == ["DIF"]
    assert table.loc["R-1", "sdg_targets"] == ["11.7", "16.1"]
    assert table.loc["R-1", "iccs_codes"] == ["0401"]
    assert not table.loc["R-2", "is_public"]
    assert [e["status"] for e in r1["events"]] == ["not_started", "in_process", "addressed"]
    assert r1["events"][0]["effective_on"] == dt.date(2023, 1, 16)  # registered_on
    assert r1["events"][2]["evidence_url"] == "https://example.org/acta"


def test_csv_template_round_trip(sqlite_store, tmp_path):
    store = sqlite_store
    folder = tmp_path / "plantilla"
    files = write_register(folder)
    assert [f.name for f in files] == ["recommendations.csv", "status_events.csv",
                                       "institutions.csv"]  # fmt: skip
    with (folder / "institutions.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(INSTITUTIONS)
    header = (folder / "recommendations.csv").read_text(encoding="utf-8").strip().split(",")
    with (folder / "recommendations.csv").open("a", encoding="utf-8", newline="") as fh:
        for i in range(2):
            csv.writer(fh).writerow([RECS.get(h, [None, None])[i] for h in header])
    with (folder / "status_events.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(EVENTS)
    with store.session() as s:
        result = import_register(s, folder)
    assert result.counts["institutions"]["new"] == 2
    assert result.counts["status_events"]["new"] == 3


def test_export_then_import_changes_nothing_and_copies_the_register(store, tmp_path):
    write_recommendations(tmp_path / "fixture", n=30)
    with store.session() as s:
        import_register(s, tmp_path / "fixture")
        before = recs_query.list_recommendations(s, at=dt.date(2024, 12, 31))
        write_register(tmp_path / "export.xlsx", register_rows(s))
    with store.session() as s:
        again = import_register(s, tmp_path / "export.xlsx")
    assert all(c["new"] == c["updated"] == 0 for c in again.counts.values())
    assert again.counts["status_events"]["unchanged"] == again.counts["status_events"]["read"]
    from barrio.store import open_store

    copy = open_store(tmp_path / "copy.db")
    with copy.session() as s:
        import_register(s, tmp_path / "export.xlsx")
        after = recs_query.list_recommendations(s, at=dt.date(2024, 12, 31))
    copy.close()
    columns = ["code", "title", "theme", "institution", "status", "since", "due_on",
               "neighborhoods", "co_responsible", "sdg_targets", "is_public",
               "internal_notes"]  # fmt: skip
    assert after[columns].to_dict("records") == before[columns].to_dict("records")


def test_a_changed_row_is_updated_and_audited(store, tmp_path):
    folder = tmp_path / "fixture"
    write_recommendations(folder, n=5)
    with store.session() as s:
        import_register(s, folder)
    text = (folder / "recommendations.csv").read_text(encoding="utf-8")
    first_title = text.splitlines()[1].split(",")[1]
    (folder / "recommendations.csv").write_text(text.replace(first_title, "Nuevo título", 1),
                                                encoding="utf-8")  # fmt: skip
    with store.session(actor="eva") as s:
        result = import_register(s, folder)
        log = recs_query.history(s, "R-001")
    assert result.counts["recommendations"] == {"read": 5, "new": 0, "updated": 1, "unchanged": 4}
    assert log["title"] == "Nuevo título"


def test_a_sheet_with_fewer_columns_changes_only_those(sqlite_store, tmp_path):
    store = sqlite_store
    write_recommendations(tmp_path / "fixture", n=5)
    with store.session() as s:
        import_register(s, tmp_path / "fixture")
        before = recs_query.history(s, "R-002")
    short = tmp_path / "recommendations.csv"
    short.write_text("code,title,theme,target,priority,horizon\n"
                     f"R-002,Otro título,{before['theme']},{before['target']},low,"
                     f"{before['horizon']}\n", encoding="utf-8")  # fmt: skip
    with store.session() as s:
        result = import_register(s, short)
        after = recs_query.history(s, "R-002")
    assert result.counts["recommendations"]["updated"] == 1
    assert (after["title"], after["priority"]) == ("Otro título", "low")
    for kept in ("neighborhoods", "co_responsible", "institution", "sdg_targets", "due_on"):
        assert after[kept] == before[kept]


BAD_RECS = """code,title,theme,target,responsible,priority,horizon,due_on,sdg_targets,neighborhoods
R-1,Luminarias,public_space,institution,SSPM,high,short,2023-07-01,16.1,A
R-2,Deporte,youth,comunidad,XYZ,high,short,31/02/2023,16.1,A
R-1,Copia,youth,community,SSPM,high,short,,,Z
R-3,,youth,community,SSPM,alta,short,,99.1,A
"""
BAD_EVENTS = """code,status,effective_on,evidence_text,author
R-1,in_process,2023-03-01,Oficio,Ana
R-1,discarded,2023-04-01,Baja,Ana
R-1,in_process,2023-05-01,Retomada,Ana
R-9,addressed,2023-05-01,Acta,Ana
R-1,addressed,2023-02-01,Acta,Ana
R-1,not_implemented,2023-06-01,,Ana
"""


def _bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "recommendations.csv").write_text(BAD_RECS, encoding="utf-8")
    (folder / "status_events.csv").write_text(BAD_EVENTS, encoding="utf-8")
    (folder / "institutions.csv").write_text("code,name\nSSPM,Seguridad\n", encoding="utf-8")
    return folder


def test_every_problem_is_reported_with_row_column_and_reason(sqlite_store, tmp_path):
    store = sqlite_store
    folder = _bad_folder(tmp_path)
    with pytest.raises(RegisterImportError) as info, store.session() as s:
        import_register(s, folder, known_areas={"A", "B"}, rejects_dir=tmp_path / "rejects",
                        run_id="run1")  # fmt: skip
    problems = {(p["sheet"], p["row"], p["column"], p["reason"])
                for p in info.value.details["problems"]}  # fmt: skip
    assert problems == {
        ("recommendations", 2, "target", "unknown_value"),
        ("recommendations", 2, "due_on", "bad_date"),
        ("recommendations", 4, "title", "missing_value"),
        ("recommendations", 4, "priority", "unknown_value"),
        ("recommendations", 4, "sdg_targets", "bad_sdg_target"),
    }  # cell problems first: cross-row checks run once every cell reads
    assert info.value.details["count"] == 5
    assert "nothing was imported" in info.value.message
    rejects = list(csv.DictReader((tmp_path / "rejects" / "run1.csv").open(encoding="utf-8")))
    assert len(rejects) == 5
    assert rejects[0]["fix"]


def test_cross_row_problems_are_reported_once_cells_are_clean(store, tmp_path):
    folder = _bad_folder(tmp_path)
    recs = BAD_RECS.replace("comunidad", "community").replace("31/02/2023", "2023-02-28")
    recs = recs.replace("R-3,,youth,community,SSPM,alta,short,,99.1,A",
                        "R-3,Talleres,youth,community,SSPM,high,short,,5.2,A")  # fmt: skip
    (folder / "recommendations.csv").write_text(recs, encoding="utf-8")
    with pytest.raises(RegisterImportError) as info, store.session() as s:
        import_register(s, folder, known_areas={"A", "B"})
    problems = {(p["sheet"], p["row"], p["column"], p["reason"])
                for p in info.value.details["problems"]}  # fmt: skip
    assert problems == {
        ("recommendations", 2, "responsible", "unknown_institution"),
        ("recommendations", 3, "code", "duplicate_key"),
        ("recommendations", 3, "neighborhoods", "unknown_area"),
        ("status_events", 3, "status", "bad_transition"),  # discarded -> in_process
        ("status_events", 4, "code", "unknown_recommendation"),
        ("status_events", 6, "evidence_text", "missing_evidence"),
    }  # row 5 (addressed on 2023-02-01) is valid: the file's events are taken in date order
    with store.session() as s:
        assert recs_query.load_frames(s).recommendations.empty


def test_new_events_must_follow_the_stored_ones(sqlite_store, tmp_path):
    store = sqlite_store
    folder = tmp_path / "fixture"
    write_recommendations(folder, n=3)
    with store.session() as s:
        import_register(s, folder)
        latest = recs_query.history(s, "R-002")["events"][-1]
    late = tmp_path / "late.csv"
    late.write_text(
        "code,status,effective_on,evidence_text,author\n"
        f"R-002,discarded,{latest['effective_on'] - dt.timedelta(days=1)},Baja,Ana\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterImportError) as info, store.session() as s:
        import_register(s, late)
    (problem,) = info.value.details["problems"]
    assert (problem["row"], problem["reason"]) == (1, "event_out_of_order")
    assert str(latest["effective_on"]) in problem["message"]


def test_a_failure_while_writing_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    write_recommendations(tmp_path / "fixture", n=10)

    def broken(session, sheet):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recs_import, "_apply_events", broken)
    with pytest.raises(RuntimeError), store.session() as s:
        import_register(s, tmp_path / "fixture")
    with store.session() as s:
        frames = recs_query.load_frames(s)
        assert frames.recommendations.empty
        assert frames.events.empty


def test_a_file_that_is_not_a_register(tmp_path, sqlite_store):
    store = sqlite_store
    other = tmp_path / "otra.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RegisterImportError, match="not a register file"), store.session() as s:
        import_register(s, other)
