"""End to end on real data: Mexico City SSP incidents (2013-2016) and IECM colonias.

Produces a Gi* hot spot map, concentration figures and a selection of 22 colonias with their
explanations. There is no published reference for these figures; the test checks invariants
(reconciliation of points, agreement of two independent Gini formulas, constraints of the
selection) and the known data-quality artefact (default coordinates near Hospital Balbuena).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from barrio.spatial.concentration import gini, top_share
from barrio.spatial.priority import eb_rate, hotspot_area_share, priority_index
from barrio.spatial.service import local_statistic, points_from_frame, write_layer

pytestmark = pytest.mark.realdata
UTM14 = "EPSG:32614"


@pytest.fixture(scope="module")
def cdmx():
    import geopandas as gpd

    from tests.conftest import shared_path

    inc = pd.read_parquet(
        shared_path("cdmx_ssp_incidents_2013_2016", "cdmx_ssp_incidents_2013_2016.parquet"),
        columns=["date", "crime", "lat", "long"],
    )
    inc = inc[inc["date"].dt.year == 2015]
    pts = points_from_frame(inc, lon="long", lat="lat").to_crs(UTM14)
    col = gpd.read_file(shared_path("cdmx_colonias_iecm", "colonias_iecm.gpkg")).to_crs(UTM14)
    col["geometry"] = col.geometry.make_valid()
    return pts, col


def test_hotspot_map_concentration_and_selection(cdmx, tmp_path):
    import geopandas as gpd

    pts, col = cdmx
    # Gi* on a 500 m grid, 999 permutations, FDR
    cells, summary = local_statistic(pts, "gistar", cell_size=500, permutations=999, seed=1)
    assert summary["points"] + summary["points_outside_grid"] == len(pts)
    assert summary["labels"].get("hot", 0) > 20
    hot = cells[cells["label"] == "hot"]
    out = write_layer(hot, tmp_path / "cdmx_gistar_hot.gpkg")
    assert len(gpd.read_file(out)) == len(hot)

    # Counts per colonia (points outside every colonia are reported, not dropped silently)
    joined = gpd.sjoin(pts, col[["CVEUT", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    outside = int(joined["CVEUT"].isna().sum())
    assert outside / len(pts) < 0.01
    robbery = joined[joined["crime"].str.contains("ROBO", regex=False)]
    counts = robbery.groupby("CVEUT").size().reindex(col["CVEUT"], fill_value=0).to_numpy()
    assert counts.sum() + robbery["CVEUT"].isna().sum() == len(robbery)

    # Concentration: two independent Gini formulas agree; crime is concentrated
    x = counts.astype(float)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(mad, rel=1e-12)
    assert 0.3 < gini(x) < 0.95
    assert top_share(x, 0.10) > 0.10 * 2  # at least twice the even share

    # Balbuena default coordinates show up as one stacked location
    stacked = pts.geometry.to_wkb().value_counts()
    assert stacked.iloc[0] >= 30

    # Priority index: 22 colonias, at least one per alcaldía
    col = col[col["SUMPOB1"] > 0].reset_index(drop=True)
    counts = robbery.groupby("CVEUT").size().reindex(col["CVEUT"], fill_value=0).to_numpy()
    frame = pd.DataFrame(
        {
            "area_id": col["CVEUT"],
            "name": col["NOMUT"],
            "alcaldia": col["NOMDT"],
            "robbery_rate_eb": eb_rate(counts, col["SUMPOB1"].to_numpy()),
            "density": col["SUMPOB1"] / (col.area / 1e6),
            "hot_share": hotspot_area_share(col, hot),
        }
    )
    result = priority_index(
        frame,
        {
            "crime": {"robbery_rate_eb": 1.0},
            "context": {"density": 1.0},
            "hotspot": {"hot_share": 1.0},
        },
        n_select=22,
        district_column="alcaldia",
        min_per_district=1,
        draws=100,
    )
    chosen = result.table[result.table["selected"]]
    assert len(chosen) == 22
    assert chosen["alcaldia"].nunique() == frame["alcaldia"].nunique()
    assert chosen["explanation"].str.len().gt(20).all()
    assert (chosen["stability"] > 0).all()
