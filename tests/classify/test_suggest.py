"""Suggestions of ICCS codes for unmapped categories."""

from __future__ import annotations

import pytest

from barrio.classify import is_within, suggest
from barrio.classify.suggest import to_english


def test_robbery_with_violence_ranks_a_0401_code_in_the_top_three():
    out = suggest(["ROBO A TRANSEUNTE CON VIOLENCIA"])
    assert out["rank"].tolist() == [1, 2, 3]
    assert is_within(out["iccs_code"], "0401").any()
    assert is_within(out["iccs_code"].iloc[:1], "0401")[0]


@pytest.mark.parametrize(
    ("category", "family"),
    [
        ("Homicidio", "01"),
        ("secuestro exprés", "0202"),
        ("Narcomenudeo en vía pública", "0601"),
        ("robo de celular sin violencia", "0502"),
        ("Portación de arma prohibida", "0901"),
    ],
)
def test_top_suggestion_is_in_the_expected_family(category, family):
    assert is_within(suggest([category], limit=1)["iccs_code"], family)[0]


def test_suggestions_are_distinct_codes_sorted_by_score():
    out = suggest(["lesiones", "fraude"], limit=4)
    for _, group in out.groupby("category"):
        assert group["iccs_code"].is_unique
        assert group["score"].is_monotonic_decreasing
    assert set(out["status"]) <= {"confirmed", "code_confirmed", "recall"}


def test_translation_prefers_robbery_over_theft_with_violence():
    assert "robbery" in to_english("robo con violencia").split()
    assert "theft" not in to_english("robo con violencia").split()
    assert to_english("robo sin violencia") == "theft"


def test_empty_and_invalid_limit():
    assert suggest([]).empty
    with pytest.raises(ValueError, match="limit"):
        suggest(["robo"], limit=0)
