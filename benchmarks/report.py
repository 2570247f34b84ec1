"""Benchmark: the full findings report (HTML + PDF) of the full-size fixture city.

Target: ≤ 60 s from the workspace to both files. Prints the time of every section's gathering,
the HTML rendering and the WeasyPrint PDF, the peak memory, and a baseline run in the same
process: the report's three maps drawn the usual way, GeoPandas ``.plot()`` with its defaults
(``scheme="FisherJenks"`` / ``"Quantiles"`` through mapclassify's own classifiers, a categorical
plot of the Gi* cells under ``.boundary.plot()``), against :mod:`barrio.report.maps` on the same
layers.

    python benchmarks/report.py [--dir DIR] [--lang es|en] [--no-baseline]

Without ``--dir`` the full fixture city is built first with ``barrio demo`` (not timed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_SECONDS = 60.0


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(label: str, rows: list[tuple[str, float]], work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    rows.append((label, time.perf_counter() - start))
    return result


def report_run(ws: Any, lang: str, rows: list[tuple[str, float]]) -> dict[str, Path]:
    """Gather every section (timed one by one), then HTML and PDF."""
    from barrio.i18n import _, using_locale
    from barrio.report.gather import ReportContext
    from barrio.report.model import Report
    from barrio.report.render_html import render_html
    from barrio.report.render_pdf import write_pdf
    from barrio.report.sections import (
        audit,
        context,
        hotspots,
        incidence,
        methodology,
        priority,
        survey,
    )

    at = dt.date.today()
    builders = {
        "context": context.build, "incidence": incidence.build, "hotspots": hotspots.build,
        "priority": priority.build, "survey": survey.build, "diagnosis": audit.diagnosis,
        "risk": audit.risk, "recommendations": lambda c: audit.recommendations(c, at),
        "methodology": methodology.build,
    }  # fmt: skip
    out = ws.out / "reports"
    out.mkdir(parents=True, exist_ok=True)
    ctx = ReportContext(ws, lang)
    with using_locale(lang):
        sections = [timed(f"gather: {k}", rows, lambda b=b: b(ctx)) for k, b in builders.items()]
        ctx.close()
        report = Report("findings", _("Local Safety Audit: findings report"), ws.config.name,
                        lang, False, dt.datetime.now(dt.UTC), sections)  # fmt: skip
        html = timed("render HTML", rows, lambda: render_html(report, ctx.locale))
        html_path = out / f"findings-bench-{lang}.html"
        html_path.write_text(html, encoding="utf-8")
        pdf_path = timed("write PDF (WeasyPrint)", rows,
                         lambda: write_pdf(html, out / f"findings-bench-{lang}.pdf"))  # fmt: skip
    return {"html": html_path, "pdf": pdf_path}


def map_layers(ws: Any) -> dict[str, Any]:
    """The layers the report maps: rates by neighbourhood, priority index, Gi* grid cells."""
    import shapely

    from barrio.report.sections.priority import priority_layer
    from barrio.spatial.service import local_statistic
    from barrio.spatial.workspace import area_layer, incident_points

    crs = ws.config.crs
    level = ws.config.levels[-1]
    year = 2024
    rates = area_layer(ws, level, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    rates = rates.to_crs(crs)
    cells, _summary = local_statistic(incident_points(ws), "gistar", crs=crs, permutations=0)
    area = shapely.union_all(rates.geometry.to_numpy())
    cells = cells[shapely.intersects(area, cells.geometry.to_numpy())].reset_index(drop=True)
    return {"rates": rates, "priority": priority_layer(ctx_for(ws)), "cells": cells}


def ctx_for(ws: Any) -> Any:
    from barrio.report.gather import ReportContext

    return ReportContext(ws, "en")


def save(fig: Any, path: Path) -> None:
    from barrio.report.charts import DPI, pyplot

    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    pyplot().close(fig)


def baseline_maps(layers: dict[str, Any], folder: Path) -> None:
    """GeoPandas ``.plot()`` with its defaults, legends on, saved as PNG."""
    from barrio.report.charts import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    layers["rates"].plot(column="rate", scheme="FisherJenks", k=5, legend=True, ax=ax)
    save(fig, folder / "baseline_rates.png")
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    layers["priority"].plot(column="index", scheme="Quantiles", k=5, legend=True, ax=ax)
    save(fig, folder / "baseline_priority.png")
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    layers["cells"].plot(column="label", categorical=True, legend=True, ax=ax)
    layers["rates"].boundary.plot(ax=ax, color="#444444", linewidth=0.3)
    save(fig, folder / "baseline_gistar.png")


def barrio_maps(layers: dict[str, Any], folder: Path) -> None:
    """The same three maps with :mod:`barrio.report.maps`."""
    from barrio.report import maps

    (folder / "barrio_rates.png").write_bytes(
        maps.choropleth(layers["rates"], "rate", legend_title="rate", locale="en")
    )
    (folder / "barrio_priority.png").write_bytes(
        maps.choropleth(
            layers["priority"], "index", legend_title="index", locale="en", scheme="quantiles"
        )
    )
    (folder / "barrio_gistar.png").write_bytes(
        maps.hotspot_map(layers["cells"], layers["rates"], legend_title="Gi*"))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="an existing full-size demo workspace")
    parser.add_argument("--lang", default="es", choices=("es", "en"))
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from barrio.workspace import Workspace

    root = args.dir
    if root is None:
        from barrio.demo import run_demo

        root = Path(tempfile.mkdtemp(prefix="barrio-bench-report-")) / "city"
        start = time.perf_counter()
        run_demo(root, size="full")
        print(
            f"setup: full fixture city built by barrio demo in {time.perf_counter() - start:.1f} s"
        )
    ws = Workspace.open(root)
    rows: list[tuple[str, float]] = []
    start = time.perf_counter()
    files = report_run(ws, args.lang, rows)
    total = time.perf_counter() - start
    print(f"\nFindings report of {ws.config.name} ({args.lang}): {files['pdf']}")
    print(f"{'stage':<36}{'seconds':>10}")
    for label, seconds in rows:
        print(f"{label:<36}{seconds:>10.2f}")
    verdict = "OK" if total <= TARGET_SECONDS else "OVER TARGET"
    print(f"{'total (HTML + PDF)':<36}{total:>10.2f}   target ≤ {TARGET_SECONDS:.0f} s: {verdict}")
    print(f"peak memory: {peak_gb():.2f} GB")
    if args.no_baseline:
        return
    folder = Path(tempfile.mkdtemp(prefix="barrio-bench-maps-"))
    layers = map_layers(ws)
    timings: list[tuple[str, float]] = []
    timed("barrio.report.maps (3 maps)", timings, lambda: barrio_maps(layers, folder))
    timed("GeoPandas .plot() defaults (3 maps)", timings, lambda: baseline_maps(layers, folder))
    print(f"\nMaps: {len(layers['rates'])} areas, {len(layers['cells'])} grid cells ({folder})")
    for label, seconds in timings:
        print(f"{label:<40}{seconds:>8.2f} s")
    print(f"ratio baseline / barrio: {timings[1][1] / timings[0][1]:.1f}x")


if __name__ == "__main__":
    main()
