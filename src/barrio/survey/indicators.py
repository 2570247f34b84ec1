"""Victimization indicators from survey microdata, driven by a mapping file (ENVIPE 2021 ships).

Every indicator is a ratio of weighted totals ``scale * sum w a / sum w b`` estimated with the
full stratified cluster design, for the nation and each domain (state, sex, age group):

* prevalence rate = victims / population 18+ x 100,000; incidence rate = crimes / population
  18+ x 100,000; concentration = crimes / victims;
* dark figure (cifra negra) = share of crimes not reported or without an investigation file;
  reporting rate; SDG 16.3.1 = share of victims of violence who reported to competent
  authorities (robbery, physical assault, sexual assault, and all violent crimes together);
* trust in an authority ("mucha" or "alguna" confianza); perception of insecurity.

The numerator and the denominator may come from two tables of the same sample (ENVIPE's
incidence: crimes weighted by ``FAC_DEL`` over persons weighted by ``FAC_ELE``). The tables are
then stacked into one design (same strata and PSUs): each row's score enters its PSU total, which
is the Taylor linearisation of a ratio of two totals estimated from one sample (Wolter 2007,
sec. 6.5). A ``universe`` restricts the rows counted as a domain does, never by subsetting.

Definitions: INEGI, ENVIPE methodology; UNODC-UNECE Manual on Victimization Surveys (2010); UN SDG
metadata for indicator 16.3.1 (custodian UNODC). Indicators whose table or items are not
available are returned under ``unavailable`` with the reason, never dropped silently.
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
from barrio.i18n import _
from barrio.survey.design import SurveyDesign, svydesign
from barrio.survey.estimators import assemble, domains, mean_linear
from barrio.survey.expressions import columns_of, derive, evaluate
from barrio.survey.io import read_microdata
from barrio.survey.quality import Estimate

TABLE = "_table"
WEIGHT = "_weight"


@dataclass(frozen=True)
class IndicatorSet:
    """Indicator estimates, the indicators that could not be computed, and published values."""

    survey: str
    estimates: list[Estimate]
    unavailable: list[dict[str, Any]] = field(default_factory=list)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)

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
            _("unknown survey mapping {name_or_path}", name_or_path=repr(name_or_path)),
            hint=_(
                "use one of: {names}, or a path to a YAML mapping", names=", ".join(mapping_names())
            ),
        )
    mapping = yaml.safe_load(text)
    if not isinstance(mapping, dict) or "indicators" not in mapping or "tables" not in mapping:
        raise ConfigError(
            _(
                "mapping {name_or_path} needs 'tables' and 'indicators' sections",
                name_or_path=repr(name_or_path),
            )
        )
    for name, spec in mapping["indicators"].items():
        for t in tables_of(spec):
            if t not in mapping["tables"]:
                raise ConfigError(
                    _(
                        "indicator {name} uses table {t}, not described under 'tables'",
                        name=repr(name),
                        t=repr(t),
                    ),
                    hint=_("use one of: {names}", names=", ".join(mapping["tables"])),
                )
    return mapping


def tables_of(spec: dict[str, Any]) -> tuple[str, str]:
    """Tables of the numerator and of the denominator of an indicator."""
    return spec["table"], spec.get("denominator_table", spec["table"])


def items_of(spec: dict[str, Any], table: str) -> list[str]:
    """Questionnaire items an indicator reads from ``table``."""
    num_table, den_table = tables_of(spec)
    cols = []
    if table == num_table:
        cols += columns_of(spec.get("numerator")) + columns_of(spec.get("universe"))
    if table == den_table:
        cols += columns_of(spec.get("denominator"))
        if num_table == den_table:
            cols += columns_of(spec.get("universe"))
    return list(dict.fromkeys(cols))


def _design_columns(mapping: dict[str, Any], table: str) -> list[str]:
    spec = mapping["tables"][table]
    return [spec[k] for k in ("weights", "strata", "psu") if spec.get(k)]


def read_table(mapping: dict[str, Any], table: str, directory: Path) -> pd.DataFrame:
    """One table with only the columns the mapping uses, plus the derived columns."""
    spec = mapping["tables"][table]
    path = directory / spec["file"]
    if not path.exists():
        raise InputError(
            _(
                "table {table} ({file}) is not in {directory}",
                table=repr(table),
                file=spec["file"],
                directory=directory,
            )
        )
    cols = _design_columns(mapping, table)
    cols += [r["column"] for r in mapping.get("derive", {}).values()]
    for ind in mapping["indicators"].values():
        cols += items_of(ind, table)
    present = _column_names(path)
    frame = read_microdata(path, None if present is None else [c for c in cols if c in present])
    frame = frame[[c for c in dict.fromkeys(cols) if c in frame.columns]]
    return derive(frame, mapping.get("derive", {}))


def _column_names(path: Path) -> set[str] | None:
    """Column names of a Parquet file without reading it (``None`` for other formats)."""
    if path.suffix.lower() != ".parquet":
        return None
    import pyarrow.parquet as pq

    return set(pq.read_schema(path).names)


def _design(mapping: dict[str, Any], frames: dict[str, pd.DataFrame], tables: tuple[str, ...]):
    """The design of one table, or of several tables of the same sample stacked together."""
    lonely = mapping.get("lonely", "adjust")
    if len(tables) == 1:
        spec = mapping["tables"][tables[0]]
        return svydesign(
            frames[tables[0]],
            weights=spec.get("weights"),
            strata=spec.get("strata"),
            psu=spec.get("psu"),
            lonely=lonely,
        )
    parts = []
    for t in tables:
        spec = mapping["tables"][t]
        part = frames[t].assign(**{TABLE: t, WEIGHT: frames[t][spec["weights"]].astype(float)})
        parts.append(part.rename(columns={spec["strata"]: "_strata", spec["psu"]: "_psu"}))
    stacked = pd.concat(parts, ignore_index=True)
    return svydesign(stacked, weights=WEIGHT, strata="_strata", psu="_psu", lonely=lonely)


def table_design(mapping: dict[str, Any], table: str, directory: Path) -> SurveyDesign:
    """Read one table (only the columns needed) and describe its design."""
    return _design(mapping, {table: read_table(mapping, table, directory)}, (table,))


def indicator_terms(design: SurveyDesign, spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of each row (zero outside the universe or the other table)."""
    data = design.data
    num_table, den_table = tables_of(spec)
    universe = evaluate(data, spec.get("universe"))
    num = evaluate(data, spec.get("numerator")) * universe
    den = evaluate(data, spec.get("denominator"))
    if num_table == den_table:
        return num, den * universe
    num = np.where(data[TABLE] == num_table, num, 0.0)
    return num, np.where(data[TABLE] == den_table, den, 0.0)


