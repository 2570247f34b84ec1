"""Plotly figures of the portal as plain dicts (Plotly.js draws them in the browser).

The choropleth is drawn as filled polygons on plain axes: it needs no basemap tiles, no web
workers and no network, so it works offline under a strict Content-Security-Policy. Classes are
quantiles of the published values; suppressed or missing values are grey.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from barrio.i18n import gettext

# ColorBrewer YlOrRd, 5 classes: sequential, readable by people with colour-vision deficiencies.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#bdbdbd"
LINE = "#1f4e79"
BAND = "rgba(31, 78, 121, 0.2)"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}


def _base_layout(height: int) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "font": FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
    }


def series_figure(series: pd.DataFrame, unit: str, lang: str) -> dict[str, Any]:
    """Line of the value with its 95% interval as a band."""
    x = [str(p)[:4] if str(p).endswith("-01-01") else str(p) for p in series["period_start"]]
    value, lower, upper = (_clean(series[c]) for c in ("value", "lower", "upper"))
    interval = gettext("95% interval", locale=lang)
    traces = [
        {"type": "scatter", "x": x, "y": upper, "mode": "lines", "line": {"width": 0},
         "hoverinfo": "skip", "showlegend": False, "name": interval},
        {"type": "scatter", "x": x, "y": lower, "mode": "lines", "line": {"width": 0},
         "fill": "tonexty", "fillcolor": BAND, "name": interval, "hoverinfo": "skip"},
        {"type": "scatter", "x": x, "y": value, "mode": "lines+markers",
         "line": {"color": LINE, "width": 3}, "marker": {"size": 8, "color": LINE},
         "name": gettext("Value", locale=lang),
         "hovertemplate": "%{x}: %{y:.1f}<extra></extra>"},
    ]  # fmt: skip
    layout = _base_layout(340)
    layout["xaxis"] = {"type": "category", "title": {"text": gettext("Period", locale=lang)}}
    layout["yaxis"] = {"title": {"text": unit}, "rangemode": "tozero", "gridcolor": "#e0e0e0"}
    layout["legend"] = {"orientation": "h", "y": -0.25}
    return {"data": traces, "layout": layout}


def _clean(values: pd.Series) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else round(float(v), 4) for v in values]


def class_edges(values: np.ndarray, k: int = len(PALETTE)) -> np.ndarray:
    """Quantile class edges of the finite ``values`` (fewer classes when values repeat)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.array([])
    return np.unique(np.quantile(finite, np.linspace(0, 1, k + 1)))


def _outline(geometries: Any) -> tuple[list[float | None], list[float | None]]:
    """x and y of every ring of ``geometries``, rings separated by None (one filled trace)."""
    import shapely

    if len(geometries) == 0:
        return [], []
    polygons = shapely.get_parts(np.asarray(geometries))
    rings = shapely.get_exterior_ring(polygons)
    coords, index = shapely.get_coordinates(rings, return_index=True)
    coords = np.round(coords, 5)
    breaks = np.flatnonzero(np.diff(index)) + 1
    xs: list[float | None] = []
    ys: list[float | None] = []
    for part in np.split(np.arange(len(coords)), breaks):
        xs.extend([*coords[part, 0].tolist(), None])
        ys.extend([*coords[part, 1].tolist(), None])
    return xs, ys


def map_figure(
    shapes: Any, table: pd.DataFrame, unit: str, lang: str, tiles_url: str | None = None
) -> dict[str, Any]:
    """Choropleth of ``table`` (area_id, value) over ``shapes`` (GeoDataFrame with area_id,
    name): filled polygons on plain axes, or over basemap tiles when ``tiles_url`` is set."""
    if tiles_url:
        return tiled_map_figure(shapes, table, unit, lang, tiles_url)
    import shapely

    merged = shapes.merge(table[["area_id", "value"]], on="area_id", how="left")
    values = merged["value"].astype("float64").to_numpy()
    edges, klass = _classes(values)
    simplified = shapely.simplify(merged.geometry.to_numpy(), 1e-4, preserve_topology=True)
    traces: list[dict[str, Any]] = []
    n_classes = max(len(edges) - 1, 1) if edges.size else 0
    for i in range(n_classes):
        xs, ys = _outline(simplified[klass == i])
        low, high = edges[i], edges[min(i + 1, len(edges) - 1)]
        colour = PALETTE[round(i * (len(PALETTE) - 1) / max(n_classes - 1, 1))]
        traces.append(_polygons(xs, ys, colour, f"{low:,.1f} – {high:,.1f}"))
    if (klass == -1).any():
        xs, ys = _outline(simplified[klass == -1])
        traces.append(_polygons(xs, ys, NO_DATA, gettext("Suppressed or no data", locale=lang)))
    centres = shapely.point_on_surface(simplified)
    labels = [
        f"{name}: {'—' if not math.isfinite(v) else f'{v:,.1f}'}"
        for name, v in zip(merged["name"], values, strict=True)
    ]
    traces.append(
        {"type": "scatter", "mode": "markers", "x": np.round(shapely.get_x(centres), 5).tolist(),
         "y": np.round(shapely.get_y(centres), 5).tolist(), "text": labels,
         "hovertemplate": "%{text}<extra></extra>", "showlegend": False,
         "marker": {"size": 10, "color": "rgba(0,0,0,0)"}}
    )  # fmt: skip
    layout = _base_layout(480)
    layout["margin"] = {"l": 8, "r": 8, "t": 8, "b": 8}
    mid_lat = float(np.nanmean(shapely.get_y(centres))) if len(centres) else 0.0
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {
        "visible": False,
        "scaleanchor": "x",
        "scaleratio": 1 / max(math.cos(math.radians(mid_lat)), 0.1),
    }
    layout["legend"] = {"title": {"text": unit}, "bgcolor": "rgba(255,255,255,0.85)"}
    return {"data": traces, "layout": layout}


