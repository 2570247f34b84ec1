"""``barrio spatial ...`` and ``barrio select``: thin wrappers over barrio.spatial.service.

Every command runs on a file (points or polygons) or, without FILE, on the workspace: points
from ``incidents`` (``--iccs``, ``--from``, ``--to``), polygons from ``areas`` at ``--level``
with counts, population and rates, analysed in the workspace CRS, outputs to ``out/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.options import WorkspaceOption, add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import ConfigError
from barrio.i18n import _

FileArg = typer.Argument(
    None,
    help=_(
        "Points or polygons: .gpkg, .geojson, .parquet, or .csv with lon/lat "
        "(default: the workspace)."
    ),
)
IccsOpt = typer.Option(None, "--iccs", help=_("Workspace: ICCS code prefix, e.g. 0401."))
FromOpt = typer.Option(None, "--from", help=_("Workspace: first date, YYYY-MM-DD."))
ToOpt = typer.Option(None, "--to", help=_("Workspace: last date, YYYY-MM-DD."))
LevelOpt = typer.Option(
    None, "--level", help=_("Workspace: analyse the areas of this level (counts, rates).")
)
ClipOpt = typer.Option(
    None, "--clip", help=_("Keep grid cells touching these polygons; report points outside.")
)
NoClipOpt = typer.Option(False, "--no-clip", help=_("Workspace: do not clip grids to the areas."))
OutputOpt = typer.Option(
    None, "--output", "-o", help=_("Write the result (.gpkg, .geojson, .parquet, .csv).")
)
LonOpt = typer.Option("lon", "--lon", help=_("Longitude column of CSV/Parquet tables."))
LatOpt = typer.Option("lat", "--lat", help=_("Latitude column of CSV/Parquet tables."))
CrsOpt = typer.Option(
    None, "--crs", help=_("Projected CRS for the analysis (default: local UTM zone).")
)
CellOpt = typer.Option(
    None, "--cell-size", help=_("Grid cell size in CRS units (default: sfhotspot rule).")
)


def _render_summary(title: str) -> Any:
    def render(result: dict[str, Any]) -> None:
        table = Table(title=_(title))
        table.add_column(_("Item"))
        table.add_column(_("Value"))
        for key, value in result.items():
            if key != "rows":
                table.add_row(str(key), str(value))
        console.print(table)
        if result.get("output"):
            console.print(_("Written to {path}", path=result["output"]))

    return render


def _finish(layer: Any, summary: dict[str, Any], output: Path | None) -> dict[str, Any]:
    from barrio.spatial.service import write_layer

    if output is not None:
        summary["output"] = str(write_layer(layer, output))
    return summary


def _read(path: Path, lon: str, lat: str) -> Any:
    from barrio.spatial.service import read_layer

    return read_layer(path, lon, lat)


@dataclass
class Source:
    """What a command analyses: the layer, the CRS to use, and the workspace (if any)."""

    layer: Any
    crs: str | None
    ws: Any = None
    clip: Any = None

    def output(self, output: Path | None, name: str) -> Path | None:
        """``output``, or ``out/<name>`` in workspace mode."""
        if self.ws is None:
            return output
        from barrio.spatial.workspace import default_output

        return default_output(self.ws, name, output)


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ConfigError(
            _("{option} {text!r} is not a date", option=option, text=text),
            hint=_("write {option} YYYY-MM-DD", option=option),
        ) from error


def _source(
    path: Path | None,
    workspace: Path | None,
    *,
    lon: str = "lon",
    lat: str = "lat",
    crs: str | None = None,
    iccs: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    level: str | None = None,
    clip: Path | None = None,
    no_clip: bool = False,
) -> Source:
    """Read FILE, or the workspace's incidents (points) or areas at ``level`` (polygons)."""
    clip_layer = _read(clip, "lon", "lat") if clip is not None else None
    if path is not None:
        return Source(_read(path, lon, lat), crs, clip=clip_layer)
    from barrio.spatial import workspace as wsmod
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    if level is not None:
        layer = wsmod.area_layer(ws, level, iccs=iccs, date_from=first, date_to=last)
    else:
        layer = wsmod.incident_points(ws, iccs=iccs, date_from=first, date_to=last)
    if clip_layer is None and not no_clip and level is None:
        clip_layer = wsmod.area_outlines(ws)
    return Source(layer, crs or ws.config.crs, ws, clip_layer)


