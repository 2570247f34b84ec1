"""The data of each public page, as plain dicts: the page renders it, its JSON twin returns it.

One function per page. Each takes the app's :class:`~barrio.web.public_data.PublicData` (every
public figure comes through it, after disclosure control) and the request's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from barrio.i18n import gettext
from barrio.web import indicator_view as iv
from barrio.web.public_data import NotFoundError, PublicData, disclosure_rule, records

STATUSES = ("not_started", "in_process", "addressed", "not_implemented", "discarded")
STATUS_LABELS = {
    "not_started": "Not started",
    "in_process": "In process",
    "addressed": "Addressed",
    "not_implemented": "Not implemented",
    "discarded": "Discarded",
}
SEX_LABELS = {"total": "All", "F": "Women", "M": "Men", "unknown": "Unknown"}
AGE_LABELS = {"total": "All ages", "unknown": "Unknown age"}
LEVEL_LABELS = {"city": "City", "district": "District", "neighborhood": "Neighborhood"}


def label(kind: str, value: str, lang: str) -> str:
    """The display name of a code (sex, age group, level, status) in ``lang``."""
    names = {"sex": SEX_LABELS, "age_group": AGE_LABELS, "level": LEVEL_LABELS,
             "status": STATUS_LABELS}[kind]  # fmt: skip
    return gettext(names[value], locale=lang) if value in names else value


def _indicator_meta(data: PublicData, indicator_id: str, lang: str) -> dict[str, Any]:
    ind = data.indicator(indicator_id)
    return {
        "id": ind.id,
        "name": ind.name.get(lang) or ind.name.get("en", ind.id),
        "unit": ind.unit.get(lang, ""),
        "description": ind.description.get(lang, ""),
        "methodology": ind.methodology.get(lang, ""),
        "reference": ind.reference,
        "sdg": ind.sdg,
    }


# -- home -----------------------------------------------------------------------------------
def home(data: PublicData, lang: str) -> dict[str, Any]:
    """Key indicators (top area, latest period, totals) and the latest alerts."""

    def compute() -> dict[str, Any]:
        cards = []
        for ind in data.indicators(lang):
            rows = data.indicator_rows(ind["id"])
            options = data.options(ind["id"])
            if rows.empty:
                continue
            sel = iv.resolve(rows, options, ind["id"], level=options["level"][0])
            table = iv.map_rows(rows, sel)
            if table.empty:
                continue
            row = records(table)[0]
            full = rows[(rows["area_id"] == row["area_id"]) & (rows["sex"] == "total")
                        & (rows["age_group"] == "total")
                        & (rows["period_start"].astype(str) == sel.period)]  # fmt: skip
            change = records(full[["change_prev_pct", "p_change_prev"]])[0]
            cards.append({**ind, **row, **change, "period": sel.period[:4]})
        return {"indicators": cards, "alerts": alerts(data, lang, limit=8)["alerts"]}

    return data.cached(("home", lang), compute)


def alerts(data: PublicData, lang: str, limit: int | None = None) -> dict[str, Any]:
    """Early-warning alerts raised, most recent first."""

    def compute() -> list[dict[str, Any]]:
        frame = data.query(
            "SELECT area_id, area_name, iccs_code, crime, period, observed, expected, method,"
            " explanation FROM alerts WHERE alert ORDER BY period DESC, area_name, crime"
        )
        return records(frame) if not frame.empty else []

    rows = data.cached("alerts", compute)
    return {"alerts": rows[:limit] if limit else rows, "total": len(rows)}


# -- indicators ------------------------------------------------------------------------------
def indicator_list(data: PublicData, lang: str) -> dict[str, Any]:
    """The published indicators."""
    return {"indicators": data.indicators(lang)}


def indicator(
    data: PublicData, indicator_id: str, lang: str, params: dict[str, str | None]
) -> dict[str, Any]:
    """Everything the indicator page shows for one selection (figures included)."""
    rows = data.indicator_rows(indicator_id)
    options = data.options(indicator_id)
    sel = iv.resolve(rows, options, indicator_id, **params)

    def compute() -> dict[str, Any]:
        from barrio.web import figures

        meta = _indicator_meta(data, indicator_id, lang)
        table = iv.map_rows(rows, sel)
        series = iv.series_rows(rows, sel)
        area_names = dict(zip(data.areas()["area_id"], data.areas()["name"], strict=True))
        level_order = data.level_order()
        series_areas = rows.drop_duplicates("area_id")[["area_id", "area_level"]]
        series_areas = series_areas.assign(
            order=series_areas["area_level"].map(level_order).fillna(99),
            name=series_areas["area_id"].map(area_names),
        ).sort_values(["order", "name"])
        return {
            "indicator": meta,
            "selection": sel.as_dict(),
            "options": {
                "level": [(v, label("level", v, lang)) for v in options["level"]],
                "period": [(v, v[:4]) for v in options["period"]],
                "sex": [(v, label("sex", v, lang)) for v in options["sex"]],
                "age_group": [(v, label("age_group", v, lang)) for v in options["age_group"]],
                "area": [
                    (a, f"{n} ({label('level', lv, lang)})")
                    for a, lv, n in series_areas[["area_id", "area_level", "name"]].to_numpy()
                ],
            },
            "area_name": area_names.get(sel.area, sel.area),
            "table": records(table),
            "series": records(series),
            "suppressed": int(table["suppressed"].sum()) if len(table) else 0,
            "figures": {
                "series": figures.series_figure(series, meta["unit"], lang),
                "map": figures.map_figure(
                    data.shapes(sel.level), table, meta["unit"], lang, data.tiles_url
                ),
            },
        }

    return data.cached(("indicator", sel.key(), lang), compute)


def indicator_table(
    data: PublicData, indicator_id: str, params: dict[str, str | None]
) -> tuple[pd.DataFrame, iv.Selection]:
    """The protected table shown on the indicator page (what downloads contain)."""
    rows = data.indicator_rows(indicator_id)
    sel = iv.resolve(rows, data.options(indicator_id), indicator_id, **params)
    return iv.map_rows(rows, sel), sel


# -- neighborhoods --------------------------------------------------------------------------
def neighborhoods(data: PublicData, lang: str) -> dict[str, Any]:
    """Every area with its level and parent, finest level first."""
    areas = data.areas()
    order = data.level_order()
    frame = areas.assign(order=areas["level"].map(order).fillna(99))
    frame = frame.sort_values(["order", "name"], ascending=[False, True]).drop(columns="order")
    parents = dict(zip(areas["area_id"], areas["name"], strict=True))
    rows = records(frame)
    for row in rows:
        row["parent_name"] = parents.get(row["parent_id"]) if row["parent_id"] else None
        row["level_label"] = label("level", row["level"], lang)
    return {"areas": rows}


def neighborhood(data: PublicData, area_id: str, lang: str) -> dict[str, Any]:
    """A neighborhood's profile: latest indicators, priority rank, alerts, recommendations."""
    area = data.area(area_id)

    def compute() -> dict[str, Any]:
        latest = []
        for ind in data.indicators(lang):
            rows = data.indicator_rows(ind["id"])
            mine = rows[(rows["area_id"] == area_id) & (rows["sex"] == "total")
                        & (rows["age_group"] == "total")]  # fmt: skip
            if mine.empty:
                continue
            last = records(mine.sort_values("period_start").tail(1))[0]
            latest.append({"id": ind["id"], "name": ind["name"], "unit": ind["unit"], **{
                k: last[k] for k in ("period_start", "numerator", "value", "lower", "upper",
                                     "suppressed", "change_prev_pct")}})  # fmt: skip
        priority = [r for r in hotspots(data, lang)["areas"] if r["area_id"] == area_id]
        mine_alerts = [a for a in alerts(data, lang)["alerts"] if a["area_id"] == area_id]
        return {"area": {**area, "level_label": label("level", area["level"], lang)},
                "indicators": latest, "priority": priority[0] if priority else None,
                "alerts": mine_alerts}  # fmt: skip

    profile = dict(data.cached(("neighborhood", area_id, lang), compute))
    profile["recommendations"] = recommendation_list(data, lang, {"neighborhood": area_id})[
        "recommendations"
    ]
    return profile


