"""Complex sample designs: strata, one or two stages of clusters, weights and fpc.

A :class:`SurveyDesign` holds integer codes for the design variables so that every estimator can
form PSU totals with one ``np.bincount``. Conventions follow R's ``survey`` package
(Lumley 2004, 2010):

* ``fpc`` is the population size per stratum (stage 1) and per PSU (stage 2); values <= 1 are read
  as sampling fractions. The finite population correction is ``1 - n/N``.
* without ``fpc`` a design is treated as sampled with replacement (the "ultimate cluster"
  variance); with ``fpc`` the second stage adds its own within-PSU variance.
* lonely PSUs (a stratum with a single PSU): ``remove`` (contributes nothing), ``certainty``
  (same), ``adjust`` (centred at the population mean, i.e. the score total itself) and
  ``average`` (the variance of the other strata is scaled up by ``H / H_ok``). ``fail`` raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

if TYPE_CHECKING:
    from barrio.survey.calibration import Calibration
    from barrio.survey.replicates import ReplicateWeights

LONELY_RULES = ("remove", "certainty", "adjust", "average", "fail")


@dataclass(frozen=True)
class SurveyDesign:
    """A sample design bound to its data.

    Attributes
    ----------
    data
        The microdata, one row per respondent (never subset: domains are indicators).
    weights
        Sampling (or calibrated) weights, shape ``(n,)``.
    strata
        Stage-1 stratum code per row, ``0..H-1``.
    psu
        Stage-1 PSU code per row, ``0..P-1``, nested in strata and ordered by stratum.
    psu_stratum
        Stratum code of each PSU, shape ``(P,)`` (non-decreasing).
    f1
        Stage-1 sampling fraction ``n_h / N_h`` per stratum, shape ``(H,)``; ``None`` means
        with replacement.
    ssu
        Stage-2 unit code per row (nested in PSUs) or ``None`` for one stage.
    f2
        Stage-2 sampling fraction per PSU, shape ``(P,)``, or ``None``.
    lonely
        Lonely-PSU rule, one of ``remove, certainty, adjust, average, fail``.
    calibrations
        Weight adjustments applied so far; their residuals enter the Taylor variance.
    replicates
        Replicate weights, when the design carries them.
    names
        Column names used (for reports and manifests).
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    f1: np.ndarray | None = None
    ssu: np.ndarray | None = None
    f2: np.ndarray | None = None
    lonely: str = "remove"
    calibrations: tuple[Calibration, ...] = ()
    replicates: ReplicateWeights | None = None
    names: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of rows (respondents)."""
        return int(self.weights.shape[0])

    @property
    def n_psu(self) -> int:
        """Number of stage-1 PSUs."""
        return int(self.psu_stratum.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of stage-1 strata."""
        return int(self.psu_stratum.max()) + 1 if self.n_psu else 0

    @property
    def psu_per_stratum(self) -> np.ndarray:
        """``n_h``: PSUs in each stratum."""
        return np.bincount(self.psu_stratum, minlength=self.n_strata)

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R ``degf``)."""
        if self.replicates is not None and self.replicates.df is not None:
            return self.replicates.df
        return max(self.n_psu - self.n_strata, 1)

    def with_weights(self, weights: np.ndarray, **changes: Any) -> SurveyDesign:
        """A copy of the design with new weights (used by calibration)."""
        return replace(self, weights=np.asarray(weights, dtype=float), **changes)

    def column(self, name: str) -> pd.Series:
        """A data column, with an error that lists the available columns."""
        if name not in self.data.columns:
            raise InputError(
                _("column {name} is not in the survey data", name=repr(name)),
                hint=_("use one of: {names}", names=", ".join(map(str, self.data.columns[:40]))),
                column=name,
            )
        return self.data[name]


def _codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dense integer codes ``0..k-1`` of a column, in order of first sort."""
    codes, _ = pd.factorize(pd.Series(values), sort=True)
    return np.asarray(codes, dtype=np.int64)


