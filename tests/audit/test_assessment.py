"""Four-stage strategy assessment: instrument, scores by hand, recommendations, storage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from barrio.audit.assessment import (
    PRINCIPLES,
    draft_recommendations,
    load_instrument,
    recommendation_priority,
    score_assessment,
)
from barrio.errors import ConfigError, InputError

SMALL = """
id: small
version: 3
levels: {0: {en: Absent}, 1: {en: Initial}, 2: {en: Defined}, 3: {en: Implemented},
         4: {en: Monitored}}
stages: {1: {en: Design}, 2: {en: Statistics}}
items:
  - {item: "1.1", stage: 1, title: {en: A}, question: {en: "QA?"}, standard: S1,
     principles: [knowledge_base], evidence: {en: EA}, weight: 3, recommend: {en: Do A}}
  - {item: "1.2", stage: 1, title: {en: B}, question: {en: "QB?"}, standard: S2,
     principles: [cooperation, knowledge_base], evidence: {en: EB}, weight: 1}
  - {item: "2.1", stage: 2, title: {en: C}, question: {en: "QC?"}, standard: S3,
     principles: [human_rights], evidence: {en: EC}, weight: 2}
  - {item: "2.2", stage: 2, title: {en: D}, question: {en: "QD?"}, standard: S4,
     principles: [human_rights], evidence: {en: ED}, weight: 2}
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return load_instrument(path)


def test_scores_by_hand(small):
    levels = pd.DataFrame({"item": ["1.1", "1.2", "2.1", "2.2"], "level": [1, 4, 3, np.nan]})
    s = score_assessment(small, levels)
    items = s.items.set_index("item")
    assert items.loc["1.1", "score"] == 25.0
    assert items.loc["1.2", "score"] == 100.0
    assert np.isnan(items.loc["2.2", "score"])
    stages = s.stages.set_index("stage")
    # stage 1: (3*1 + 1*4) / (3*4 + 1*4) * 100 = 7/16 -> 43.75; stage 2: 2*3 / (2*4) -> 75
    assert stages.loc[1, "score"] == pytest.approx(43.75)
    assert stages.loc[2, "score"] == pytest.approx(75.0)
    assert stages.loc[2, "assessed"] == 1
    assert stages.loc[2, "items"] == 2
    # overall: (3 + 4 + 6) / (12 + 4 + 8) = 13/24
    assert s.overall == pytest.approx(100 * 13 / 24)
    principles = s.principles.set_index("principle")["score"]
    assert principles["knowledge_base"] == pytest.approx(43.75)  # items 1.1 and 1.2
    assert principles["cooperation"] == pytest.approx(100.0)
    assert principles["human_rights"] == pytest.approx(75.0)


def test_all_not_applicable_stage_has_no_score(small):
    levels = pd.DataFrame({"item": ["1.1", "1.2", "2.1", "2.2"], "level": [2, 2, None, None]})
    s = score_assessment(small, levels)
    assert np.isnan(s.stages.set_index("stage").loc[2, "score"])
    assert s.overall == 50.0


@pytest.mark.parametrize(
    ("items", "levels", "match"),
    [
        (["1.1", "1.2", "2.1"], [1, 1, 1], "missing items 2.2"),
        (["1.1", "1.2", "2.1", "2.2", "9.9"], [1] * 5, "unknown items 9.9"),
        (["1.1", "1.1", "1.2", "2.1", "2.2"], [1] * 5, "repeated items 1.1"),
        (["1.1", "1.2", "2.1", "2.2"], [1, 5, 1, 1], "0-4"),
        (["1.1", "1.2", "2.1", "2.2"], [1, 2.5, 1, 1], "0-4"),
    ],
)
def test_levels_that_do_not_match_are_refused(small, items, levels, match):
    with pytest.raises(InputError, match=match):
        score_assessment(small, pd.DataFrame({"item": items, "level": levels}))