def _local(statistic: str):
    def command(
        path: Path | None = FileArg,
        column: str | None = typer.Option(
            None, "--column", help=_("Variable of polygon layers (workspace: rate or count).")
        ),
        weights: str = typer.Option("queen", "--weights", help=_("queen or rook contiguity.")),
        cell_size: float | None = CellOpt,
        permutations: int = typer.Option(999, "--permutations", help=_("0 for analytical only.")),
        seed: int = typer.Option(0, "--seed", help=_("Seed of the permutations.")),
        alpha: float = typer.Option(0.05, "--alpha", help=_("Significance level.")),
        no_fdr: bool = typer.Option(False, "--no-fdr", help=_("Do not control the FDR.")),
        output: Path | None = OutputOpt,
        lon: str = LonOpt,
        lat: str = LatOpt,
        crs: str | None = CrsOpt,
        workspace: Path | None = WorkspaceOption,
        iccs: str | None = IccsOpt,
        date_from: str | None = FromOpt,
        date_to: str | None = ToOpt,
        level: str | None = LevelOpt,
        as_json: bool = JsonOption,
    ) -> None:
        from barrio.spatial.service import local_statistic

        def work() -> dict[str, Any]:
            src = _source(
                path, workspace, lon=lon, lat=lat, crs=crs, iccs=iccs,
                date_from=date_from, date_to=date_to, level=level, no_clip=True,
            )  # fmt: skip
            if src.ws is not None and level is not None and column is None:
                src.layer = src.layer[src.layer["rate"].notna()].reset_index(drop=True)
            layer, summary = local_statistic(
                src.layer,
                statistic,
                column or ("rate" if level is not None else None),
                weights=weights,
                cell_size=cell_size,
                permutations=permutations,
                seed=seed,
                alpha=alpha,
                fdr=not no_fdr,
                crs=src.crs,
            )
            return _finish(layer, summary, src.output(output, f"{statistic}.gpkg"))

        run_command(as_json, work, _render_summary("Local statistic"))

    command.__doc__ = (
        "Getis-Ord Gi* hot and cold spots." if statistic == "gistar" else "Local Moran clusters."
    )
    return command


def grid(
    path: Path | None = FileArg,
    cell_size: float | None = CellOpt,
    h3: int | None = typer.Option(None, "--h3", help=_("H3 hexagons at this resolution (0-15).")),
    clip: Path | None = ClipOpt,
    no_clip: bool = NoClipOpt,
    output: Path | None = OutputOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    as_json: bool = JsonOption,
) -> None:
    """Count points on a square grid or on H3 hexagons."""
    from barrio.spatial.service import grid_counts, h3_grid

    def work() -> dict[str, Any]:
        src = _source(
            path, workspace, lon=lon, lat=lat, crs=crs, iccs=iccs,
            date_from=date_from, date_to=date_to, clip=clip, no_clip=no_clip,
        )  # fmt: skip
        if h3 is not None:
            cells, summary = h3_grid(src.layer, h3, clip=src.clip)
        else:
            cells, summary = grid_counts(src.layer, cell_size, src.crs, clip=src.clip)
        return _finish(cells, summary, src.output(output, "grid.gpkg"))

    run_command(as_json, work, _render_summary("Grid counts"))


