"""The shipped codebook and workspace extensions."""

from __future__ import annotations

import pytest

from barrio.audit.codebook import IccsSelector, load_codebook
from barrio.classify.iccs import known_codes
from barrio.errors import ConfigError

REQUIRED_THEMES = {"robbery", "gender_violence", "homicide", "drug_dealing", "arms", "alcohol",
                   "youth", "public_space", "institutional_capacity"}  # fmt: skip


def test_shipped_codebook_has_the_issue_themes_with_valid_iccs_codes():
    book = load_codebook()
    assert set(book.themes) >= REQUIRED_THEMES
    codes = known_codes()
    for theme in book.themes.values():
        assert theme.name.get("es"), theme.id
        assert theme.name.get("en"), theme.id
        for selector in theme.iccs:
            assert selector.code in codes, (theme.id, selector.code)
    assert book.themes["gender_violence"].iccs[1] == IccsSelector(
        "0201", "situational_context=INTIMATE_PARTNER_FAMILY"
    )
    assert "general" in book.population_groups


def test_workspace_codebook_adds_overrides_and_removes(tmp_path):
    (tmp_path / "codebook.yaml").write_text(
        """
themes:
  - id: motorcycle_robbery
    name: {en: Robbery from motorcycles, es: Robo en motocicleta}
    iccs: ["0401"]
  - id: robbery
    iccs: ["0401", "0409"]
  - id: arms
    remove: true
population_groups:
  street_vendors: {en: Street vendors, es: Vendedores ambulantes}
""",
        encoding="utf-8",
    )
    book = load_codebook(workspace_root=tmp_path)
    assert book.theme_label("motorcycle_robbery", "es") == "Robo en motocicleta"
    assert [s.code for s in book.themes["robbery"].iccs] == ["0401", "0409"]
    assert book.theme_label("robbery", "es") == "Robo con violencia"  # name kept
    assert "arms" not in book.themes
    assert "street_vendors" in book.population_groups
    assert str(tmp_path / "codebook.yaml") in book.sources
    selectors = book.selectors()
    assert set(selectors.loc[selectors["theme"] == "robbery", "code"]) == {"0401", "0409"}


def test_workspace_without_codebook_uses_the_shipped_one(tmp_path):
    assert load_codebook(workspace_root=tmp_path).themes.keys() == load_codebook().themes.keys()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("themes: [{name: x}]", "needs an id"),
        ("themes: [{id: x, colour: red}]", "unknown fields"),
        ("themes: [{id: x, iccs: [[1, 2]]}]", "unreadable ICCS entry"),
        ("themes: [\n  - id: x\n   bad", "not valid YAML"),
        ("- just a list", "does not hold a codebook"),
    ],
)
def test_bad_codebooks_say_what_and_where(tmp_path, text, match):
    path = tmp_path / "extra.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as info:
        load_codebook(path)
    assert info.value.details["file"] == str(path)


def test_missing_extra_codebook_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_codebook(tmp_path / "nope.yaml")
