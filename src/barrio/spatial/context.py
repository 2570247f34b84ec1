"""The context pillar of the priority-neighbourhood index: census variables per area.

A context variable is an arithmetic expression over the columns of a census table (one row
per area), a direction and a weight::

    youth_share = (p_15a17 + p_18a24) / pobtot      higher = more priority
    schooling   = graproes                          lower  = more priority

The defaults (:data:`INEGI_AGEB`) use INEGI's 2020 census tables by AGEB and block
(RESAGEBURB, *Censo de Población y Vivienda 2020*, variable names of its data dictionary).
INEGI publishes ages 15-17 and 18-24 but not 25-29 at AGEB level, so the youth share is the
UN youth definition (15-24). In a workspace the variables come from ``[select.context]`` of
``barrio.toml`` (see docs/spatial.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

DIRECTIONS = ("higher", "lower")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXPR = re.compile(r"^[A-Za-z0-9_+\-*/(). ]+$")


@dataclass(frozen=True)
class ContextVariable:
    """One context indicator: ``expr`` over census columns, its direction and weight."""

    name: str
    expr: str
    direction: str = "higher"
    weight: float = 1.0
    label: str = ""

    @property
    def signed_weight(self) -> float:
        """Weight for :func:`barrio.spatial.priority.priority_index` (negative = lower is worse)."""
        return self.weight if self.direction == "higher" else -self.weight


INEGI_AGEB: tuple[ContextVariable, ...] = (
    ContextVariable("youth_share", "(p_15a17 + p_18a24) / pobtot", "higher", 1.0, "ages 15-24"),
    ContextVariable(
        "no_health_share", "psinder / pobtot", "higher", 1.0, "without health services"
    ),
    ContextVariable(
        "female_head_share", "hogjef_f / tothog", "higher", 1.0, "households headed by women"
    ),
    ContextVariable("schooling", "graproes", "lower", 1.0, "average years of schooling"),
)


def variables_from_config(raw: dict[str, Any] | None) -> tuple[ContextVariable, ...]:
    """Parse ``[select.context.variables]`` of barrio.toml; the INEGI defaults when absent.

    Each entry is ``name = {expr = "...", direction = "higher" | "lower", weight = 1.0}``.
    """
    if not raw:
        return INEGI_AGEB
    out = []
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "expr" not in spec:
            raise ConfigError(
                _("context variable {name} needs an expression", name=repr(name)),
                hint=_('[select.context.variables.{name}] expr = "column_a / column_b"', name=name),
            )
        var = ContextVariable(
            str(name),
            str(spec["expr"]),
            str(spec.get("direction", "higher")),
            float(spec.get("weight", 1.0)),
            str(spec.get("label", "")),
        )
        _check_variable(var)
        out.append(var)
    return tuple(out)


def context_table(
    frame: pd.DataFrame, variables: tuple[ContextVariable, ...], id_column: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate the variables on a census table (one row per area).

    Returns the table of ``id_column`` plus one column per variable for the areas where every
    variable is defined, and the excluded areas with the reason (a confidential ``*`` cell in
    the census, a zero denominator), so that nothing is dropped silently.
    """
    if id_column not in frame.columns:
        raise InputError(
            _("id column {id_column} not found in the context table", id_column=repr(id_column)),
            hint=_("set [select.context] id to the column that holds the area code"),
        )
    for var in variables:
        _check_variable(var)
    out = pd.DataFrame({id_column: frame[id_column].astype(str).to_numpy()})
    numeric = frame.apply(pd.to_numeric, errors="coerce") if len(frame) else frame
    for var in variables:
        missing = sorted(set(_columns(var.expr)) - set(frame.columns))
        if missing:
            raise InputError(
                _(
                    "context variable {name} uses unknown columns: {missing}",
                    name=repr(var.name),
                    missing=", ".join(missing),
                ),
                hint=_("check the expression against the census data dictionary"),
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            values = pd.Series(numeric.eval(var.expr, engine="python"), index=frame.index)
        clean = pd.to_numeric(values, errors="coerce").replace([np.inf, -np.inf], np.nan)
        out[var.name] = clean.to_numpy()
    bad = out[[v.name for v in variables]].isna()
    excluded = out.loc[bad.any(axis=1), [id_column]].copy()
    excluded["reason"] = [
        "undefined: " + ", ".join(bad.columns[row]) for row in bad[bad.any(axis=1)].to_numpy()
    ]
    return out.loc[~bad.any(axis=1)].reset_index(drop=True), excluded.reset_index(drop=True)


def inegi_ageb_rows(census: pd.DataFrame, municipality: str | None = None) -> pd.DataFrame:
    """The AGEB rows of an INEGI RESAGEBURB table, with ``area_id`` = the 13-character AGEB key
    (entity + municipality + locality + AGEB), optionally for one municipality (e.g. "014")."""
    rows = (
        census[census["nivel"] == "ageb"] if "nivel" in census else census[census["mza"] == "000"]
    )
    if municipality is not None:
        rows = rows[rows["cve_mun"] == municipality]
    rows = rows.copy()
    rows["area_id"] = rows["cve_ent"] + rows["cve_mun"] + rows["cve_loc"] + rows["ageb"]
    return rows.reset_index(drop=True)


def pillar(variables: tuple[ContextVariable, ...]) -> dict[str, float]:
    """``{variable: signed weight}`` for ``priority_index(pillars={"context": ...})``."""
    return {v.name: v.signed_weight for v in variables}


def _columns(expr: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expr)


def _check_variable(var: ContextVariable) -> None:
    if not _NAME.match(var.name) or not _EXPR.match(var.expr):
        raise ConfigError(
            _("invalid context variable {name} = {expr}", name=repr(var.name), expr=repr(var.expr)),
            hint=_("use column names, numbers, + - * / and parentheses only"),
        )
    if var.direction not in DIRECTIONS:
        raise ConfigError(
            _(
                "unknown direction {direction} for {name}; expected higher or lower",
                direction=repr(var.direction),
                name=repr(var.name),
            ),
            hint=_("higher: more of it means more priority (e.g. youth share); lower: schooling"),
        )
    if not var.weight > 0:
        raise ConfigError(
            _("weight of {name} must be positive", name=repr(var.name)), hint=_("e.g. weight = 1.0")
        )
