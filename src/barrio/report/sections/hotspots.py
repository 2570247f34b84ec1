"""Section "Hot spots and concentration": Getis-Ord Gi* on a square grid of the incidents
(analytical z, two-sided, Benjamini-Hochberg FDR; :func:`barrio.spatial.service.local_statistic`
as ``barrio spatial gistar`` runs it) and how concentrated crime is over grid cells (Lorenz
curve, Gini, share of crime in the top 1/5/10 % of cells;
:func:`barrio.spatial.service.concentration_summary`).

Only grid-cell counts are shown: never incident locations (public or not).
"""

from __future__ import annotations

import pandas as pd

from barrio.errors import InputError
from barrio.i18n import _
from barrio.report import charts, maps
from barrio.report.fmt import integer, number, share
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Figure, Section, Table


def build(ctx: ReportContext) -> Section:
    """Gi* hot-spot map, concentration table and Lorenz curve."""
    import shapely

    from barrio.spatial.concentration import lorenz
    from barrio.spatial.service import concentration_summary, local_statistic
    from barrio.spatial.workspace import area_layer, incident_points

    section = Section("hotspots", _("Hot spots and concentration"))
    try:
        points = incident_points(ctx.ws)
    except InputError as error:
        section.omitted, section.note = True, error.message
        return section
    crs = ctx.ws.config.crs
    cells, summary = local_statistic(points, "gistar", crs=crs, permutations=0)
    outlines = area_layer(ctx.ws, ctx.ws.config.levels[-1])[["area_id", "geometry"]].to_crs(crs)
    area = shapely.union_all(shapely.make_valid(outlines.geometry.to_numpy()))
    cells = cells[shapely.intersects(area, cells.geometry.to_numpy())].reset_index(drop=True)
    counts = cells["count"].to_numpy()
    shown = cells.set_geometry(shapely.intersection(cells.geometry.to_numpy(), area))  # map only
    stats = concentration_summary(counts)
    section.paragraphs.append(
        _("{points} geocoded incidents on {cells} grid cells of {size} m; {hot} cells are hot "
          "spots and {cold} cold spots after controlling the false discovery rate.",
          points=integer(len(points), ctx.locale), cells=integer(len(cells), ctx.locale),
          size=number(summary["cell_size"], ctx.locale, 0),
          hot=integer(int((cells["label"] == "hot").sum()), ctx.locale),
          cold=integer(int((cells["label"] == "cold").sum()), ctx.locale))
    )  # fmt: skip
    section.figures.append(
        Figure("gistar", _("Getis-Ord Gi* hot spots"),
               maps.hotspot_map(shown, outlines, legend_title=_("Gi* (FDR 5 %)")),
               alt=_("Map of grid cells classed as hot spots, cold spots or not significant"))
    )  # fmt: skip
    section.tables.append(_concentration(stats, ctx.locale))
    label = _("Gini {gini}", gini=number(stats["gini"], ctx.locale, 2))
    section.figures.append(
        Figure("lorenz", _("Concentration of crime over grid cells"),
               charts.lorenz_chart(lorenz(counts), label=label, xlabel=_("share of cells"),
                                   ylabel=_("share of incidents")),
               alt=_("Lorenz curve of incidents over grid cells"))
    )  # fmt: skip
    return section


def _concentration(stats: dict[str, float], locale: str) -> Table:
    rows = [
        (_("Grid cells"), integer(stats["places"], locale)),
        (_("Incidents"), integer(stats["crimes"], locale)),
        (_("Gini coefficient"), number(stats["gini"], locale, 3)),
        (_("Generalized Gini (Bernasco and Steenbeek)"),
         number(stats["generalized_gini"], locale, 3)),
        (_("Share of incidents in the top 1 % of cells"),
         share(stats["share_top_1pct"], locale, 1)),
        (_("Share of incidents in the top 5 % of cells"),
         share(stats["share_top_5pct"], locale, 1)),
        (_("Share of incidents in the top 10 % of cells"),
         share(stats["share_top_10pct"], locale, 1)),
        (_("Share of cells holding half the incidents"),
         share(stats["places_for_50pct"], locale, 1)),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["measure", "value"])
    return Table("concentration", _("Concentration"),
                 [Column("measure", _("Measure")), Column("value", _("Value"))], frame)  # fmt: skip
