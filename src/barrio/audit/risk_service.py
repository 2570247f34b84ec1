"""Build a workspace's risk matrix: records from the warehouse, findings from the store.

The records side comes from :func:`barrio.audit.crime_rates.crime_rates_by_theme` (the
indicators engine, on the workspace's engine), the residents' side from the stored findings; the
matrix itself is the pure :func:`barrio.audit.risk.risk_matrix`. The full matrix, with every row's
explanation, is written to ``out/risk_matrix.csv`` with a JSON manifest beside it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from barrio.audit._frames import records
from barrio.audit.codebook import Codebook
from barrio.errors import InputError
from barrio.i18n import _

if TYPE_CHECKING:
    from barrio.store.session import Store
    from barrio.workspace import Workspace


def build_risk_matrix(
    ws: Workspace,
    store: Store,
    codebook: Codebook,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    records_weight: float = 0.5,
    high: float = 4.0,
    scope: str = "area",
) -> dict[str, Any]:
    """The risk matrix of the workspace's audit as plain data, and where it was written."""
    from barrio.audit.crime_rates import crime_rates_by_theme
    from barrio.audit.diagnosis_store import load_activities, load_findings, manifest
    from barrio.audit.kappa import kappa_by_theme
    from barrio.audit.risk import risk_matrix
    from barrio.warehouse.duck import connect

    findings = load_findings(store)
    if findings.empty:
        raise InputError(
            _("the store holds no diagnosis findings"),
            hint=_("Import the diagnosis first: barrio diagnosis import FILE"),
        )
    rates = crime_rates_by_theme(ws, codebook, start=start, end=end)
    areas = sorted(load_activities(store)["area_id"].unique())
    audited = rates[rates["area_id"].isin(areas) & (rates["incidents"] > 0)]
    threats = findings.loc[findings["kind"] == "threat", "theme"]
    themes = sorted(set(threats) | set(audited["theme"]))
    with connect(ws.warehouse_path, read_only=True) as con:
        names = dict(con.execute("SELECT area_id, name FROM areas").fetchall())
    labels = {"area": names, "theme": {t: codebook.theme_label(t) for t in codebook.themes}}
    matrix = risk_matrix(
        rates, findings, areas=areas, themes=themes, records_weight=records_weight, high=high,
        labels=labels, scope=scope,
    )  # fmt: skip
    table = matrix.table
    table.insert(1, "area_name", table["area_id"].map(names).fillna(table["area_id"]))
    table.insert(3, "theme_name", table["theme"].map(labels["theme"]))
    agreement = kappa_by_theme(findings)
    warnings = [
        _("low inter-coder agreement on {theme} (kappa {kappa:.2f}): read its scores with care",
          theme=labels["theme"].get(r["theme"], r["theme"]), kappa=r["kappa"])
        for r in records(agreement[agreement["warn"]])
    ]  # fmt: skip
    period = {"start": rates["start"].iloc[0], "end": rates["end"].iloc[0]} if len(rates) else {}
    parameters = {**matrix.parameters, "records_period": period,
                  "population_method": _first(rates, "population_method"),
                  "records_months": _first(rates, "months")}  # fmt: skip
    out = ws.out / "risk_matrix.csv"
    table.to_csv(out, index=False, encoding="utf-8")
    meta = {
        "parameters": parameters,
        "imports": manifest(store),
        "codebook": list(codebook.sources),
    }
    out.with_suffix(".json").write_text(
        json.dumps(meta, default=str, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return {"rows": records(table), "parameters": parameters, "warnings": warnings,
            "file": str(out)}  # fmt: skip


def _first(frame: Any, column: str) -> Any:
    return frame[column].iloc[0] if len(frame) else None
