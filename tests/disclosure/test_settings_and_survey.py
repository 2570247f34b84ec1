"""``[disclosure]`` settings, survey estimates by quality, and no incident points in public."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barrio.config import DisclosureSettings, WorkspaceConfig
from barrio.disclosure import DisclosureError
from barrio.disclosure.service import check_no_coordinates, public_cell_counts, threshold_cells
from barrio.disclosure.survey import public_estimates
from barrio.errors import ConfigError


def test_settings_from_barrio_toml(tmp_path: Path) -> None:
    path = tmp_path / "barrio.toml"
    path.write_text(
        '[workspace]\nname = "x"\n[disclosure]\nk = 3\nsensitive = ["homicide-women"]\n'
        'small_areas = ["block"]\nsurvey_low = "suppress"\n',
        encoding="utf-8",
    )
    settings = WorkspaceConfig.load(path).disclosure
    assert settings == DisclosureSettings(
        k=3, sensitive=("homicide-women",), small_areas=("block",), survey_low="suppress"
    )


def test_defaults_without_a_section(tmp_path: Path) -> None:
    path = tmp_path / "barrio.toml"
    path.write_text('[workspace]\nname = "x"\n', encoding="utf-8")
    assert WorkspaceConfig.load(path).disclosure == DisclosureSettings()


@pytest.mark.parametrize(
    ("raw", "message"),
    [({"k": 0}, "k = 0"), ({"k": "5"}, "k = '5'"), ({"survey_min_quality": "good"}, "good")],
)
def test_bad_settings_say_what_and_where(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        DisclosureSettings.from_dict(raw, "w/barrio.toml")
    assert "w/barrio.toml" in err.value.message


def test_threshold_cells_sensitive_and_small_areas() -> None:
    table = pd.DataFrame(
        {
            "indicator_id": ["sv", "theft", "theft", "theft"],
            "area_level": ["city", "neighborhood", "neighborhood", "district"],
            "sex": ["total", "total", "F", "F"],
            "age_group": ["total", "total", "total", "total"],
        }
    )
    mask = threshold_cells(table, {"sv"}, ("neighborhood",))
    assert mask.tolist() == [True, False, True, False]


def test_survey_estimates_flagged_or_hidden() -> None:
    est = pd.DataFrame(
        {
            "estimate": [0.30, 0.10, 0.02],
            "se": [0.01, 0.02, 0.01],
            "cv": [3.3, 20.0, 50.0],
            "quality": ["high", "moderate", "low"],
        }
    )
    flagged = public_estimates(est)
    assert flagged["disclosure"].tolist() == ["", "", "low_quality"]
    assert flagged["estimate"].notna().all()
    strict = public_estimates(est, min_quality="high", low="suppress")
    assert strict["disclosure"].tolist() == ["", "low_quality", "low_quality"]
    assert np.isnan(strict.loc[1:, ["estimate", "se", "cv"]].to_numpy()).all()
    with pytest.raises(DisclosureError):
        public_estimates(est.drop(columns="quality"))


def test_no_incident_points_in_public_tables() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    with pytest.raises(DisclosureError, match="lon, lat"):
        check_no_coordinates(pd.DataFrame({"lon": [1.0], "lat": [2.0]}), "x.csv")
    points = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])
    with pytest.raises(DisclosureError, match="points"):
        check_no_coordinates(points, "x.gpkg")
    check_no_coordinates(pd.DataFrame({"area_id": ["A"], "count": [3]}), "ok.csv")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=25), st.integers(2, 6))
def test_grid_counts_never_reveal_a_cell_through_the_total(counts: list[int], k: int) -> None:
    grid = pd.DataFrame({"cell_id": [f"c{i}" for i in range(len(counts))], "count": counts})
    out = public_cell_counts(grid, k=k)
    hidden = (out["suppressed"] != "").to_numpy()
    values = np.array(counts)
    assert (((values > 0) & (values < k)) <= hidden).all()
    # with the total published, one hidden cell alone would be the total minus the others
    assert hidden.sum() != 1 or out.attrs["total_suppressed"]
    assert (out.loc[~hidden, "count"].astype(int).to_numpy() == values[~hidden]).all()


def test_grid_total_is_withheld_when_it_is_the_only_complement() -> None:
    out = public_cell_counts(pd.DataFrame({"cell_id": ["a", "b"], "count": [3, 0]}))
    assert out["suppressed"].tolist() == ["primary", ""]
    assert out.attrs["total_suppressed"] is True
    plenty = public_cell_counts(pd.DataFrame({"cell_id": ["a", "b", "c"], "count": [3, 9, 7]}))
    assert plenty.attrs["total_suppressed"] is False
