"""Assemble the priority-neighbourhood table of a workspace (``barrio select`` without a file).

Pillars, each optional, from the workspace and ``[select]`` of barrio.toml:

- *crime*: incidents per 100,000 inhabitants at ``level``, global empirical-Bayes smoothed
  (``crime_rate_eb``); the raw count when the areas have no population;
- *hotspot*: share of each area's surface in significant Gi* hot cells of a square grid of the
  incidents (``hot_share``);
- *context*: census variables from ``[select.context]`` (a table with one row per area, see
  :mod:`barrio.spatial.context`).

Areas that cannot be scored (no population for a rate, a context value undefined) are
returned with the reason, never dropped silently. :func:`select_workspace` runs the whole
workspace-mode selection (inputs, ranking, ``out/priority.gpkg``): what ``barrio select`` without
a file and ``barrio demo`` call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _
from barrio.workspace import Workspace

if TYPE_CHECKING:
    from barrio.spatial.priority import PriorityResult


@dataclass
class SelectionInput:
    """Areas (projected GeoDataFrame) with the indicator columns, pillars and exclusions."""

    areas: Any
    pillars: dict[str, dict[str, float]]
    excluded: pd.DataFrame
    notes: dict[str, Any] = field(default_factory=dict)


def select_settings(ws: Workspace) -> dict[str, Any]:
    """``[select]`` of barrio.toml (empty when absent)."""
    raw = ws.config.raw.get("select", {})
    if not isinstance(raw, dict):
        raise ConfigError(_("[select] in barrio.toml must be a table"), hint=_("[select]\nn = 22"))
    return raw


def workspace_selection_input(
    ws: Workspace,
    *,
    level: str,
    iccs: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    cell_size: float | None = None,
    permutations: int = 499,
    seed: int = 0,
) -> SelectionInput:
    """The table ``priority_index`` ranks, built from the workspace."""
    from barrio.spatial.priority import eb_rate, hotspot_area_share
    from barrio.spatial.service import local_statistic
    from barrio.spatial.workspace import area_layer, incident_points

    settings = select_settings(ws)
    crs = ws.config.crs
    areas = area_layer(ws, level, iccs=iccs, date_from=date_from, date_to=date_to).to_crs(crs)
    keep = areas["population"].notna() & (areas["population"] > 0)
    excluded = [_exclude(areas, ~keep, "no population")]
    areas = areas.loc[keep].reset_index(drop=True)
    pillars: dict[str, dict[str, float]] = {}
    notes: dict[str, Any] = {"level": level, "crs": crs}
    if len(areas):
        areas["crime_rate_eb"] = eb_rate(areas["count"], areas["population"])
        pillars["crime"] = {"crime_rate_eb": 1.0}
    points = incident_points(ws, iccs=iccs, date_from=date_from, date_to=date_to)
    size = cell_size or settings.get("cell_size")
    cells, summary = local_statistic(
        points, "gistar", cell_size=size, permutations=permutations, seed=seed, crs=crs
    )
    hot = cells[cells["label"] == "hot"]
    areas["hot_share"] = hotspot_area_share(areas, hot)
    pillars["hotspot"] = {"hot_share": 1.0}
    notes["hotspot"] = {"cell_size": summary["cell_size"], "hot_cells": len(hot)}
    context_cfg = settings.get("context")
    if context_cfg:
        areas, lost, variables = _add_context(ws, areas, context_cfg)
        excluded.append(lost)
        pillars["context"] = variables
    return SelectionInput(areas, pillars, pd.concat(excluded, ignore_index=True), notes)


@dataclass(frozen=True)
class WorkspaceSelection:
    """The ranked priority table, the areas left out (with the reason) and where it was written."""

    result: PriorityResult
    excluded: list[dict[str, Any]]
    output: Path


def select_workspace(
    ws: Workspace,
    *,
    level: str | None = None,
    iccs: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    cell_size: float | None = None,
    n: int | None = None,
    pillars: dict[str, dict[str, float]] | None = None,
    district: str | None = None,
    min_per_district: int | None = None,
    combine: str | None = None,
    normalisation: str | None = None,
    draws: int = 200,
    id_column: str = "area_id",
    name_column: str = "name",
    output: Path | None = None,
) -> WorkspaceSelection:
    """Rank the workspace's areas and write the priority table (``out/priority.gpkg`` by default).

    Every option left ``None`` comes from ``[select]`` of barrio.toml, else the documented default
    (finest level, 22 neighbourhoods, geometric mean of percentiles); ``pillars`` replaces the
    workspace's pillars. A ``min_per_district`` in barrio.toml guarantees it per ``parent_id``.
    """
    from barrio.spatial.priority import priority_index
    from barrio.spatial.service import write_layer
    from barrio.spatial.workspace import default_output

    settings = select_settings(ws)
    data = workspace_selection_input(
        ws,
        level=level or settings.get("level") or ws.config.levels[-1],
        iccs=iccs or settings.get("iccs"),
        date_from=date_from,
        date_to=date_to,
        cell_size=cell_size,
    )
    excluded = [{str(k): v for k, v in row.items()} for row in data.excluded.to_dict("records")]
    out_path = default_output(ws, "priority.gpkg", output)
    result = priority_index(
        data.areas,
        pillars or data.pillars,
        n_select=n or int(settings.get("n", 22)),
        id_column=id_column,
        name_column=name_column,
        pillar_weights=settings.get("pillar_weights"),
        district_column=district or ("parent_id" if settings.get("min_per_district") else None),
        min_per_district=_setting(min_per_district, settings, "min_per_district", 0),
        combine=_setting(combine, settings, "combine", "geometric"),
        normalisation=_setting(normalisation, settings, "normalisation", "percentile"),
        draws=draws,
    )
    write_layer(result.table, out_path)
    return WorkspaceSelection(result, excluded, out_path)


def _setting(value: Any, settings: dict[str, Any], key: str, default: Any) -> Any:
    """An explicit option wins over ``[select]``, which wins over the default."""
    return value if value is not None else settings.get(key, default)


def _exclude(areas: Any, mask: Any, reason: str) -> pd.DataFrame:
    out = pd.DataFrame({"area_id": areas.loc[mask, "area_id"]})
    out["reason"] = reason
    return out


def _add_context(
    ws: Workspace, areas: Any, cfg: dict[str, Any]
) -> tuple[Any, pd.DataFrame, dict[str, float]]:
    from barrio.spatial.context import context_table, pillar, variables_from_config

    source = cfg.get("source")
    if not source:
        raise ConfigError(
            _("[select.context] needs a source table"),
            hint=_('source = "sources/census_by_area.parquet"  (one row per area)'),
        )
    path = Path(source) if Path(source).is_absolute() else ws.root / source
    if not path.exists():
        raise InputError(
            _("context table not found: {path}", path=path), hint=_("check [select.context] source")
        )
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    id_column = cfg.get("id", "area_id")
    variables = variables_from_config(cfg.get("variables"))
    table, _undefined = context_table(frame, variables, id_column)
    table = table.rename(columns={id_column: "area_id"})
    merged = areas.merge(table, on="area_id", how="left")
    missing = merged[[v.name for v in variables]].isna().any(axis=1)
    extra = _exclude(merged, missing, "no context data")
    return merged.loc[~missing].reset_index(drop=True), extra, pillar(variables)