def kde(
    path: Path | None = FileArg,
    cell_size: float | None = CellOpt,
    bandwidth: float | None = typer.Option(None, "--bandwidth", help=_("Bandwidth in CRS units.")),
    kernel: str = typer.Option("quartic", "--kernel", help=_("quartic or gaussian.")),
    dual: str | None = typer.Option(
        None,
        "--dual",
        help=_("Population points file (or 'workspace': area centroids) for a risk surface."),
    ),
    dual_method: str = typer.Option(
        "ratio", "--dual-method", help=_("ratio, log, difference or sum.")
    ),
    population_column: str = typer.Option(
        "population", "--population-column", help=_("Population column of the --dual file.")
    ),
    clip: Path | None = ClipOpt,
    no_clip: bool = NoClipOpt,
    output: Path | None = OutputOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    as_json: bool = JsonOption,
) -> None:
    """Kernel density at the centres of a square grid (or a dual crime/population KDE)."""
    from barrio.spatial import kde as kde_mod
    from barrio.spatial.grid import cells_in_area, square_grid
    from barrio.spatial.service import _outside_area, _xy, projected, study_area

    def work() -> dict[str, Any]:
        src = _source(
            path, workspace, lon=lon, lat=lat, crs=crs, iccs=iccs,
            date_from=date_from, date_to=date_to, clip=clip, no_clip=no_clip,
        )  # fmt: skip
        pts = projected(src.layer, src.crs)
        xy = _xy(pts)
        g = square_grid(xy, cell_size)
        h = kde_mod.bandwidth(xy) if bandwidth is None else bandwidth
        cells = g.polygons(pts.crs)
        summary: dict[str, Any] = {
            "cells": g.n_cells, "cell_size": g.cell_size, "bandwidth": h, "kernel": kernel,
        }  # fmt: skip
        if dual is None:
            cells["kde"] = kde_mod.kde(xy, g, h, kernel=kernel)
        else:
            pop = _population_points(dual, src, population_column, lon, lat)
            pop_pts = pop.to_crs(pts.crs)
            cells["risk"] = kde_mod.dual_kde(
                xy, _xy(pop_pts), g, h, population=pop_pts[population_column].to_numpy(float),
                method=dual_method, kernel=kernel,
            )  # fmt: skip
            summary.update(dual_method=dual_method, population_points=len(pop_pts))
        if src.clip is not None:
            area = study_area(src.clip, pts.crs)
            cells = cells[cells_in_area(g, area)].reset_index(drop=True)
            summary.update(_outside_area(area, xy), cells_in_area=len(cells))
        return _finish(cells, summary, src.output(output, "kde.gpkg"))

    run_command(as_json, work, _render_summary("Kernel density"))


def _population_points(dual: str, src: Source, column: str, lon: str, lat: str) -> Any:
    from barrio.errors import InputError

    if dual == "workspace":
        if src.ws is None:
            raise ConfigError(
                _("--dual workspace needs workspace mode"), hint=_("omit FILE, or give a file")
            )
        from barrio.spatial.workspace import population_points

        return population_points(src.ws)
    pop = _read(Path(dual), lon, lat)
    if column not in pop.columns:
        raise InputError(
            _("population column {column!r} not found in {dual}", column=column, dual=dual),
            hint=_("name it with --population-column"),
        )
    if not bool((pop.geometry.geom_type == "Point").all()):
        pop = pop.set_geometry(pop.geometry.representative_point())
    return pop


def moran(
    path: Path | None = FileArg,
    column: str | None = typer.Option(
        None, "--column", help=_("Variable to test (workspace: rate by default).")
    ),
    weights: str = typer.Option("queen", "--weights", help=_("queen or rook contiguity.")),
    permutations: int = typer.Option(999, "--permutations", help=_("0 for analytical only.")),
    seed: int = typer.Option(0, "--seed", help=_("Seed of the permutations.")),
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    level: str | None = LevelOpt,
    as_json: bool = JsonOption,
) -> None:
    """Global Moran's I and Geary's C of a polygon layer."""
    from barrio.errors import InputError
    from barrio.spatial.moran import geary
    from barrio.spatial.moran import moran as moran_fn
    from barrio.spatial.weights import contiguity

    def work() -> dict[str, Any]:
        src = _source(
            path, workspace, iccs=iccs, date_from=date_from, date_to=date_to,
            level=level or (_finest_level(workspace) if path is None else None),
        )  # fmt: skip
        layer = src.layer
        col = column or ("rate" if src.ws is not None else None)
        if col is None or col not in layer.columns:
            raise InputError(
                _(
                    "column {col!r} not found; available: {available}",
                    col=col,
                    available=", ".join(map(str, layer.columns)),
                ),
                hint=_("choose the variable with --column"),
            )
        layer = layer[layer[col].notna()].reset_index(drop=True)
        w = contiguity(layer, weights)
        x = layer[col].to_numpy(dtype=float)
        return {
            "units": len(layer),
            "moran": moran_fn(x, w, permutations=permutations, seed=seed).to_dict(),
            "geary": geary(x, w, permutations=permutations, seed=seed).to_dict(),
        }

    run_command(as_json, work, _render_summary("Global spatial autocorrelation"))


