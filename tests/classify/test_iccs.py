"""The ICCS code list and its hierarchy queries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from barrio.classify import iccs
from barrio.errors import MappingError

CODES = iccs.load_iccs()["code"].tolist()


def test_code_list_keeps_codes_as_strings_with_status():
    frame = iccs.load_iccs()
    assert len(frame) == 180
    assert frame["code"].dtype == "string"
    assert "0101" in set(frame["code"])
    assert set(frame["status"]) == {"confirmed", "code_confirmed", "recall"}
    assert (frame["status"] == "recall").sum() == 103


def test_every_code_starts_with_its_parent_and_is_one_level_below():
    frame = iccs.load_iccs().set_index("code")
    for code, row in frame.iterrows():
        if pd.isna(row["parent"]):
            assert row["level"] == 1
        else:
            assert code.startswith(row["parent"])
            assert frame.at[row["parent"], "level"] == row["level"] - 1


def test_hierarchy_queries():
    assert iccs.level("01") == 1
    assert iccs.level("050211") == 4
    assert iccs.parent("0101") == "01"
    assert iccs.parent("01") is None
    assert iccs.ancestors("050211") == ["05021", "0502", "05"]
    assert iccs.children("0401") == ["04011", "04012", "04013", "04014", "04019"]
    assert "050211" in iccs.descendants("05")
    assert "05" not in iccs.descendants("05")


def test_unknown_code_names_the_value_and_how_to_fix():
    with pytest.raises(MappingError) as info:
        iccs.level("101")
    assert "'101'" in info.value.message
    assert "01, 02" in info.value.message
    assert "leading zeros" in (info.value.hint or "")


def test_is_within_is_vectorised_and_handles_missing():
    codes = pd.Series(["0401", "04011", "0502", None, "04"], dtype="string")
    assert iccs.is_within(codes, "0401").tolist() == [True, True, False, False, False]
    assert iccs.is_within(np.array(["0101", "0102"]), "01").tolist() == [True, True]


def test_section_of():
    assert iccs.section_of(["0101", "11019", None]).tolist() == ["01", "11", None]


@given(st.sampled_from(CODES), st.sampled_from(CODES))
def test_is_within_matches_ancestors(code, other):
    expected = other == code or other in iccs.ancestors(code)
    assert iccs.is_within([code], other)[0] == expected


@given(st.sampled_from(CODES))
def test_descendants_are_children_closure(code):
    closure = []
    frontier = iccs.children(code)
    while frontier:
        closure.extend(frontier)
        frontier = [c for f in frontier for c in iccs.children(f)]
    assert sorted(closure) == iccs.descendants(code)


def test_tag_vocabulary_has_family_context():
    vocabulary = iccs.tag_vocabulary()
    assert "INTIMATE_PARTNER_FAMILY" in (vocabulary["situational_context"] or set())
    assert vocabulary["age"] is None