def test_items_at_or_below_one_draft_recommendations(small):
    levels = pd.DataFrame({"item": ["1.1", "1.2", "2.1", "2.2"], "level": [1, 4, 0, None]})
    drafts = draft_recommendations(small, score_assessment(small, levels), assessment_code="EV")
    assert [d["item"] for d in drafts] == ["1.1", "2.1"]
    first = drafts[0]
    assert first["code"] == "EV-1.1"
    assert first["source_ref"] == "EV:1.1"
    assert first["source"] == "assessment"
    assert first["title"] == "A"
    assert first["description"].startswith("Do A")
    assert "S1" in first["description"]
    assert "level 1 (Initial)" in first["description"]
    assert first["priority"] == "high"  # weight 3 x (4 - 1) = 9
    assert drafts[1]["priority"] == "medium"  # weight 2 x 4 = 8
    assert drafts[1]["description"].startswith("QC?")  # no recommend text: the question


@pytest.mark.parametrize(
    ("weight", "level", "priority"),
    [(3, 0, "high"), (3, 1, "high"), (2, 0, "medium"), (2, 1, "medium"), (1, 0, "medium"),
     (1, 1, "low")],
)  # fmt: skip
def test_recommendation_priority_rule(weight, level, priority):
    assert recommendation_priority(weight, level) == priority


def test_shipped_instrument_is_complete():
    inst = load_instrument()
    items = inst.items
    assert len(items) >= 20
    assert sorted(items["stage"].unique()) == [1, 2, 3, 4]
    assert set(inst.levels) == {0, 1, 2, 3, 4}
    tags = {t for tags in items["principles"] for t in tags}
    assert tags == set(PRINCIPLES)  # every UN principle is served by some item
    for row in items.to_dict("records"):
        for field in ("title", "question", "evidence_required", "recommend"):
            assert row[field]["en"], (row["item"], field)
            assert row[field]["es"], (row["item"], field)
        assert row["standard"]
        assert row["weight"] > 0


def test_invalid_instrument_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("knowledge_base]", "wisdom]"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown principles: wisdom"):
        load_instrument(path)


# ---------------------------------------------------------------- files and store


def test_template_round_trip_and_store(tmp_path):
    from openpyxl import load_workbook

    from barrio.audit.assessment_store import (
        load_assessment,
        read_assessment,
        save_assessment,
        write_assessment_template,
    )
    from barrio.store.session import open_store

    inst = load_instrument()
    path = write_assessment_template(tmp_path / "a.xlsx", inst)
    wb = load_workbook(path)
    meta = {"code": "EV-1", "strategy": "Estrategia", "agency": "SSC", "assessed_on": "30/06/2025"}
    for row in wb["assessment"].iter_rows(min_row=2):
        if row[0].value in meta:
            row[1].value = meta[row[0].value]
    wb["assessment"]["B5"].value = dt.date(2025, 6, 30)  # a real Excel date cell
    levels = [0, 1, 2, 3, 4, "na"]
    for i, row in enumerate(wb["items"].iter_rows(min_row=2)):
        row[7].value = levels[i % 6]
        row[8].value = None if levels[i % 6] in (0, "na") else f"evidence {i}"
    wb.save(path)

    read_meta, read_levels = read_assessment(path)
    assert read_meta["code"] == "EV-1"
    assert read_meta["assessed_on"] == dt.date(2025, 6, 30)
    assert len(read_levels) == len(inst.items)
    store = open_store(tmp_path / "barrio.db")
    result = save_assessment(store, read_meta, read_levels, inst, actor="tester")
    weak = read_levels[read_levels["level"] <= 1]["item"].tolist()
    assert result["recommendations_drafted"] == [f"EV-1-{i}" for i in weak]
    again = save_assessment(store, read_meta, read_levels, inst, actor="tester")
    assert again["recommendations_drafted"] == []  # idempotent
    assert again["overall"] == result["overall"]
    meta2, stored = load_assessment(store, "EV-1")
    assert meta2["strategy"] == "Estrategia"
    merged = stored.merge(read_levels, on="item", suffixes=("_db", "_file"))
    assert np.allclose(merged["level_db"], merged["level_file"], equal_nan=True)
    store.close()


def test_evidence_is_required_for_levels_above_zero(tmp_path):
    from barrio.audit.assessment_store import read_assessment

    path = tmp_path / "a.yaml"
    path.write_text(
        "code: X\nstrategy: S\nagency: A\nassessed_on: 2025-01-01\n"
        "items:\n  - {item: '1.1', level: 2}\n  - {item: '1.2', level: seven, evidence: e}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_assessment(path)
    problems = info.value.details["problems"]
    assert any("1.1" in p and "evidence" in p for p in problems)
    assert any("1.2" in p and "not 0-4" in p for p in problems)
