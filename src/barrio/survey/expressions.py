"""Questionnaire expressions of a survey mapping: derived columns and indicator conditions.

A mapping file (``data/surveys/*.yaml``) names items exactly as the survey's files do and
combines them with a small set of vectorised expressions, each a one-key mapping:

* ``{any_equal: {columns: [A, B], values: ["1"]}}``: 1 when any column holds one of the values;
* ``{none_equal: {...}}``: its complement; ``{all_equal: {...}}``: every column holds one;
* ``{sum: [A, B]}``: the sum of numeric columns (blank counts as 0);
* ``{any: [e1, e2]}``, ``{all: [e1, e2]}``, ``{not: e}``: logical or / and / not of expressions.

Codes are compared as text, so ``"01"`` and ``"1"`` are different codes, as in INEGI's files;
blank and missing values are the code ``""``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError
from barrio.i18n import _

EXPRESSIONS = ("any_equal", "none_equal", "all_equal", "sum", "any", "all", "not")


def blank_to_na(values: pd.Series) -> pd.Series:
    """Blank text (``""``, spaces) as missing."""
    return values.where(values.astype(str).str.strip() != "", None)


def derive(frame: pd.DataFrame, rules: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Add derived columns: substrings (``start``/``stop``), recodes (``map``), age bands."""
    out = frame.copy()
    for name, rule in rules.items():
        col = rule["column"]
        if col not in out.columns:
            continue
        src = blank_to_na(out[col])
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
            raise ConfigError(
                _("derived column {name}: give start/stop, map or breaks", name=repr(name))
            )
    return out


def _codes(values: pd.Series) -> pd.Series:
    """Codes as stripped text, blank and missing as ``""``."""
    return values.astype("string").fillna("").str.strip()


def _parts(spec: Any) -> tuple[str, Any]:
    if not isinstance(spec, dict) or len(spec) != 1:
        raise ConfigError(
            _("an expression is a mapping with one key, got {spec}", spec=repr(spec)),
            hint=_("use one of: {choices}", choices=", ".join(EXPRESSIONS)),
        )
    ((kind, arg),) = spec.items()
    if kind not in EXPRESSIONS:
        raise ConfigError(
            _("unknown expression {kind}", kind=repr(kind)),
            hint=_("use one of: {choices}", choices=", ".join(EXPRESSIONS)),
        )
    return kind, arg


def columns_of(spec: dict[str, Any] | None) -> list[str]:
    """Every item an expression reads (to read only those columns and to report missing ones)."""
    if spec is None:
        return []
    kind, arg = _parts(spec)
    if kind == "sum":
        return list(arg)
    if kind in ("any", "all"):
        return [c for part in arg for c in columns_of(part)]
    if kind == "not":
        return columns_of(arg)
    return list(arg["columns"])


def evaluate(frame: pd.DataFrame, spec: dict[str, Any] | None) -> np.ndarray:
    """Evaluate an expression to floats, one per row (``None`` gives ones).

    Examples
    --------
    >>> f = pd.DataFrame({"A": ["1", "2", ""], "B": ["2", "2", "1"]})
    >>> evaluate(f, {"any_equal": {"columns": ["A", "B"], "values": ["1"]}}).tolist()
    [1.0, 0.0, 1.0]
    >>> evaluate(f, {"all": [{"any_equal": {"columns": ["A"], "values": ["2"]}},
    ...                      {"not": {"any_equal": {"columns": ["B"], "values": ["1"]}}}]}).tolist()
    [0.0, 1.0, 0.0]
    """
    if spec is None:
        return np.ones(len(frame))
    kind, arg = _parts(spec)
    if kind == "sum":
        parts = [pd.to_numeric(blank_to_na(frame[c]), errors="coerce").fillna(0) for c in arg]
        return np.sum([p.to_numpy(dtype=float) for p in parts], axis=0)
    if kind in ("any", "all"):
        hits = np.array([evaluate(frame, part) > 0 for part in arg])
        return (hits.any(axis=0) if kind == "any" else hits.all(axis=0)).astype(float)
    if kind == "not":
        return (evaluate(frame, arg) == 0).astype(float)
    values = {"" if v is None else str(v) for v in arg["values"]}
    hits = np.array([_codes(frame[c]).isin(values).to_numpy() for c in arg["columns"]])
    if kind == "all_equal":
        return hits.all(axis=0).astype(float)
    hit = hits.any(axis=0)
    return (hit if kind == "any_equal" else ~hit).astype(float)
