"""Open SDG output: one data CSV and one metadata YAML per indicator.

Open SDG (the platform behind many national SDG reporting sites) reads ``data/indicator_<id>.csv``
with columns ``Year``, one column per disaggregation (blank = total), ``GeoCode`` and ``Value``,
and ``meta/<id>.yml``. The headline series is the top area level with a blank ``GeoCode``;
lower levels carry their area code so the site can map them. ``<id>`` is the SDG number with dashes
(``16-1-1``) for the indicator that is that SDG series' headline, and Barrio's id otherwise.

Cells hidden by disclosure control (``--public``) keep their row with a blank ``Value`` and a
``COMMENT_OBS`` note, and the metadata gets a ``data_footnote``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from barrio.i18n import _, using_locale
from barrio.indicators.catalog import Indicator

DISAGGREGATION_COLUMNS = {"sex": "Sex", "age_group": "Age"}
# Open SDG's observation-level comment column (configure it under observation_attributes).
COMMENT = "COMMENT_OBS"
SEX_LABELS = {"F": "Female", "M": "Male", "unknown": "Unknown"}


def file_id(ind: Indicator) -> str:
    """``16-1-1`` for an SDG headline indicator (no fixed disaggregation), else the Barrio id."""
    number = ind.sdg.get("indicator")
    if number and not ind.sdg.get("sex"):
        return number.replace(".", "-")
    return ind.id


def data_frame(rows: pd.DataFrame, top_level: str) -> pd.DataFrame:
    """Open SDG rows from the annual indicator table rows of one indicator."""
    out = pd.DataFrame(
        {
            "Year": pd.to_datetime(rows["period_start"]).dt.year.astype(int),
            "Sex": rows["sex"].map(lambda s: "" if s == "total" else SEX_LABELS.get(s, s)),
            "Age": rows["age_group"].map(lambda a: "" if a == "total" else a),
            "GeoCode": [
                "" if level == top_level else code
                for level, code in zip(rows["area_level"], rows["area_id"], strict=True)
            ],
            "Value": rows["value"].round(4),
            COMMENT: _suppression_notes(rows),
        }
    )
    out = out[out["Value"].notna() | (out[COMMENT] != "")]
    keep = [c for c in ("Sex", "Age") if (out[c] != "").any()]
    notes = [COMMENT] if (out[COMMENT] != "").any() else []
    columns = ["Year", *keep, "GeoCode", "Value", *notes]
    return out[columns].sort_values(["GeoCode", *keep, "Year"]).reset_index(drop=True)


def _suppression_notes(rows: pd.DataFrame) -> pd.Series:
    """The observation comment of hidden cells (empty when published)."""
    if "suppressed" not in rows.columns:
        return pd.Series("", index=rows.index)
    hidden = rows["suppressed"].fillna("").astype(str) != ""
    return hidden.map({True: _("Confidential: suppressed to protect victims"), False: ""})


def metadata(ind: Indicator, lang: str) -> dict[str, Any]:
    """The indicator's Open SDG metadata."""
    number = ind.sdg.get("indicator", "")
    return {
        "indicator_number": number or ind.id,
        "indicator_name": ind.label(lang),
        "indicator_definition": ind.description.get(lang, ""),
        "computation_definitions": ind.methodology.get(lang, ""),
        "computation_units": ind.unit.get(lang, ""),
        "reporting_status": "complete",
        "data_non_statistical": False,
        "graph_type": "line",
        "graph_title": ind.label(lang),
        "data_show_map": True,
        "national_indicator_available": ind.label(lang),
        "sdg_series": ind.sdg.get("series", ""),
        "source_active_1": True,
        "source_organisation_1": "Barrio",
        "source_periodicity_1": "annual",
        "source_other_info_1": ind.reference,
    }


def write(
    table: pd.DataFrame,
    indicators: list[Indicator],
    outdir: Path,
    lang: str = "en",
    k: int = 5,
) -> list[dict[str, Any]]:
    """Write data/ and meta/ files for each indicator with annual rows; return what was written."""
    outdir = Path(outdir)
    (outdir / "data").mkdir(parents=True, exist_ok=True)
    (outdir / "meta").mkdir(parents=True, exist_ok=True)
    annual = table[table["period_type"] == "year"]
    levels = annual.groupby("area_level")["area_id"].nunique().sort_values()
    top_level = str(levels.index[0]) if len(levels) else ""
    written = []
    for ind in indicators:
        rows = annual[annual["indicator_id"] == ind.id]
        if rows.empty:
            continue
        key = file_id(ind)
        with using_locale(lang):  # notes and footnote in the metadata's language
            frame = data_frame(rows, top_level)
            meta = metadata(ind, lang)
            if COMMENT in frame.columns:
                meta["data_footnote"] = _(
                    "Blank values are suppressed (fewer than {k} cases, or a cell that would "
                    "reveal one) to protect victims' privacy.",
                    k=k,
                )
        data_path = outdir / "data" / f"indicator_{key}.csv"
        frame.to_csv(data_path, index=False)
        meta_path = outdir / "meta" / f"{key}.yml"
        meta_path.write_text(
            yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        written.append(
            {
                "indicator": ind.id,
                "data": str(data_path),
                "meta": str(meta_path),
                "rows": len(frame),
                "suppressed": int((frame.get(COMMENT, pd.Series(dtype=str)) != "").sum()),
            }
        )
    return written