def _finest_level(workspace: Path | None) -> str:
    from barrio.workspace import Workspace

    return Workspace.open(workspace).config.levels[-1]


def concentration(
    path: Path | None = FileArg,
    column: str | None = typer.Option(None, "--column", help=_("Counts per place (polygons).")),
    cell_size: float | None = CellOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    level: str | None = LevelOpt,
    as_json: bool = JsonOption,
) -> None:
    """Gini, generalized Gini and top-share concentration of crime over places."""
    from barrio.spatial.service import _is_points, concentration_summary, grid_counts

    def work() -> dict[str, Any]:
        src = _source(
            path, workspace, lon=lon, lat=lat, iccs=iccs, date_from=date_from,
            date_to=date_to, level=level,
        )  # fmt: skip
        layer = src.layer
        if _is_points(layer) and column is None:
            cells, summary = grid_counts(layer, cell_size, src.crs, clip=src.clip)
            return {"cell_size": summary["cell_size"], **concentration_summary(cells["count"])}
        col = column or ("count" if src.ws is not None else None)
        if col is None or col not in layer.columns:
            raise ConfigError(
                _("column {col!r} not found", col=col),
                hint=_("give the counts column with --column"),
            )
        return concentration_summary(layer[col].to_numpy(dtype=float))

    run_command(as_json, work, _render_summary("Concentration"))


def nearrepeat(
    path: Path | None = FileArg,
    date: str = typer.Option("occurred_on", "--date", help=_("Date column.")),
    distance_bands: str = typer.Option(
        "0,1,100,200,300", "--distance-bands", help=_("Band edges in CRS units (metres).")
    ),
    time_bands: str = typer.Option("0,7,14,21", "--time-bands", help=_("Days.")),
    metric: str = typer.Option("manhattan", "--metric", help=_("manhattan or euclidean.")),
    iterations: int = typer.Option(99, "--iterations", help=_("Monte Carlo iterations.")),
    seed: int = typer.Option(0, "--seed", help=_("Seed of the permutations.")),
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    as_json: bool = JsonOption,
) -> None:
    """Near Repeat Calculator table (Knox ratios with Monte Carlo p-values)."""
    from barrio.errors import InputError
    from barrio.spatial.nearrepeat import near_repeat
    from barrio.spatial.service import _xy, days_since_start, projected

    def work() -> dict[str, Any]:
        src = _source(
            path, workspace, lon=lon, lat=lat, crs=crs, iccs=iccs,
            date_from=date_from, date_to=date_to,
        )  # fmt: skip
        if date not in src.layer.columns:
            raise InputError(
                _("date column {date!r} not found", date=date), hint=_("name it with --date")
            )
        pts = projected(src.layer, src.crs)
        table = near_repeat(
            _xy(pts),
            days_since_start(pts[date]),
            _floats(distance_bands),
            _floats(time_bands),
            iterations=iterations,
            seed=seed,
            metric=metric,
        )
        return {
            "observed": table.observed.to_dict(orient="index"),
            "knox_ratio": table.knox_ratio.round(3).to_dict(orient="index"),
            "p_value": table.p_value.to_dict(orient="index"),
            "iterations": iterations,
        }

    def render(result: dict[str, Any]) -> None:
        for key in ("observed", "knox_ratio", "p_value"):
            rows = result[key]
            table = Table(title=_(key.replace("_", " ").capitalize()))
            cols = list(next(iter(rows.values())))
            table.add_column("")
            for c in cols:
                table.add_column(str(c))
            for label, row in rows.items():
                table.add_row(label, *(str(row[c]) for c in cols))
            console.print(table)

    run_command(as_json, work, render)


