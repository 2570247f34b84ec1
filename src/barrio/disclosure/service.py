"""Workspace-level disclosure control: the settings, the catalog and the area hierarchy.

:func:`public_indicators` is what every public output calls (``barrio export --public``, the
portal, public reports): it reads ``[disclosure]`` from barrio.toml and the indicator catalog,
decides which cells the threshold rule covers and runs :func:`barrio.disclosure.protect`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from barrio.disclosure.relations import DisclosureError
from barrio.disclosure.suppress import ProtectedTable, protect
from barrio.i18n import _

if TYPE_CHECKING:
    from barrio.config import DisclosureSettings
    from barrio.workspace import Workspace

# Columns that would place an incident finer than an area or a grid cell.
POINT_COLUMNS = ("lon", "lat", "x", "y", "longitude", "latitude", "incident_id", "occurred_time")


def sensitive_ids(ws: Workspace) -> set[str]:
    """Indicators marked ``sensitive: true`` in the catalog, plus ``[disclosure] sensitive``."""
    from barrio.indicators.catalog import load_catalog

    catalog = load_catalog(ws.root)
    return {i.id for i in catalog.values() if i.sensitive} | set(ws.config.disclosure.sensitive)


def area_parents(ws: Workspace) -> dict[str, str | None]:
    """Area → parent area, from the workspace's ``areas`` table."""
    from barrio.warehouse.duck import connect

    with connect(ws.warehouse_path, read_only=True) as con:
        rows = con.execute("SELECT area_id, parent_id FROM areas").fetchall()
    return {str(a): (None if p is None else str(p)) for a, p in rows}


def threshold_cells(
    table: pd.DataFrame, sensitive: set[str], small_areas: tuple[str, ...]
) -> np.ndarray:
    """Rows the threshold rule covers: every cell of a sensitive indicator, and every sex or age
    cell at a small-area level (victims by sex and age in a neighbourhood identify people)."""
    disaggregated = (table["sex"] != "total") | (table["age_group"] != "total")
    small = table["area_level"].isin(small_areas) & disaggregated
    return np.asarray(table["indicator_id"].isin(sensitive) | small)


def public_indicators(
    ws: Workspace, table: pd.DataFrame, settings: DisclosureSettings | None = None
) -> ProtectedTable:
    """The indicator table as it may be published: small sensitive cells and their complements
    hidden (see :func:`barrio.disclosure.protect`), with the workspace's settings."""
    settings = settings or ws.config.disclosure
    small = settings.small_areas
    if small is None:
        small = ws.config.levels[-1:]
    mask = threshold_cells(table, sensitive_ids(ws), tuple(small))
    protected = protect(table, parents=area_parents(ws), k=settings.k, sensitive=mask)
    protected.method["small_areas"] = list(small)
    protected.method["sensitive"] = sorted(sensitive_ids(ws))
    return protected


def check_no_coordinates(frame: pd.DataFrame, where: str) -> None:
    """Refuse a public table that places incidents finer than an area (points, times, ids)."""
    found = [c for c in frame.columns if str(c).lower() in POINT_COLUMNS]
    geometry = getattr(frame, "geometry", None) if "geometry" in frame.columns else None
    if geometry is not None and len(geometry) and (geometry.geom_type == "Point").any():
        found.append("geometry (points)")
    if found:
        raise DisclosureError(
            _(
                "{where}: a public output may not hold incident locations ({columns})",
                where=where,
                columns=", ".join(found),
            ),
            hint=_("Publish counts per area or grid cell instead (barrio spatial grid)."),
        )


def public_cell_counts(
    counts: pd.DataFrame, *, cell: str = "cell_id", value: str = "count", k: int = 5
) -> pd.DataFrame:
    """Incident counts per grid cell (or area) as a public map may show them.

    The map's total is public too, so a single hidden cell could be recovered from it: cells with
    ``0 < count < k`` are hidden (``primary``) with enough complementary cells, as in
    :func:`barrio.disclosure.protect` with the total as the only relation. When only the total
    can protect a cell (every other cell is zero), ``attrs["total_suppressed"]`` is true: then
    do not show the total either.

    Examples
    --------
    >>> grid = pd.DataFrame({"cell_id": ["a", "b", "c"], "count": [2, 40, 9]})
    >>> public_cell_counts(grid)["suppressed"].tolist()
    ['primary', '', 'complementary']
    """
    total_id = "__total__"
    if (counts[cell].astype(str) == total_id).any():
        raise DisclosureError(_("a cell may not be called {name}", name=total_id))
    cells = counts[[cell, value]].astype({cell: str})
    table = pd.concat(
        [cells, pd.DataFrame({cell: [total_id], value: [cells[value].sum()]})],
        ignore_index=True,
    )
    parents: dict[str, str | None] = dict.fromkeys(cells[cell], total_id)
    parents[total_id] = None
    out = protect(table, value=value, area=cell, parents=parents, margins={}, by=(), k=k).table
    hidden = out.iloc[:-1]
    result = counts.reset_index(drop=True).copy()
    result[value] = hidden[value].to_numpy()
    result["suppressed"] = hidden["suppressed"].to_numpy()
    result.attrs["total_suppressed"] = bool(out["suppressed"].iloc[-1])
    return result
