"""Spatial assignment: AreaIndex gives exactly what a GeoPandas spatial join gives."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from barrio.ingest.assign import OUTSIDE, AreaIndex


def voronoi_city(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    seeds = rng.uniform(0, 1000, (n, 2))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=shapely.box(0, 0, 1000, 1000)
        )
    )
    return shapely.intersection(cells, shapely.box(10, 10, 990, 990))


def sjoin_index(polygons: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    areas = gpd.GeoDataFrame({"poly": np.arange(len(polygons))}, geometry=polygons)
    points = gpd.GeoDataFrame({"pt": np.arange(len(x))}, geometry=gpd.points_from_xy(x, y))
    joined = gpd.sjoin(points, areas, predicate="within", how="left")
    joined = joined.sort_values(["pt", "poly"]).drop_duplicates("pt")
    return joined["poly"].fillna(OUTSIDE).astype(int).to_numpy()


@settings(max_examples=10, deadline=None)
@given(n=st.integers(2, 300), seed=st.integers(0, 10_000))
def test_matches_geopandas_sjoin_on_random_points(n: int, seed: int) -> None:
    polygons = voronoi_city(n, seed)
    rng = np.random.default_rng(seed + 1)
    x, y = rng.uniform(-50, 1050, 20_000), rng.uniform(-50, 1050, 20_000)
    assert np.array_equal(AreaIndex(polygons).assign(x, y), sjoin_index(polygons, x, y))


def test_grid_aligned_boundaries_and_holes() -> None:
    # boxes whose shared edges fall exactly on grid lines, one with a hole in it
    outer = shapely.Polygon(
        [(0, 0), (1, 0), (1, 1), (0, 1)], holes=[[(0.25, 0.25), (0.75, 0.25), (0.75, 0.75)]]
    )
    polygons = np.array([outer, shapely.box(1, 0, 2, 1), shapely.box(0, 1, 2, 2)])
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-0.1, 2.1, 50_000), rng.uniform(-0.1, 2.1, 50_000)
    index = AreaIndex(polygons, cells_per_polygon=4096)
    assert np.array_equal(index.assign(x, y), sjoin_index(polygons, x, y))
    assert index.share_exact() < 0.2


def test_nan_coordinates_are_outside() -> None:
    index = AreaIndex([shapely.box(0, 0, 1, 1)])
    out = index.assign(np.array([np.nan, 0.5]), np.array([0.5, np.nan]))
    assert out.tolist() == [OUTSIDE, OUTSIDE]
