"""Victimization indicators from survey microdata, driven by a mapping file (ENVIPE 2021 ships).

Every indicator is a ratio of weighted totals ``scale * sum w a / sum w b`` over one table of the
survey (persons weighted by ``FAC_ELE``, crimes by ``FAC_DEL`` in ENVIPE), estimated with the full
stratified cluster design for the nation and each domain (state, sex, age group):

* prevalence rate = victims / population 18+ x 100,000; incidence rate = crimes / population
  18+ x 100,000; concentration = crimes / victims;
* dark figure (cifra negra) = share of crimes not reported or without an investigation file;
  reporting rate (SDG 16.3.1) = share reported to the prosecutor;
* trust in an authority ("mucha" or "alguna" confianza); perception of insecurity.

Definitions: INEGI, ENVIPE methodology; UNODC-UNECE Manual on Victimization Surveys (2010).
Indicators whose table is not available are returned as ``unavailable`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.survey.design import SurveyDesign, svydesign
from barrio.survey.estimators import assemble, domains, mean_linear
from barrio.survey.io import read_microdata
from barrio.survey.quality import Estimate


@dataclass(frozen=True)
class IndicatorSet:
    """Indicator estimates plus the indicators that could not be computed."""

    survey: str
    estimates: list[Estimate]
    unavailable: list[dict[str, str]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator and domain."""
        rows = []
        for e in self.estimates:
            row = {"indicator": e.statistic, **e.to_dict()}
            row["domain"] = ",".join(f"{k}={v}" for k, v in e.domain.items()) or "national"
            rows.append(row)
        return pd.DataFrame(rows)


def mapping_names() -> list[str]:
    """Mappings that ship with Barrio."""
    folder = resources.files("barrio") / "data" / "surveys"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@cache
def load_mapping(name_or_path: str) -> dict[str, Any]:
    """A shipped mapping by name (``envipe-2021``) or a YAML mapping file."""
    import yaml

    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        text = path.read_text(encoding="utf-8")
    elif name_or_path in mapping_names():
        ref = resources.files("barrio") / "data" / "surveys" / f"{name_or_path}.yaml"
        text = ref.read_text(encoding="utf-8")
    else:
        raise ConfigError(
            f"unknown survey mapping {name_or_path!r}",
            hint="use one of: " + ", ".join(mapping_names()) + ", or a path to a YAML mapping",
        )
    mapping = yaml.safe_load(text)
    if not isinstance(mapping, dict) or "indicators" not in mapping or "tables" not in mapping:
        raise ConfigError(f"mapping {name_or_path!r} needs 'tables' and 'indicators' sections")
    return mapping


def _blank_to_na(values: pd.Series) -> pd.Series:
    return values.where(values.astype(str).str.strip() != "", None)