def indicator_estimates(
    design: SurveyDesign,
    name: str,
    spec: dict[str, Any],
    by: list[str] | None,
    terms: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[Estimate]:
    """One indicator for the nation (``by=None``) or each domain of ``by``."""
    num, den = indicator_terms(design, spec) if terms is None else terms
    dom = domains(design, by)
    lin = mean_linear(num, dom, den)
    ci = spec.get("interval", "wald")
    out = assemble(design, lin, statistic=name, variable=name, dom=dom, ci=ci)
    s = float(spec.get("scale", 1))
    return [
        replace(e, estimate=e.estimate * s, se=e.se * s, ci_low=e.ci_low * s, ci_high=e.ci_high * s)
        for e in out
    ]


def _missing_items(spec: dict[str, Any], frames: dict[str, pd.DataFrame]) -> list[str]:
    return [
        c for t in dict.fromkeys(tables_of(spec)) for c in items_of(spec, t) if c not in frames[t]
    ]


def _unavailable(mapping: dict[str, Any], name: str, table: str, reason: str) -> dict[str, Any]:
    spec = mapping["indicators"][name]
    items = [c for t in dict.fromkeys(tables_of(spec)) for c in items_of(spec, t)]
    file = mapping["tables"][table]["file"]
    return {"indicator": name, "table": table, "file": file, "items": items, "reason": reason}


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
    unknown = sorted(set(only or ()) - set(mapping["indicators"]))
    if unknown:
        raise ConfigError(
            _(
                "unknown indicator(s) {unknown} in mapping {survey}",
                unknown=", ".join(unknown),
                survey=repr(mapping["survey"]),
            ),
            hint=_("use one of: {names}", names=", ".join(mapping["indicators"])),
        )
    wanted = {k: v for k, v in mapping["indicators"].items() if not only or k in only}
    groups = list(mapping.get("disaggregations", [])) if by is None else by
    frames: dict[str, pd.DataFrame] = {}
    missing_tables: dict[str, str] = {}
    designs: dict[tuple[str, ...], SurveyDesign] = {}
    estimates: list[Estimate] = []
    unavailable: list[dict[str, Any]] = []
    for name, spec in wanted.items():
        tables = tuple(dict.fromkeys(tables_of(spec)))
        for t in tables:
            if t not in frames and t not in missing_tables:
                try:
                    frames[t] = read_table(mapping, t, folder)
                except InputError as error:
                    missing_tables[t] = error.message
        absent = [t for t in tables if t in missing_tables]
        if absent:
            unavailable.append(_unavailable(mapping, name, absent[0], missing_tables[absent[0]]))
            continue
        lacking = _missing_items(spec, frames)
        if lacking:
            reason = _("items {items} are not in the table", items=", ".join(lacking))
            unavailable.append(_unavailable(mapping, name, tables[0], reason))
            continue
        if tables not in designs:
            designs[tables] = _design(mapping, frames, tables)
        design = designs[tables]
        terms = indicator_terms(design, spec)
        estimates += indicator_estimates(design, name, spec, None, terms)
        for g in groups:
            if g not in design.data.columns:
                reason = _(
                    "disaggregation {name} is not a column or derived column of the table",
                    name=repr(g),
                )
                unavailable.append({**_unavailable(mapping, name, tables[0], reason), "by": g})
                continue
            estimates += indicator_estimates(design, name, spec, [g], terms)
    published = {k: dict(v["published"]) for k, v in wanted.items() if "published" in v}
    return IndicatorSet(mapping["survey"], estimates, unavailable, published)
