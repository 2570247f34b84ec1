"""The diagnosis and assessment tables on a real PostgreSQL server (revision 0002_diagnosis)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import inspect

from barrio.audit.codebook import load_codebook
from barrio.store.session import open_store

from .test_diagnosis import TODAY, _fill

TABLES = {"diagnosis_imports", "diagnosis_activities", "findings", "assessments",
          "assessment_items"}  # fmt: skip


def _compare(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from barrio.store.models import Base

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    # PostGIS' own table is not one of ours
    return [d for d in diffs if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_matches_models_and_downgrades(request, tmp_path, backend):
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else tmp_path / "b.db"
    from barrio.store.migrate import head_revision

    with open_store(url) as store:
        assert store.revision() == head_revision()
        assert set(inspect(store.engine).get_table_names()) >= TABLES
        assert _compare(store) == []
        store.downgrade("0001_register")
        assert not TABLES & set(inspect(store.engine).get_table_names())
        store.upgrade()
        assert store.revision() == head_revision()


def test_import_and_assessment_on_postgres(tmp_path, postgres_url):
    from barrio.audit.assessment import load_instrument
    from barrio.audit.assessment_store import load_assessment, save_assessment
    from barrio.audit.diagnosis_store import import_diagnosis, load_findings
    from barrio.errors import IngestError

    with open_store(postgres_url) as store:
        result = import_diagnosis(store, [_fill(tmp_path / "d.xlsx")], codebook=load_codebook(),
                                  today=TODAY, actor="ana")  # fmt: skip
        assert result["findings"] == {"new": 4}
        bad = _fill(tmp_path / "bad.xlsx", findings=[["F9", "A1", "threat", "robbery", "x", 0]])
        with pytest.raises(IngestError):
            import_diagnosis(store, [bad], codebook=load_codebook(), today=TODAY)
        findings = load_findings(store)
        assert sorted(findings["code"]) == ["F1", "F1-2", "F2", "F3"]  # bad file left no trace
        inst = load_instrument()
        levels = pd.DataFrame({"item": inst.items["item"], "level": 1, "evidence": "e"})
        meta = {"code": "EV", "strategy": "S", "agency": "A", "assessed_on": dt.date(2025, 1, 2)}
        saved = save_assessment(store, meta, levels, inst, actor="ana")
        assert saved["overall"] == 25.0
        assert len(saved["recommendations_drafted"]) == len(inst.items)
        _meta, stored = load_assessment(store, "EV")
        assert (stored["level"] == 1).all()
