"""``barrio spatial ...`` and ``barrio select``: thin wrappers over barrio.spatial.service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import ConfigError
from barrio.i18n import _

FileArg = typer.Argument(
    ..., help="Points or polygons: .gpkg, .geojson, .parquet, or .csv with lon/lat."
)
OutputOpt = typer.Option(
    None, "--output", "-o", help="Write the result (.gpkg, .geojson, .parquet, .csv)."
)
LonOpt = typer.Option("lon", "--lon", help="Longitude column of CSV/Parquet tables.")
LatOpt = typer.Option("lat", "--lat", help="Latitude column of CSV/Parquet tables.")
CrsOpt = typer.Option(
    None, "--crs", help="Projected CRS for the analysis (default: local UTM zone)."
)
CellOpt = typer.Option(
    None, "--cell-size", help="Grid cell size in CRS units (default: sfhotspot rule)."
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


def _local(statistic: str):
    def command(
        path: Path = FileArg,
        column: str | None = typer.Option(None, "--column", help="Variable of polygon layers."),
        weights: str = typer.Option("queen", "--weights", help="queen or rook contiguity."),
        cell_size: float | None = CellOpt,
        permutations: int = typer.Option(999, "--permutations", help="0 for analytical only."),
        seed: int = typer.Option(0, "--seed", help="Seed of the permutations."),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
        no_fdr: bool = typer.Option(False, "--no-fdr", help="Do not control the FDR."),
        output: Path | None = OutputOpt,
        lon: str = LonOpt,
        lat: str = LatOpt,
        crs: str | None = CrsOpt,
        as_json: bool = JsonOption,
    ) -> None:
        from barrio.spatial.service import local_statistic

        def work() -> dict[str, Any]:
            layer, summary = local_statistic(
                _read(path, lon, lat),
                statistic,
                column,
                weights=weights,
                cell_size=cell_size,
                permutations=permutations,
                seed=seed,
                alpha=alpha,
                fdr=not no_fdr,
                crs=crs,
            )
            return _finish(layer, summary, output)

        run_command(as_json, work, _render_summary("Local statistic"))

    command.__doc__ = (
        "Getis-Ord Gi* hot and cold spots." if statistic == "gistar" else "Local Moran clusters."
    )
    return command


def grid(
    path: Path = FileArg,
    cell_size: float | None = CellOpt,
    output: Path | None = OutputOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    as_json: bool = JsonOption,
) -> None:
    """Count points on a square grid."""
    from barrio.spatial.service import grid_counts

    def work() -> dict[str, Any]:
        cells, summary = grid_counts(_read(path, lon, lat), cell_size, crs)
        return _finish(cells, summary, output)

    run_command(as_json, work, _render_summary("Grid counts"))


def kde(
    path: Path = FileArg,
    cell_size: float | None = CellOpt,
    bandwidth: float | None = typer.Option(None, "--bandwidth", help="Bandwidth in CRS units."),
    kernel: str = typer.Option("quartic", "--kernel", help="quartic or gaussian."),
    output: Path | None = OutputOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    as_json: bool = JsonOption,
) -> None:
    """Kernel density at the centres of a square grid."""
    from barrio.spatial import kde as kde_mod
    from barrio.spatial.grid import square_grid
    from barrio.spatial.service import _xy, projected

    def work() -> dict[str, Any]:
        pts = projected(_read(path, lon, lat), crs)
        xy = _xy(pts)
        g = square_grid(xy, cell_size)
        h = kde_mod.bandwidth(xy) if bandwidth is None else bandwidth
        cells = g.polygons(pts.crs)
        cells["kde"] = kde_mod.kde(xy, g, h, kernel=kernel)
        summary = {"cells": g.n_cells, "cell_size": g.cell_size, "bandwidth": h, "kernel": kernel}
        return _finish(cells, summary, output)

    run_command(as_json, work, _render_summary("Kernel density"))


def moran(
    path: Path = FileArg,
    column: str = typer.Option(..., "--column", help="Variable to test."),
    weights: str = typer.Option("queen", "--weights", help="queen or rook contiguity."),
    permutations: int = typer.Option(999, "--permutations"),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = JsonOption,
) -> None:
    """Global Moran's I and Geary's C of a polygon layer."""
    from barrio.errors import InputError
    from barrio.spatial.moran import geary
    from barrio.spatial.moran import moran as moran_fn
    from barrio.spatial.weights import contiguity

    def work() -> dict[str, Any]:
        layer = _read(path, "lon", "lat")
        if column not in layer.columns:
            raise InputError(
                f"column {column!r} not found; available: {', '.join(map(str, layer.columns))}",
                hint="choose the variable with --column",
            )
        w = contiguity(layer, weights)
        x = layer[column].to_numpy(dtype=float)
        return {
            "moran": moran_fn(x, w, permutations=permutations, seed=seed).to_dict(),
            "geary": geary(x, w, permutations=permutations, seed=seed).to_dict(),
        }

    run_command(as_json, work, _render_summary("Global spatial autocorrelation"))


def concentration(
    path: Path = FileArg,
    column: str | None = typer.Option(None, "--column", help="Counts per place (polygons)."),
    cell_size: float | None = CellOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    as_json: bool = JsonOption,
) -> None:
    """Gini, generalized Gini and top-share concentration of crime over places."""
    from barrio.spatial.service import _is_points, concentration_summary, grid_counts

    def work() -> dict[str, Any]:
        layer = _read(path, lon, lat)
        if _is_points(layer) and column is None:
            cells, _summary = grid_counts(layer, cell_size)
            return concentration_summary(cells["count"].to_numpy())
        if column is None or column not in layer.columns:
            raise ConfigError(
                f"column {column!r} not found", hint="give the counts column with --column"
            )
        return concentration_summary(layer[column].to_numpy(dtype=float))

    run_command(as_json, work, _render_summary("Concentration"))


def nearrepeat(
    path: Path = FileArg,
    date: str = typer.Option(..., "--date", help="Date column."),
    distance_bands: str = typer.Option("0,1,100,200,300", "--distance-bands"),
    time_bands: str = typer.Option("0,7,14,21", "--time-bands", help="Days."),
    metric: str = typer.Option("manhattan", "--metric", help="manhattan or euclidean."),
    iterations: int = typer.Option(99, "--iterations"),
    seed: int = typer.Option(0, "--seed"),
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    as_json: bool = JsonOption,
) -> None:
    """Near Repeat Calculator table (Knox ratios with Monte Carlo p-values)."""
    from barrio.spatial.nearrepeat import near_repeat
    from barrio.spatial.service import _xy, days_since_start, projected

    def work() -> dict[str, Any]:
        pts = projected(_read(path, lon, lat), crs)
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
    path: Path = FileArg,
    date: str = typer.Option(..., "--date", help="Date column."),
    cell_size: float | None = CellOpt,
    time_window: int = typer.Option(0, "--time-window", help="Previous months as neighbours."),
    alpha: float = typer.Option(0.05, "--alpha"),
    output: Path | None = OutputOpt,
    lon: str = LonOpt,
    lat: str = LatOpt,
    crs: str | None = CrsOpt,
    as_json: bool = JsonOption,
) -> None:
    """Emerging hot spot analysis on a monthly space-time cube."""
    from barrio.spatial.service import emerging_hotspots

    def work() -> dict[str, Any]:
        cells, summary = emerging_hotspots(
            _read(path, lon, lat), date, cell_size, time_window, alpha, crs
        )
        return _finish(cells, summary, output)

    run_command(as_json, work, _render_summary("Emerging hot spots"))


def select(
    path: Path = typer.Argument(..., help="One row per neighbourhood with the indicator columns."),
    n: int = typer.Option(22, "--n", help="How many neighbourhoods to select."),
    pillar: list[str] = typer.Option(
        ..., "--pillar", help="name=column[:weight],... e.g. crime=robbery_rate,theft_rate:0.5"
    ),
    id_column: str = typer.Option("area_id", "--id"),
    name_column: str = typer.Option("name", "--name"),
    district: str | None = typer.Option(None, "--district", help="District column."),
    min_per_district: int = typer.Option(0, "--min-per-district"),
    combine: str = typer.Option("geometric", "--combine", help="geometric or arithmetic."),
    normalisation: str = typer.Option(
        "percentile", "--normalisation", help="percentile or minmax."
    ),
    draws: int = typer.Option(200, "--draws", help="Weight perturbation draws (stability)."),
    output: Path | None = OutputOpt,
    as_json: bool = JsonOption,
) -> None:
    """Rank neighbourhoods and propose the audit's priority set."""
    from barrio.spatial.priority import priority_index

    def work() -> dict[str, Any]:
        layer = _read(path, "lon", "lat") if path.suffix != ".csv" else _read_table(path)
        result = priority_index(
            layer,
            parse_pillars(pillar),
            n_select=n,
            id_column=id_column,
            name_column=name_column,
            district_column=district,
            min_per_district=min_per_district,
            combine=combine,
            normalisation=normalisation,
            draws=draws,
        )
        data: dict[str, Any] = {"selected": result.selected, "parameters": result.parameters}
        if output is not None:
            from barrio.spatial.service import write_layer

            data["output"] = str(write_layer(result.table, output))
        cols = [id_column, "rank", "index", "selected", "stability", "explanation"]
        data["rows"] = result.table[cols].to_dict(orient="records")
        return data

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

    run_command(as_json, work, render)


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
                f"invalid pillar {spec!r}",
                hint="write --pillar name=column[:weight],... e.g. crime=robbery_rate:1",
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
            f"invalid list of numbers {text!r}", hint="write comma-separated numbers, e.g. 0,7,14"
        ) from error


def register(app: typer.Typer) -> None:
    """Add ``barrio spatial ...`` and ``barrio select`` to the main app."""
    sub = typer.Typer(
        help=_("Hotspots, KDE, Moran, emerging hotspots, concentration, near repeat.")
    )
    sub.command("grid")(grid)
    sub.command("kde")(kde)
    sub.command("gistar")(_local("gistar"))
    sub.command("lisa")(_local("lisa"))
    sub.command("moran")(moran)
    sub.command("concentration")(concentration)
    sub.command("nearrepeat")(nearrepeat)
    sub.command("emerging")(emerging)
    app.add_typer(sub, name="spatial")
    app.command("select")(select)
