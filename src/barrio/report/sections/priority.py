"""Section "Priority neighbourhoods": the audit's selection (``barrio select``) with each
neighbourhood's index, its pillar scores and the stability of its rank under perturbation.

Read from ``out/priority.gpkg`` when the selection was run; otherwise
:func:`barrio.spatial.selection.select_workspace` runs it (with the workspace's settings).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from barrio.i18n import _
from barrio.report import maps
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Figure, Section, Table


def priority_layer(ctx: ReportContext) -> Any:
    """The ranked areas (GeoDataFrame in the workspace CRS) with ``selected``."""
    import geopandas as gpd

    path = ctx.ws.out / "priority.gpkg"
    if path.exists():
        layer = gpd.read_file(path)
    else:
        from barrio.spatial.selection import select_workspace

        layer = select_workspace(ctx.ws).result.table
    layer["selected"] = layer["selected"].astype(bool)
    return layer.to_crs(ctx.ws.config.crs)


def build(ctx: ReportContext) -> Section:
    """The selected neighbourhoods and a map of the priority index."""
    section = Section("priority", _("Priority neighbourhoods"))
    layer = priority_layer(ctx)
    chosen = pd.DataFrame(layer[layer["selected"]].drop(columns="geometry")).sort_values("rank")
    pillars = [c for c in layer.columns if c.startswith("pillar:")]
    section.paragraphs.append(
        _("{n} of {total} neighbourhoods selected by the priority index (percentile pillars "
          "combined; stability = share of perturbed rankings that keep the neighbourhood in the "
          "selection).", n=len(chosen), total=len(layer))
    )  # fmt: skip
    columns = [Column("rank", _("Rank"), "int"), Column("name", _("Neighbourhood")),
               Column("count", _("Incidents"), "int"), Column("rate", _("Rate"), "rate"),
               Column("index", _("Index"), "float", 3)]  # fmt: skip
    columns += [Column(p, p.removeprefix("pillar:"), "float", 3) for p in pillars]
    columns.append(Column("stability", _("Stability"), "share"))
    section.tables.append(
        Table("priority", _("Selected neighbourhoods"), columns, chosen.reset_index(drop=True))
    )
    section.figures.append(
        Figure("priority_map", _("Priority index by neighbourhood"),
               maps.choropleth(layer, "index", locale=ctx.locale, scheme="quantiles",
                               legend_title=_("priority index"), digits=2),
               alt=_("Choropleth map of the priority index"))
    )  # fmt: skip
    return section