# -- hotspots -------------------------------------------------------------------------------
def hotspots(data: PublicData, lang: str) -> dict[str, Any]:
    """The priority-neighborhood index (crime and hotspot pillars) from ``barrio select``."""

    def compute() -> dict[str, Any]:
        from barrio.web import figures

        path = data.workspace.out / "priority.gpkg"
        if not path.exists():
            return {"areas": [], "figure": None}
        import geopandas as gpd

        layer = gpd.read_file(path).to_crs("EPSG:4326")
        keep = ["area_id", "name", "level", "rank", "index", "selected", "hot_share",
                "crime_rate_eb", "reason"]  # fmt: skip
        table = layer[[c for c in keep if c in layer.columns]].sort_values("rank")
        shapes = layer[["area_id", "name", "geometry"]]
        figure = figures.map_figure(
            shapes,
            table.rename(columns={"index": "value"}),
            gettext("Index", locale=lang),
            lang,
            data.tiles_url,
        )
        return {"areas": records(table), "figure": figure}

    return data.cache.get_or_set(("hotspots", _mtime(data.workspace.out / "priority.gpkg"), lang),
                                 compute)  # fmt: skip


def _mtime(path: Any) -> int:
    try:
        return int(path.stat().st_mtime_ns)
    except FileNotFoundError:
        return 0


