"""Map building blocks: Fisher-Jenks breaks equal to mapclassify's (the reference
implementation of PySAL), polygon paths that keep holes and parts, Gi* classes."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize(("n", "k", "seed"), [(40, 3, 0), (150, 5, 1), (300, 5, 2), (120, 7, 3)])
def test_fisher_jenks_matches_mapclassify(n, k, seed):
    import mapclassify

    from barrio.report.maps import fisher_jenks_breaks

    values = np.random.default_rng(seed).lognormal(size=n).round(4)
    expected = mapclassify.FisherJenks(values, k=k).bins
    np.testing.assert_allclose(fisher_jenks_breaks(values, k), expected, rtol=0, atol=0)


def test_many_values_are_classed_by_breaks_of_a_deterministic_sample():
    import mapclassify

    from barrio.report.maps import _classify

    values = np.random.default_rng(5).gamma(2.0, size=4000)
    first = _classify(mapclassify, "fisherjenks", values, 5)
    again = _classify(mapclassify, "fisherjenks", values[::-1].copy(), 5)
    np.testing.assert_array_equal(first.bins, again.bins)
    assert first.bins[-1] == values.max()
    assert len(first.yb) == len(values)


def test_paths_keep_holes_and_parts():
    import shapely
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    from barrio.report.charts import pyplot
    from barrio.report.maps import paths

    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    multi = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(12, 12, 13, 13)])
    made, rows = paths(np.array([ring, multi]))
    assert rows.tolist() == [0, 1, 1]
    assert (made[0].codes == Path.MOVETO).sum() == 2  # exterior + hole
    # drawn, the hole stays empty and the ring is filled
    fig, ax = pyplot().subplots(figsize=(4, 4), dpi=50)
    ax.set_xlim(0, 4), ax.set_ylim(0, 4), ax.set_axis_off()
    fig.subplots_adjust(0, 0, 1, 1)
    ax.add_collection(PathCollection(made[:1], facecolors=["black"], edgecolors="none"))
    fig.canvas.draw()
    red = np.asarray(fig.canvas.buffer_rgba())[:, :, 0]
    pyplot().close(fig)
    assert red[125, 75] == 255
    assert red[50, 150] == 0


def test_hotspot_classes():
    from barrio.report.maps import hotspot_classes

    labels = np.array(["hot", "hot", "not significant", "cold", "cold"])
    z = np.array([3.1, 2.0, 1.0, -2.1, -2.6])
    assert hotspot_classes(labels, z).tolist() == ["hot99", "hot95", "ns", "cold95", "cold99"]