def emerging(
    path: Path | None = FileArg,
    date: str = typer.Option("occurred_on", "--date", help=_("Date column.")),
    cell_size: float | None = CellOpt,
    time_window: int = typer.Option(0, "--time-window", help=_("Previous months as neighbours.")),
    alpha: float = typer.Option(0.05, "--alpha", help=_("Significance level.")),
    output: Path | None = OutputOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    as_json: bool = JsonOption,
) -> None:
    """Emerging hot spot analysis on a monthly space-time cube."""
    from barrio.spatial.service import emerging_hotspots

    def work() -> dict[str, Any]:
        src = _source(
            path, workspace, lon=lon, lat=lat, crs=crs, iccs=iccs,
            date_from=date_from, date_to=date_to,
        )  # fmt: skip
        cells, summary = emerging_hotspots(src.layer, date, cell_size, time_window, alpha, src.crs)
        return _finish(cells, summary, src.output(output, "emerging.gpkg"))

    run_command(as_json, work, _render_summary("Emerging hot spots"))


def select(
    path: Path | None = typer.Argument(
        None, help=_("One row per neighbourhood with the indicator columns (default: workspace).")
    ),
    n: int | None = typer.Option(None, "--n", help=_("How many neighbourhoods to select (22).")),
    pillar: list[str] | None = typer.Option(
        None, "--pillar", help=_("name=column[:weight],... e.g. crime=robbery_rate,theft_rate:0.5")
    ),
    id_column: str = typer.Option("area_id", "--id", help=_("Id column.")),
    name_column: str = typer.Option("name", "--name", help=_("Name column.")),
    district: str | None = typer.Option(None, "--district", help=_("District column.")),
    min_per_district: int | None = typer.Option(
        None,
        "--min-per-district",
        help=_("Select at least this many neighbourhoods in every district."),
    ),
    combine: str | None = typer.Option(None, "--combine", help=_("geometric or arithmetic.")),
    normalisation: str | None = typer.Option(
        None, "--normalisation", help=_("percentile or minmax.")
    ),
    draws: int = typer.Option(200, "--draws", help=_("Weight perturbation draws (stability).")),
    output: Path | None = OutputOpt,
    workspace: Path | None = WorkspaceOption,
    iccs: str | None = IccsOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    level: str | None = LevelOpt,
    cell_size: float | None = CellOpt,
    as_json: bool = JsonOption,
) -> None:
    """Rank neighbourhoods and propose the audit's priority set."""
    from barrio.spatial.priority import priority_index

    def work() -> dict[str, Any]:
        if path is None:
            chosen = _workspace_selection(
                workspace, iccs, date_from, date_to, level, cell_size, output, pillar, district,
                min_per_district, combine, normalisation, draws, id_column, name_column, n,
            )  # fmt: skip
            return _selection_data(chosen.result, chosen.excluded, str(chosen.output), id_column)
        if not pillar:
            raise ConfigError(
                _("--pillar is required with a FILE"), hint=_("e.g. --pillar crime=rate")
            )
        layer = _read(path, "lon", "lat") if path.suffix != ".csv" else _read_table(path)
        result = priority_index(
            layer,
            parse_pillars(pillar),
            n_select=n or 22,
            id_column=id_column,
            name_column=name_column,
            district_column=district,
            min_per_district=0 if min_per_district is None else min_per_district,
            combine="geometric" if combine is None else combine,
            normalisation="percentile" if normalisation is None else normalisation,
            draws=draws,
        )
        written = None
        if output is not None:
            from barrio.spatial.service import write_layer

            written = str(write_layer(result.table, output))
        return _selection_data(result, [], written, id_column)

    def render(result: dict[str, Any]) -> None:
        table = Table(title=_("Priority neighbourhoods"))
        for col in (_("Rank"), _("Neighbourhood"), _("Index"), _("Stability"), _("Why")):
            table.add_column(col)
        for row in result["rows"]:
            if row["selected"]:
                table.add_row(
                    str(row["rank"]),
                    str(row[id_column]),
                    f"{row['index']:.3f}",
                    f"{row['stability']:.0%}",
                    row["explanation"],
                )
        console.print(table)
        if result.get("excluded"):
            console.print(_("{n} areas could not be scored", n=len(result["excluded"])))
        if result.get("output"):
            console.print(_("Written to {path}", path=result["output"]))

    run_command(as_json, work, render)