def derive(frame: pd.DataFrame, rules: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Add derived columns: substrings (``start``/``stop``), recodes (``map``), age bands."""
    out = frame.copy()
    for name, rule in rules.items():
        col = rule["column"]
        if col not in out.columns:
            continue
        src = _blank_to_na(out[col])
        if "start" in rule:
            out[name] = src.astype(object).str.slice(rule["start"], rule["stop"])
        elif "map" in rule:
            out[name] = src.astype(object).map({str(k): v for k, v in rule["map"].items()})
        elif "breaks" in rule:
            age = pd.to_numeric(src, errors="coerce")
            out[name] = pd.cut(age, rule["breaks"], right=False, labels=rule["labels"]).astype(
                object
            )
        else:
            raise ConfigError(f"derived column {name!r}: give start/stop, map or breaks")
    return out


def expression(frame: pd.DataFrame, spec: dict[str, Any] | None) -> np.ndarray:
    """Evaluate a numerator/denominator spec to floats (NaN where undefined)."""
    if spec is None:
        return np.ones(len(frame))
    (kind, arg), *rest = spec.items()
    if rest:
        raise ConfigError(f"an expression has one key, got {list(spec)}")
    if kind == "sum":
        parts = [pd.to_numeric(_blank_to_na(frame[c]), errors="coerce").fillna(0) for c in arg]
        return np.sum([p.to_numpy(dtype=float) for p in parts], axis=0)
    if kind in ("any_equal", "none_equal"):
        values = {str(v) for v in arg["values"]}
        hit = np.zeros(len(frame), dtype=bool)
        for c in arg["columns"]:
            hit |= frame[c].astype(str).isin(values).to_numpy()
        out = hit if kind == "any_equal" else ~hit
        return out.astype(float)
    raise ConfigError(f"unknown expression {kind!r}", hint="use sum, any_equal or none_equal")


def _columns(mapping: dict[str, Any], table: str) -> list[str]:
    spec = mapping["tables"][table]
    cols = [spec[k] for k in ("weights", "strata", "psu") if spec.get(k)]
    cols += [r["column"] for r in mapping.get("derive", {}).values()]
    for ind in mapping["indicators"].values():
        if ind["table"] == table:
            for part in (ind.get("numerator"), ind.get("denominator")):
                for arg in (part or {}).values():
                    cols += list(arg) if isinstance(arg, list) else list(arg["columns"])
    return list(dict.fromkeys(cols))


def table_design(mapping: dict[str, Any], table: str, directory: Path) -> SurveyDesign:
    """Read one table (only the columns needed) and describe its design."""
    spec = mapping["tables"][table]
    path = directory / spec["file"]
    if not path.exists():
        raise InputError(f"table {table!r} ({spec['file']}) is not in {directory}")
    frame = read_microdata(path)
    frame = frame[[c for c in _columns(mapping, table) if c in frame.columns]]
    frame = derive(frame, mapping.get("derive", {}))
    return svydesign(
        frame,
        weights=spec.get("weights"),
        strata=spec.get("strata"),
        psu=spec.get("psu"),
        lonely=mapping.get("lonely", "adjust"),
    )


def indicator_estimates(
    design: SurveyDesign, name: str, spec: dict[str, Any], by: list[str] | None
) -> list[Estimate]:
    """One indicator for the nation (``by=None``) or each domain of ``by``."""
    num = expression(design.data, spec.get("numerator"))
    den = expression(design.data, spec.get("denominator"))
    dom = domains(design, by)
    lin = mean_linear(num, dom, den)
    out = assemble(design, lin, statistic=name, variable=name, dom=dom, ci="wald")
    s = float(spec.get("scale", 1))
    return [
        replace(e, estimate=e.estimate * s, se=e.se * s, ci_low=e.ci_low * s, ci_high=e.ci_high * s)
        for e in out
    ]


def compute_indicators(
    directory: str | Path,
    survey: str = "envipe-2021",
    *,
    by: list[str] | None = None,
    only: list[str] | None = None,
) -> IndicatorSet:
    """Every indicator of the mapping, national and by each disaggregation.

    Parameters
    ----------
    directory
        Folder with the survey tables named in the mapping.
    survey
        Shipped mapping name or YAML path.
    by
        Disaggregations (default: the mapping's ``disaggregations``); each is done on its own.
    only
        Restrict to these indicators.
    """
    mapping = load_mapping(survey)
    folder = Path(directory)
    wanted = mapping["indicators"] if not only else {k: mapping["indicators"][k] for k in only}
    groups = list(mapping.get("disaggregations", [])) if by is None else by
    designs: dict[str, SurveyDesign] = {}
    estimates: list[Estimate] = []
    missing: list[dict[str, str]] = []
    for name, spec in wanted.items():
        table = spec["table"]
        if table not in designs:
            try:
                designs[table] = table_design(mapping, table, folder)
            except InputError as error:
                missing.append({"indicator": name, "reason": error.message})
                continue
        design = designs[table]
        estimates += indicator_estimates(design, name, spec, None)
        for g in groups:
            if g in design.data.columns:
                estimates += indicator_estimates(design, name, spec, [g])
    return IndicatorSet(mapping["survey"], estimates, missing)
