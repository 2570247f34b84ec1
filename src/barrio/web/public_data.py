"""Every public data path of the portal goes through :class:`PublicData`.

It reads the warehouse with short-lived read-only DuckDB connections (so several worker processes
read at once, and an ingestion can still take the write lock between requests), passes every
figure through disclosure control (:func:`protect_indicators`) before anything else sees it, and
caches the results per warehouse modification time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.web.cache import LRUCache, TableFiles

T = TypeVar("T")


class NotFoundError(BarrioError):
    """A public object (indicator, area, recommendation ...) does not exist."""

    code = "not_found"


class InvalidQueryError(BarrioError):
    """A query parameter names a value that does not exist."""

    code = "invalid_request"


class BusyError(BarrioError):
    """The warehouse is being written (an ingestion holds it); try again shortly."""

    code = "busy"


def protect_indicators(workspace: Any, table: pd.DataFrame) -> pd.DataFrame:
    """The indicator table as it may be published, with a boolean ``suppressed`` column and the
    reason in ``suppression`` (``primary``, ``complementary`` or empty).

    Uses :func:`barrio.disclosure.service.public_indicators` (primary suppression of small cells
    of sensitive indicators, complementary suppression so no hidden cell can be derived from the
    margins, with the workspace's ``[disclosure]`` settings).
    """
    from barrio.disclosure.service import public_indicators

    out = public_indicators(workspace, table).table.copy()
    reason = out["suppressed"].fillna("").astype(str)
    out["suppression"] = reason
    out["suppressed"] = (reason != "").to_numpy()
    return out


def disclosure_rule(workspace: Any) -> dict[str, Any]:
    """The disclosure settings in force, for the methodology page."""
    settings = workspace.config.disclosure
    small = (
        settings.small_areas if settings.small_areas is not None else workspace.config.levels[-1:]
    )
    return {"k": settings.k, "sensitive_only": True, "small_areas": list(small)}


class PublicData:
    """Public tables of one workspace, cached per warehouse modification time."""

    def __init__(
        self,
        workspace: Any,
        store: Any,
        cache_size: int = 512,
        tiles_url: str | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.workspace = workspace
        self.store = store
        self.tiles_url = tiles_url
        self.files = TableFiles(cache_dir or workspace.out / "portal-cache")
        self.cache = LRUCache(cache_size)

    # -- plumbing -------------------------------------------------------------------------
    def version(self) -> int:
        """The warehouse's modification time (ns): part of every cache key."""
        try:
            return os.stat(self.workspace.warehouse_path).st_mtime_ns
        except FileNotFoundError:
            return 0

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` cached under ``key`` for the current warehouse version."""
        return self.cache.get_or_set((self.version(), key), compute)

    def store_version(self) -> int:
        """The newest entry of the store's audit trail: every insert, update and delete of a
        record (a recommendation's status, an assessment ...) adds one, so it versions the
        register for the cache."""
        from sqlalchemy import text

        with self.store.engine.connect() as con:
            return int(con.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())

    def cached_register(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` cached per store version and day (statuses are computed as of today)."""
        version = ("register", self.store_version(), dt.date.today().isoformat())
        return self.cache.get_or_set((version, key), compute)

    def peek(self, key: Hashable) -> Any | None:
        """The value cached under ``key`` for the current warehouse version, or None."""
        return self.cache.get((self.version(), key))

    async def cached_async(self, key: Hashable, compute: Callable[[], T]) -> T:
        """:meth:`cached` for async routes: a hit is answered on the event loop, a miss is
        computed in the thread pool (queries and figures must not block other requests)."""
        from starlette.concurrency import run_in_threadpool

        hit = self.peek(key)
        if hit is not None:
            return hit
        return await run_in_threadpool(self.cached, key, compute)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` on a read-only connection to the warehouse."""
        import duckdb

        path = self.workspace.warehouse_path
        if not path.exists():
            return pd.DataFrame()
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            raise BusyError(
                _("The data are being updated; try again in a moment"),
                hint=_("An ingestion is writing the warehouse."),
            ) from exc
        try:
            return con.execute(sql, params or []).df()
        except duckdb.CatalogException:  # a table the workspace has not built yet
            return pd.DataFrame()
        finally:
            con.close()

    # -- catalog --------------------------------------------------------------------------
    def catalog(self) -> dict[str, Any]:
        """The indicator catalog of the workspace (shipped and its own), by id."""
        from barrio.indicators.catalog import load_catalog

        return self.cached("catalog", lambda: load_catalog(self.workspace.root))

    def indicator(self, indicator_id: str) -> Any:
        """The catalog entry of ``indicator_id`` (NotFoundError naming the known ids)."""
        catalog = self.catalog()
        if indicator_id not in catalog:
            raise NotFoundError(
                _("no indicator {id!r}", id=indicator_id),
                hint=_("Known indicators: {ids}", ids=", ".join(sorted(catalog))),
                indicator=indicator_id,
            )
        return catalog[indicator_id]

    def indicators(self, lang: str) -> list[dict[str, Any]]:
        """One row per published indicator: id, name, unit, description, methodology."""
        computed = set(self.indicator_ids())
        rows = []
        for ind in self.catalog().values():
            if ind.id not in computed:
                continue
            rows.append(
                {
                    "id": ind.id,
                    "name": ind.name.get(lang) or ind.name.get("en", ind.id),
                    "unit": ind.unit.get(lang, ""),
                    "description": ind.description.get(lang, ""),
                    "methodology": ind.methodology.get(lang, ""),
                    "reference": ind.reference,
                    "sdg": ind.sdg,
                    "disaggregations": list(ind.disaggregations),
                }
            )
        return sorted(rows, key=lambda r: r["name"])

    def indicator_ids(self) -> list[str]:
        """Indicators present in the warehouse's indicator table."""

        def compute() -> list[str]:
            frame = self.query("SELECT DISTINCT indicator_id FROM indicators ORDER BY 1")
            return [str(v) for v in frame.get("indicator_id", [])]

        return self.cached("indicator_ids", compute)

    # -- areas ----------------------------------------------------------------------------
    def areas(self) -> pd.DataFrame:
        """area_id, name, level, parent_id, population, area_km2 of every area."""

        def compute() -> pd.DataFrame:
            return self.query(
                "SELECT area_id, name, level, parent_id, population, area_km2 FROM areas"
                " ORDER BY level, name"
            )

        return self.cached("areas", compute)

    def area(self, area_id: str) -> dict[str, Any]:
        """One area as a dict (NotFoundError otherwise)."""
        areas = self.areas()
        match = areas[areas["area_id"] == area_id]
        if match.empty:
            raise NotFoundError(_("no area {id!r}", id=area_id), area=area_id)
        return records(match)[0]

    def shapes(self, level: str) -> Any:
        """The areas of ``level`` as a GeoDataFrame (EPSG:4326)."""

        def compute() -> Any:
            import geopandas as gpd
            import shapely

            frame = self.query(
                "SELECT area_id, name, geometry FROM areas WHERE level = ? ORDER BY area_id",
                [level],
            )
            blobs = [bytes(b) if b is not None else None for b in frame.pop("geometry")]
            geometry = shapely.from_wkb(blobs)
            return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")

        return self.cached(("shapes", level), compute)

    # -- indicators -----------------------------------------------------------------------
    def indicator_rows(self, indicator_id: str) -> pd.DataFrame:
        """Every stored annual row of one indicator after disclosure control, with area names."""
        self.indicator(indicator_id)

        def compute() -> pd.DataFrame:
            table = self.query(
                "SELECT i.*, a.name AS area_name FROM indicators i"
                " LEFT JOIN areas a USING (area_id)"
                " WHERE i.indicator_id = ? AND i.period_type = 'year'"
                " ORDER BY i.area_level, i.area_id, i.period_start, i.sex, i.age_group",
                [indicator_id],
            )
            if table.empty:
                return table
            table["period_start"] = pd.to_datetime(table["period_start"]).dt.date
            return protect_indicators(self.workspace, table)

        def stored() -> pd.DataFrame:
            version = self.files_version()
            table = self.files.read(version, indicator_id)
            if table is None:
                table = compute()
                self.files.write(version, indicator_id, table)
            elif len(table):
                table["period_start"] = pd.to_datetime(table["period_start"]).dt.date
            return table

        return self.cached(("indicator_rows", indicator_id), stored)

    def files_version(self) -> str:
        """Version of the protected tables on disk: warehouse and settings modification times."""
        toml = self.workspace.root / "barrio.toml"
        settings = os.stat(toml).st_mtime_ns if toml.exists() else 0
        return f"{self.version()}-{settings}"

    def prepare(self) -> int:
        """Compute (or load) the protected table of every indicator: what ``barrio serve`` does
        before it starts its workers, so that no visitor waits for disclosure control."""
        ids = self.indicator_ids()
        known = set(self.catalog())
        for indicator_id in ids:
            if indicator_id in known:
                self.indicator_rows(indicator_id)
        return len(ids)

    def options(self, indicator_id: str) -> dict[str, list[str]]:
        """The values each selector of the indicator page can take."""

        def compute() -> dict[str, list[str]]:
            rows = self.indicator_rows(indicator_id)
            order = self.level_order()
            levels = sorted(rows["area_level"].unique(), key=lambda lv: order.get(lv, 99))
            return {
                "level": [str(v) for v in levels],
                "period": sorted({str(v) for v in rows["period_start"]}),
                "sex": sorted({str(v) for v in rows["sex"]}, key=_total_first),
                "age_group": sorted({str(v) for v in rows["age_group"]}, key=_total_first),
            }

        return self.cached(("options", indicator_id), compute)

    def theme_names(self, lang: str) -> dict[str, str]:
        """Theme id -> name in ``lang`` from the workspace's codebook."""

        def compute() -> dict[str, str]:
            from barrio.audit.codebook import load_codebook

            book = load_codebook(workspace_root=self.workspace.root)
            return {tid: theme.label(lang) for tid, theme in book.themes.items()}

        return self.cached(("themes", lang), compute)

    def level_order(self) -> dict[str, int]:
        """Area levels from the coarsest (city) to the finest, as configured."""
        levels = list(getattr(self.workspace.config, "levels", ()) or ())
        if not levels:
            levels = ["country", "state", "city", "municipality", "district", "neighborhood"]
        return {lv: i for i, lv in enumerate(levels)}


def _total_first(value: str) -> tuple[int, str]:
    return (0 if value == "total" else 1, value)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, missing values as None, dates as ISO strings."""
    clean = frame.astype(object).where(frame.notna(), None)
    out: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()} for row in clean.to_dict("records")
    ]
    for row in out:
        for key, value in row.items():
            if isinstance(value, dt.date | pd.Timestamp):
                row[key] = value.isoformat()[:10]
    return out