def _polygons(xs: list[float | None], ys: list[float | None], colour: str, name: str) -> dict:
    return {
        "type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself",
        "fillcolor": colour, "line": {"color": "#ffffff", "width": 0.8}, "name": name,
        "hoverinfo": "skip",
    }  # fmt: skip


def bar_figure(labels: list[str], values: list[float], title: str) -> dict[str, Any]:
    """Horizontal bars (stage scores, status counts)."""
    layout = _base_layout(max(200, 36 * len(labels) + 60))
    layout["margin"] = {"l": 8, "r": 16, "t": 16, "b": 40}
    layout["xaxis"] = {"title": {"text": title}, "gridcolor": "#e0e0e0", "rangemode": "tozero"}
    layout["yaxis"] = {"automargin": True, "autorange": "reversed"}
    return {
        "data": [
            {"type": "bar", "orientation": "h", "x": values, "y": labels,
             "marker": {"color": LINE}, "hovertemplate": "%{y}: %{x}<extra></extra>"}
        ],
        "layout": layout,
    }  # fmt: skip


def _classes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantile edges and the class of each value (-1: missing or suppressed)."""
    edges = class_edges(values)
    klass = np.full(len(values), -1)
    ok = np.isfinite(values)
    if edges.size > 1:
        klass[ok] = np.clip(np.searchsorted(edges, values[ok], side="right") - 1, 0, len(edges) - 2)
    elif edges.size == 1:
        klass[ok] = 0
    return edges, klass


def tiled_map_figure(
    shapes: Any, table: pd.DataFrame, unit: str, lang: str, tiles_url: str
) -> dict[str, Any]:
    """The choropleth over raster basemap tiles (``{z}/{x}/{y}`` URL): Plotly's MapLibre map,
    one ``choroplethmap`` trace per class so the legend shows the class ranges."""
    import json

    import shapely

    merged = shapes.merge(table[["area_id", "value"]], on="area_id", how="left")
    values = merged["value"].astype("float64").to_numpy()
    edges, klass = _classes(values)
    simplified = merged.set_geometry(
        shapely.simplify(merged.geometry.to_numpy(), 1e-4, preserve_topology=True)
    )
    geojson = json.loads(simplified[["area_id", "geometry"]].to_json(drop_id=True))
    n_classes = max(len(edges) - 1, 1) if edges.size else 0
    labels = [f"{n}: {'—' if not math.isfinite(v) else f'{v:,.1f}'}"
              for n, v in zip(merged["name"], values, strict=True)]  # fmt: skip
    traces = []
    groups = [(i, PALETTE[round(i * (len(PALETTE) - 1) / max(n_classes - 1, 1))],
               f"{edges[i]:,.1f} – {edges[min(i + 1, len(edges) - 1)]:,.1f}")
              for i in range(n_classes)]  # fmt: skip
    groups.append((-1, NO_DATA, gettext("Suppressed or no data", locale=lang)))
    for index, colour, name in groups:
        members = np.flatnonzero(klass == index)
        if not len(members):
            continue
        traces.append(
            {"type": "choroplethmap", "geojson": geojson, "featureidkey": "properties.area_id",
             "locations": merged["area_id"].iloc[members].tolist(), "z": [1] * len(members),
             "colorscale": [[0, colour], [1, colour]], "showscale": False, "name": name,
             "showlegend": True, "marker": {"opacity": 0.8, "line": {"color": "#ffffff",
             "width": 0.6}}, "text": [labels[m] for m in members],
             "hovertemplate": "%{text}<extra></extra>"}
        )  # fmt: skip
    west, south, east, north = simplified.total_bounds
    span = max(east - west, (north - south) * 1.4, 1e-6)
    layout = _base_layout(480)
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    layout["legend"] = {"title": {"text": unit}, "bgcolor": "rgba(255,255,255,0.85)"}
    layout["map"] = {
        "style": {"version": 8, "sources": {"base": {"type": "raster", "tiles": [tiles_url],
                  "tileSize": 256}}, "layers": [{"id": "base", "type": "raster",
                  "source": "base"}]},
        "center": {"lon": (west + east) / 2, "lat": (south + north) / 2},
        "zoom": max(0.0, min(18.0, math.log2(360 / span) - 0.3)),
    }  # fmt: skip
    return {"data": traces, "layout": layout}