def _selection_data(
    result: Any, excluded: list[dict[str, Any]], written: str | None, id_column: str
) -> dict[str, Any]:
    data: dict[str, Any] = {"selected": result.selected, "parameters": result.parameters}
    data["excluded"] = excluded
    if written is not None:
        data["output"] = written
    cols = [id_column, "rank", "index", "selected", "stability", "explanation"]
    data["rows"] = result.table[cols].to_dict(orient="records")
    return data


def _workspace_selection(
    workspace: Path | None,
    iccs: str | None,
    date_from: str | None,
    date_to: str | None,
    level: str | None,
    cell_size: float | None,
    output: Path | None,
    pillar: list[str] | None,
    district: str | None,
    min_per_district: int | None,
    combine: str | None,
    normalisation: str | None,
    draws: int,
    id_column: str,
    name_column: str,
    n: int | None,
) -> Any:
    from barrio.spatial.selection import select_workspace
    from barrio.workspace import Workspace

    ws = Workspace.open(workspace)
    return select_workspace(
        ws, level=level, iccs=iccs, date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"), cell_size=cell_size, n=n,
        pillars=parse_pillars(pillar) if pillar else None, district=district,
        min_per_district=min_per_district, combine=combine, normalisation=normalisation,
        draws=draws, id_column=id_column, name_column=name_column, output=output,
    )  # fmt: skip


def _read_table(path: Path) -> Any:
    import pandas as pd

    return pd.read_csv(path, dtype={"area_id": "string"})


def parse_pillars(specs: list[str]) -> dict[str, dict[str, float]]:
    """``["crime=robbery:1,theft:0.5", "context=youth"]`` -> nested dict."""
    out: dict[str, dict[str, float]] = {}
    for spec in specs:
        name, sep, cols = spec.partition("=")
        if not sep or not name or not cols:
            raise ConfigError(
                _("invalid pillar {spec!r}", spec=spec),
                hint=_("write --pillar name=column[:weight],... e.g. crime=robbery_rate:1"),
            )
        out[name] = {}
        for item in cols.split(","):
            col, _sep, weight = item.partition(":")
            out[name][col] = float(weight) if weight else 1.0
    return out


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError as error:
        raise ConfigError(
            _("invalid list of numbers {text!r}", text=text),
            hint=_("write comma-separated numbers, e.g. 0,7,14"),
        ) from error


def register(app: typer.Typer) -> None:
    """Add ``barrio spatial ...`` and ``barrio select`` to the main app."""
    sub = typer.Typer(
        help=_("Hotspots, KDE, Moran, emerging hotspots, concentration, near repeat.")
    )
    add_command(sub, "grid", grid)
    add_command(sub, "kde", kde)
    add_command(sub, "gistar", _local("gistar"))
    add_command(sub, "lisa", _local("lisa"))
    add_command(sub, "moran", moran)
    add_command(sub, "concentration", concentration)
    add_command(sub, "nearrepeat", nearrepeat)
    add_command(sub, "emerging", emerging)
    app.add_typer(sub, name="spatial")
    add_command(app, "select", select)
