"""Static maps for reports: classed choropleths and Gi* hot-spot maps (matplotlib, Agg).

Polygons are drawn as one matplotlib ``PathCollection`` built from Shapely's coordinate arrays
(rings and holes as compound paths), after simplifying to about a pixel — the cost of a map
grows with the number of polygons, not of vertices. Choropleth classes come from mapclassify
(Fisher-Jenks by default, or quantiles), and the legend states the scheme and the class bounds
formatted for the report's locale.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from barrio.i18n import _
from barrio.report.charts import png, pyplot
from barrio.report.fmt import number

SCHEMES = {"fisherjenks": "FisherJenks", "quantiles": "Quantiles"}
CHOROPLETH_COLOURS = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704", "#4a1402")
HOTSPOT_CLASSES = (
    ("hot99", "#b2182b"),
    ("hot95", "#ef8a62"),
    ("ns", "#f0f0f0"),
    ("cold95", "#67a9cf"),
    ("cold99", "#2166ac"),
)
NO_DATA = "#ffffff"
SAMPLE = 1000


def scheme_label(scheme: str, k: int) -> str:
    """How the classes were made, in words for the legend."""
    if scheme == "quantiles":
        return _("{k} quantile classes", k=k)
    return _("{k} Fisher-Jenks classes", k=k)


def paths(geometries: Any, tolerance: float = 0.0) -> tuple[list[Any], np.ndarray]:
    """Matplotlib paths of polygon geometries and, for each path, the row it belongs to."""
    import shapely
    from matplotlib.path import Path

    geoms = np.asarray(geometries)
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    # exteriors counter-clockwise, holes clockwise: matplotlib fills by the nonzero rule
    geoms = shapely.orient_polygons(geoms)
    parts, part_row = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(coords), Path.LINETO, dtype=np.uint8)
    first = np.r_[0, np.flatnonzero(np.diff(coord_ring)) + 1]
    codes[first] = Path.MOVETO
    codes[np.r_[first[1:] - 1, len(coords) - 1]] = Path.CLOSEPOLY
    coord_part = ring_part[coord_ring]
    bounds = np.r_[0, np.flatnonzero(np.diff(coord_part)) + 1, len(coords)]
    made = [Path(coords[a:b], codes[a:b]) for a, b in itertools.pairwise(bounds)]
    present = np.unique(coord_part)
    return made, part_row[present]


def _axes(frame: Any) -> tuple[Any, Any, float]:
    plt = pyplot()
    minx, miny, maxx, maxy = frame.total_bounds
    width = max(maxx - minx, maxy - miny) or 1.0
    aspect = (maxy - miny) / (maxx - minx) if maxx > minx else 1.0
    fig, ax = plt.subplots(figsize=(6.5, min(max(6.5 * aspect, 3.0), 8.0)))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    return fig, ax, width / 1500


def _draw(ax: Any, geometries: Any, colours: np.ndarray, tolerance: float, **style: Any) -> None:
    from matplotlib.collections import PathCollection

    made, rows = paths(geometries, tolerance)
    ax.add_collection(PathCollection(made, facecolors=colours[rows], **style))


def choropleth(
    frame: Any,
    column: str,
    *,
    legend_title: str,
    locale: str,
    scheme: str = "fisherjenks",
    k: int = 5,
    digits: int = 1,
) -> bytes:
    """Areas coloured by classes of ``column`` (missing values white), classed legend."""
    import mapclassify
    from matplotlib.patches import Patch

    values = frame[column].to_numpy(dtype=float)
    valid = np.isfinite(values)
    k = int(min(k, max(len(np.unique(values[valid])), 1)))
    classifier = _classify(mapclassify, scheme, values[valid], k)
    bins = np.asarray(classifier.bins)
    classes = np.full(len(values), -1)
    classes[valid] = classifier.yb
    palette = np.asarray((*CHOROPLETH_COLOURS[: len(bins)], NO_DATA))
    fig, ax, tol = _axes(frame)
    _draw(ax, frame.geometry.to_numpy(), palette[classes], tol, edgecolors="#555555",
          linewidths=0.25)  # fmt: skip
    low = np.r_[np.nanmin(values[valid]) if valid.any() else 0.0, bins[:-1]]
    handles = [Patch(facecolor=palette[i], edgecolor="#555555",
                     label=f"{number(low[i], locale, digits)} – {number(b, locale, digits)}")
               for i, b in enumerate(bins)]  # fmt: skip
    if not valid.all():
        handles.append(Patch(facecolor=NO_DATA, edgecolor="#555555", label=_("no data")))
    ax.legend(handles=handles, title=f"{legend_title}\n({scheme_label(scheme, len(bins))})",
              fontsize=7, title_fontsize=7, frameon=False, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    return png(fig)


def fisher_jenks_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the ``k`` Fisher-Jenks classes of ``values`` (Fisher 1958; Jenks 1977):
    the partition of the sorted values into ``k`` contiguous groups with the least total sum of
    squared deviations, by dynamic programming over prefix sums — vectorised over every
    (start, end) pair, O(k n^2) memory-light numpy instead of a Python double loop. Gives the
    same breaks as mapclassify's ``FisherJenks`` (tested)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    k = min(k, n)
    s1 = np.r_[0.0, np.cumsum(x)]
    s2 = np.r_[0.0, np.cumsum(x * x)]
    start = np.arange(n)[:, None]  # first index of the last class
    end = np.arange(n)[None, :]  # last index
    size = (end - start + 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ssd = s2[end + 1] - s2[start] - (s1[end + 1] - s1[start]) ** 2 / size
    ssd = np.where(start <= end, ssd, np.inf)
    cost = ssd[0].copy()  # one class covering 0..end
    first = np.zeros((k, n), dtype=int)
    for j in range(1, k):
        prev = np.r_[np.inf, cost[:-1]]  # best cost of j classes ending just before start
        total = prev[:, None] + ssd
        first[j] = np.argmin(total, axis=0)
        cost = total[first[j], np.arange(n)]
    bounds, last = [], n - 1
    for j in range(k - 1, -1, -1):
        bounds.append(x[last])
        last = first[j, last] - 1
    return np.asarray(bounds[::-1])


def _classify(mapclassify: Any, scheme: str, values: np.ndarray, k: int) -> Any:
    """mapclassify's classifier with the given breaks. Fisher-Jenks breaks come from
    :func:`fisher_jenks_breaks`, on 1,000 evenly spaced order statistics when there are more
    values (deterministic, unlike a random sample); every value is then classed by them."""
    if scheme != "fisherjenks":
        return getattr(mapclassify, SCHEMES[scheme])(values, k=k)
    sample = np.sort(values)
    if len(values) > SAMPLE:
        sample = sample[np.linspace(0, len(values) - 1, SAMPLE).round().astype(int)]
    breaks = fisher_jenks_breaks(sample, k)
    breaks[-1] = values.max()
    return mapclassify.UserDefined(values, bins=breaks)


def hotspot_classes(label: Any, z: Any) -> np.ndarray:
    """Gi* class of each cell: significant hot/cold (after FDR) at 99 % (|z| >= 2.576) or
    95 %, else not significant."""
    label, z = np.asarray(label), np.asarray(z, dtype=float)
    strong = np.abs(z) >= 2.576
    out = np.full(len(label), "ns", dtype=object)
    out[(label == "hot") & strong] = "hot99"
    out[(label == "hot") & ~strong] = "hot95"
    out[(label == "cold") & strong] = "cold99"
    out[(label == "cold") & ~strong] = "cold95"
    return out


def hotspot_map(cells: Any, outlines: Any, *, legend_title: str) -> bytes:
    """Grid cells coloured by Gi* class, with the area outlines on top."""
    from matplotlib.patches import Patch

    names = {
        "hot99": _("hot spot, 99 %"), "hot95": _("hot spot, 95 %"), "ns": _("not significant"),
        "cold95": _("cold spot, 95 %"), "cold99": _("cold spot, 99 %"),
    }  # fmt: skip
    colours = dict(HOTSPOT_CLASSES)
    classes = hotspot_classes(cells["label"], cells["z"])
    fig, ax, tol = _axes(outlines)
    _draw(ax, cells.geometry.to_numpy(), np.asarray([colours[c] for c in classes]), 0.0,
          edgecolors="none")  # fmt: skip
    _draw(ax, outlines.geometry.to_numpy(), np.full(len(outlines), "none", dtype=object), tol,
          edgecolors="#444444", linewidths=0.3)  # fmt: skip
    present = set(classes)
    handles = [Patch(facecolor=c, edgecolor="#777777", label=names[k])
               for k, c in HOTSPOT_CLASSES if k in present or k == "ns"]  # fmt: skip
    ax.legend(handles=handles, title=legend_title, fontsize=7, title_fontsize=7, frameon=False,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    return png(fig)
