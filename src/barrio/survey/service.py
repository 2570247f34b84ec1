"""Service functions behind ``barrio survey``: read a file, build the design, estimate.

Keyword-only functions returning JSON-ready dictionaries; the CLI only parses and formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from barrio.errors import ConfigError
from barrio.i18n import _
from barrio.survey import calibration as cal
from barrio.survey.design import SurveyDesign, svydesign
from barrio.survey.estimators import estimate
from barrio.survey.io import read_microdata
from barrio.survey.replicates import supplied, with_replicates

CALIBRATION_METHODS = ("poststratify", "rake", "linear")


def load_spec(path: str | Path) -> dict[str, Any]:
    """A calibration spec (YAML or JSON): method, margins, totals, population_size, bounds."""
    import yaml

    p = Path(path)
    if not p.exists():
        raise ConfigError(
            _("calibration spec {path} does not exist", path=repr(str(p))), hint=_("check the path")
        )
    spec = yaml.safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(spec, dict):
        raise ConfigError(_("calibration spec {name} must be a mapping", name=p.name))
    return spec


def apply_calibration(design: SurveyDesign, spec: dict[str, Any]) -> SurveyDesign:
    """Post-stratify, rake or calibrate ``design`` as the spec says.

    Examples of specs::

        {"method": "poststratify", "margins": {"stype": {"E": 4421, "H": 755, "M": 1018}}}
        {"method": "linear", "population_size": 6194, "totals": {"api99": 3914069}}
    """
    method = spec.get("method", "linear")
    margins = spec.get("margins") or {}
    if method == "poststratify":
        if len(margins) != 1:
            raise ConfigError(
                _("post-stratification needs exactly one margin (use 'a+b' for a cross-class)"),
                hint=_("e.g. margins: {stype: {E: 4421, H: 755, M: 1018}}"),
            )
        ((key, cells),) = margins.items()
        return cal.poststratify(design, key, cells)
    if method == "rake":
        return cal.rake(design, margins)
    if method == "linear":
        bounds = spec.get("bounds")
        return cal.calibrate(
            design,
            margins=margins,
            totals=spec.get("totals"),
            population_size=spec.get("population_size"),
            bounds=None if bounds is None else (float(bounds[0]), float(bounds[1])),
        )
    raise ConfigError(
        _("unknown calibration method {method}", method=repr(method)),
        hint=_("use one of: {choices}", choices=", ".join(CALIBRATION_METHODS)),
    )


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def build_design(
    data,
    *,
    weights: str | None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely: str = "remove",
    replicates: str | None = None,
    rep_weights: str | None = None,
    scale: float | None = None,
    mse: bool = False,
    seed: int = 0,
) -> SurveyDesign:
    """Design from CLI-style strings (``psu="P,SSU"``, ``fpc="F1,F2"``)."""
    stages = _split(psu)
    fpcs = _split(fpc)
    design = svydesign(
        data,
        weights=weights,
        strata=strata,
        psu=stages[0] if stages else None,
        ssu=stages[1] if len(stages) > 1 else None,
        fpc=fpcs[0] if fpcs else None,
        fpc2=fpcs[1] if len(fpcs) > 1 else None,
        lonely=lonely,
    )
    if rep_weights:
        cols = [c for c in data.columns if str(c).startswith(rep_weights)]
        method, _, rho = (replicates or "other").partition(":")
        return supplied(design, cols, method=method, scale=scale, mse=mse, rho=float(rho or 0))
    if replicates:
        return with_replicates(design, replicates, mse=mse, seed=seed)
    return design


def estimate_file(
    path: str | Path,
    *,
    stat: str,
    var: str,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely: str = "remove",
    replicates: str | None = None,
    rep_weights: str | None = None,
    scale: float | None = None,
    mse: bool = False,
    denominator: str | None = None,
    quantiles: Sequence[float] = (0.5,),
    by: str | None = None,
    calibration: dict[str, Any] | None = None,
    deff: bool = False,
    level: float = 0.95,
    ci: str | None = None,
) -> dict[str, Any]:
    """Estimate one statistic from a microdata file; returns design summary and estimates."""
    data = read_microdata(path)
    design = build_design(
        data,
        weights=weights,
        strata=strata,
        psu=psu,
        fpc=fpc,
        lonely=lonely,
        replicates=replicates,
        rep_weights=rep_weights,
        scale=scale,
        mse=mse,
    )
    if calibration:
        design = apply_calibration(design, calibration)
    results = estimate(
        design,
        stat,
        var,
        denominator=denominator,
        by=_split(by),
        quantiles=quantiles,
        level=level,
        deff=deff,
        ci=ci,
    )
    summary = {
        "file": str(path),
        "rows": design.n,
        "strata": design.n_strata,
        "psus": design.n_psu,
        "df": design.df,
        "variance": design.replicates.method if design.replicates else "taylor",
        "calibration": (calibration or {}).get("method"),
    }
    return {"design": summary, "estimates": [r.to_dict() for r in results]}