def _require_complete(frame: pd.DataFrame, cols: list[str], role: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(
            _("{role} column {missing} is not in the data", role=role, missing=repr(missing[0])),
            hint=_("available columns: {names}", names=", ".join(map(str, frame.columns[:40]))),
            column=missing[0],
        )
    for c in cols:
        bad = int(frame[c].isna().sum())
        if bad:
            raise InputError(
                _(
                    "{role} column {column} has {bad} missing values",
                    role=role,
                    column=repr(c),
                    bad=bad,
                ),
                hint=_("design variables must be complete; fix or drop those rows first"),
                column=c,
            )


def _fraction(pop: np.ndarray, sample: np.ndarray, role: str) -> np.ndarray:
    """Sampling fraction from a population size (``> 1``) or a fraction (``<= 1``)."""
    pop = np.asarray(pop, dtype=float)
    if np.all(pop <= 1):
        return pop
    if np.any(pop < 1):
        raise InputError(
            _("{role}: fpc mixes fractions (<= 1) and population sizes (> 1)", role=role)
        )
    if np.any(pop < sample):
        raise InputError(
            _("{role}: fpc population size smaller than the number of sampled units", role=role),
            hint=_("fpc is the population size N per stratum (stage 1) or per PSU (stage 2)"),
        )
    return sample / pop


def _psu_codes(frame: pd.DataFrame, strata: np.ndarray, psu_col: str | None) -> np.ndarray:
    """PSU codes nested in strata and sorted by stratum (R ``nest=TRUE``)."""
    raw = np.arange(len(frame)) if psu_col is None else _codes(frame[psu_col])
    key = strata * (int(raw.max()) + 1) + raw
    return _codes(key)


def _stratum_of(groups: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.int64)
    out[groups] = codes
    return out


def _weights(
    frame: pd.DataFrame, weights: str | None, f1: np.ndarray | None, f2: np.ndarray | None
) -> np.ndarray:
    if weights is not None:
        w = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
        if np.any(~np.isfinite(w)) or np.any(w < 0):
            raise InputError(
                _(
                    "weight column {weights} has missing, non-numeric or negative values",
                    weights=repr(weights),
                ),
                hint=_("sampling weights must be finite and >= 0"),
                column=weights,
            )
        return w
    if f1 is None:
        return np.ones(len(frame))
    w = 1.0 / f1
    return w if f2 is None else w / f2


def svydesign(
    data: pd.DataFrame,
    *,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    ssu: str | None = None,
    fpc: str | None = None,
    fpc2: str | None = None,
    lonely: str = "remove",
) -> SurveyDesign:
    """Describe a stratified one- or two-stage sample (R ``svydesign(..., nest=TRUE)``).

    Parameters
    ----------
    data
        Microdata, one row per respondent.
    weights
        Weight column; when absent, weights come from ``fpc`` (``N/n`` per stage) or are 1.
    strata, psu, ssu
        Stratum, primary and secondary sampling unit columns (PSUs are nested in strata and
        SSUs in PSUs, whatever their codes). Without ``psu`` every row is its own PSU.
    fpc, fpc2
        Population size (or sampling fraction) of stage 1 per stratum and of stage 2 per PSU.
    lonely
        Lonely-PSU rule: ``remove``, ``certainty``, ``adjust``, ``average`` or ``fail``.

    Returns
    -------
    SurveyDesign

    Examples
    --------
    >>> import pandas as pd
    >>> d = svydesign(pd.DataFrame({"w": [2.0, 2.0, 3.0], "h": [1, 1, 2]}), weights="w", strata="h")
    >>> d.n_psu, d.n_strata, d.df
    (3, 2, 1)
    """
    if lonely not in LONELY_RULES:
        raise ConfigError(
            _("unknown lonely-PSU rule {lonely}", lonely=repr(lonely)),
            hint=_("use one of: {choices}", choices=", ".join(LONELY_RULES)),
            value=lonely,
        )
    cols = [c for c in (strata, psu, ssu, fpc, fpc2) if c is not None]
    _require_complete(data, cols + ([weights] if weights else []), "design")
    frame = data.reset_index(drop=True)
    h = np.zeros(len(frame), dtype=np.int64) if strata is None else _codes(frame[strata])
    p = _psu_codes(frame, h, psu)
    psu_stratum = _stratum_of(p, h, int(p.max()) + 1 if len(p) else 0)
    n_h = np.bincount(psu_stratum)
    f1 = f2 = s = None
    if fpc is not None:
        pop = pd.to_numeric(frame[fpc], errors="coerce").to_numpy(dtype=float)
        f1_row = _fraction(pop, n_h[h].astype(float), "stage 1")
        f1 = np.zeros(len(n_h))
        f1[h] = f1_row
    if ssu is not None:
        s = _codes(p * (int(_codes(frame[ssu]).max()) + 1) + _codes(frame[ssu]))
        if fpc2 is not None:
            n2 = np.bincount(_stratum_of(s, p, int(s.max()) + 1), minlength=len(psu_stratum))
            pop2 = pd.to_numeric(frame[fpc2], errors="coerce").to_numpy(dtype=float)
            f2_row = _fraction(pop2, n2[p].astype(float), "stage 2")
            f2 = np.zeros(len(psu_stratum))
            f2[p] = f2_row
    w = _weights(frame, weights, None if f1 is None else f1[h], None if f2 is None else f2[p])
    names = {"weights": weights, "strata": strata, "psu": psu, "ssu": ssu, "fpc": fpc}
    return SurveyDesign(
        data=frame,
        weights=w,
        strata=h,
        psu=p,
        psu_stratum=psu_stratum,
        f1=f1,
        ssu=s,
        f2=f2,
        lonely=lonely,
        names={k: v for k, v in names.items() if v is not None},
    )