# -- recommendations ------------------------------------------------------------------------
def recommendation_summary(data: PublicData, lang: str) -> dict[str, Any]:
    """Status of the public recommendations by theme, institution and neighborhood, today."""
    return data.cached_register(("rec_summary", lang), lambda: _summary(data, lang))


def _summary(data: PublicData, lang: str) -> dict[str, Any]:
    from barrio.audit.recs_query import summary

    with data.store.session(actor="portal") as session:
        result = summary(session, at=dt.date.today(), view="public").to_dict()
    themes = data.theme_names(lang)
    for row in result.get("by_theme", []):
        row["theme_label"] = themes.get(row["theme"], row["theme"])
    for row in result.get("by_status", []):
        row["label"] = label("status", row["status"], lang)
    return result


def recommendation_list(
    data: PublicData, lang: str, filters: dict[str, str | None]
) -> dict[str, Any]:
    """Public recommendations with their status today, filtered by theme, institution,
    neighborhood or status."""
    key = ("rec_list", lang, tuple(sorted((k, v) for k, v in filters.items() if v)))
    return data.cached_register(key, lambda: _listing(data, lang, filters))


def _listing(data: PublicData, lang: str, filters: dict[str, str | None]) -> dict[str, Any]:
    from barrio.audit.recs_query import list_recommendations

    with data.store.session(actor="portal") as session:
        frame = list_recommendations(
            session, view="public", at=dt.date.today(),
            **{k: v for k, v in filters.items() if v},
        )  # fmt: skip
    themes = data.theme_names(lang)
    rows = records(frame.drop(columns=["id"], errors="ignore"))
    for row in rows:
        row["status_label"] = label("status", row["status"], lang)
        row["theme_label"] = themes.get(row["theme"], row["theme"])
    return {"recommendations": rows, "filters": {k: v for k, v in filters.items() if v}}


def recommendation(data: PublicData, code: str, lang: str) -> dict[str, Any]:
    """One public recommendation with its history and public evidence."""
    return data.cached_register(("rec", code, lang), lambda: _recommendation(data, code, lang))


def _recommendation(data: PublicData, code: str, lang: str) -> dict[str, Any]:
    from barrio.audit.recs_query import history
    from barrio.audit.recs_status import RegisterError

    try:
        with data.store.session(actor="portal") as session:
            record = history(session, code, view="public")
    except RegisterError as exc:
        raise NotFoundError(exc.message, recommendation=code) from exc
    record.pop("id", None)
    record["status_label"] = label("status", record["status"], lang)
    record["theme_label"] = data.theme_names(lang).get(record["theme"], record["theme"])
    for event in record["events"]:
        event.pop("id", None)
        event["status_label"] = label("status", event["status"], lang)
    return {"recommendation": record}


# -- assessment and methodology -------------------------------------------------------------
def assessment(data: PublicData, lang: str) -> dict[str, Any]:
    """The latest strategy assessment: overall, stage and principle scores, weak items."""
    return data.cached_register(("assessment", lang), lambda: _assessment(data, lang))


def _assessment(data: PublicData, lang: str) -> dict[str, Any]:
    from sqlalchemy import select

    from barrio.audit.assessment import load_instrument, score_assessment
    from barrio.audit.assessment_store import load_assessment, summary
    from barrio.store.assessment import Assessment

    with data.store.session(actor="portal") as session:
        code = session.scalars(
            select(Assessment.code).order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        ).first()
    if code is None:
        return {"assessment": None}
    meta, levels = load_assessment(data.store, code)
    instrument = load_instrument()
    result = summary(score_assessment(instrument, levels), locale=lang)
    for stage in result["stages"]:
        names = instrument.stages.get(stage["stage"], {})
        stage["name"] = names.get(lang) or names.get("en", str(stage["stage"]))
    public_meta = {k: meta.get(k) for k in ("code", "strategy", "agency", "assessed_on")}
    return {"assessment": {**public_meta, **result}}


def methodology(data: PublicData, lang: str) -> dict[str, Any]:
    """How each indicator is computed and what protects the published figures."""
    return {
        "indicators": data.indicators(lang),
        "disclosure": disclosure_rule(data.workspace),
    }


def label_text(message: str, lang: str) -> str:
    """``message`` translated into ``lang`` (for chart titles built outside templates)."""
    return gettext(message, locale=lang)
