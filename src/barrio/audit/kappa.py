"""Inter-coder agreement of the participatory diagnosis: Cohen's kappa, per theme.

Two people code the same excerpts (the *segments* of a focus-group transcript, a walk's notes)
independently. For each theme, every double-coded segment gives a yes/no per coder ("did this
coder assign the theme to the segment?"); the 2 x 2 table of those pairs gives Cohen's kappa

    kappa = (p_o - p_e) / (1 - p_e)

with ``p_o`` the observed share of agreement and ``p_e = sum_i p_i. p_.i`` the agreement expected
from the coders' marginal rates (Cohen 1960). Its large-sample standard error is that of Fleiss,
Cohen & Everitt (1969); the standard error under kappa = 0 gives the z test. A kappa below 0.7 is
flagged: the theme's definition or the coders' training needs work before its findings are used
(a common threshold in qualitative research; Landis & Koch (1977) call 0.61-0.80 "substantial").

References: J. Cohen (1960), "A coefficient of agreement for nominal scales", Educational and
Psychological Measurement 20(1); J. L. Fleiss, J. Cohen, B. S. Everitt (1969), "Large sample
standard errors of kappa and weighted kappa", Psychological Bulletin 72(5); J. L. Fleiss,
B. Levin, M. C. Paik (2003), Statistical Methods for Rates and Proportions, 3rd ed., ch. 18.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

WARN_BELOW = 0.7


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa of one contingency table.

    Attributes
    ----------
    kappa
        Cohen's kappa (NaN when ``p_e == 1``: both coders used a single category throughout).
    p_observed, p_expected
        Observed agreement and chance agreement from the marginals.
    n
        Number of units (segments) rated by both coders.
    se
        Large-sample standard error (Fleiss, Cohen & Everitt 1969).
    se_null
        Standard error under kappa = 0, used for ``z`` and ``p_value`` (two-sided).
    ci_low, ci_high
        95 % Wald interval ``kappa -/+ 1.96 se``.
    """

    kappa: float
    p_observed: float
    p_expected: float
    n: int
    se: float
    se_null: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cohens_kappa(table: Any) -> Kappa:
    """Cohen's kappa of a k x k table of counts (rows: coder A, columns: coder B).

    Examples
    --------
    The 2 x 2 example of the Wikipedia article "Cohen's kappa" (50 applications, 20 yes-yes,
    5 yes-no, 10 no-yes, 15 no-no) has kappa 0.4:

    >>> round(cohens_kappa([[20, 5], [10, 15]]).kappa, 4)
    0.4
    """
    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"a kappa table must be square, got shape {counts.shape}")
    if (counts < 0).any():
        raise ValueError("a kappa table holds counts; found a negative value")
    n = counts.sum()
    if n == 0:
        nan = float("nan")
        return Kappa(nan, nan, nan, 0, nan, nan, nan, nan, nan, nan)
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = float(np.trace(p))
    pe = float(rows @ cols)
    if pe >= 1.0:
        nan = float("nan")
        return Kappa(nan, po, pe, int(n), nan, nan, nan, nan, nan, nan)
    kappa = (po - pe) / (1.0 - pe)
    se, se0 = _standard_errors(p, rows, cols, kappa, pe, n)
    z = kappa / se0 if se0 > 0 else float("nan")
    p_value = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")
    half = stats.norm.ppf(0.975) * se
    return Kappa(kappa, po, pe, int(n), se, se0, z, p_value, kappa - half, kappa + half)


def _standard_errors(
    p: np.ndarray, rows: np.ndarray, cols: np.ndarray, kappa: float, pe: float, n: float
) -> tuple[float, float]:
    """Fleiss, Cohen & Everitt (1969) large-sample and null standard errors."""
    diag = np.diag(p)
    a = float(np.sum(diag * (1 - (rows + cols) * (1 - kappa)) ** 2))
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    b = float((1 - kappa) ** 2 * np.sum(off * (cols[:, None] + rows[None, :]) ** 2))
    c = (kappa - pe * (1 - kappa)) ** 2
    var = max(a + b - c, 0.0) / (n * (1 - pe) ** 2)
    var0 = (pe + pe**2 - float(np.sum(rows * cols * (rows + cols)))) / (n * (1 - pe) ** 2)
    return float(np.sqrt(var)), float(np.sqrt(max(var0, 0.0)))


def _presence(codings: pd.DataFrame, segments: pd.Index, themes: list[str]) -> np.ndarray:
    """Segments x themes boolean matrix: did these codings give the theme to the segment?"""
    marks = codings.drop_duplicates(["segment", "theme"])
    rows = segments.get_indexer(pd.Index(marks["segment"]))
    cols = pd.Index(themes).get_indexer(pd.Index(marks["theme"]))
    out = np.zeros((len(segments), len(themes)), dtype=bool)
    keep = (rows >= 0) & (cols >= 0)
    out[rows[keep], cols[keep]] = True
    return out


def kappa_by_theme(findings: pd.DataFrame, *, warn_below: float = WARN_BELOW) -> pd.DataFrame:
    """Cohen's kappa per theme over the double-coded segments of a diagnosis.

    Parameters
    ----------
    findings
        Coded findings with columns ``segment``, ``theme`` and ``second_coding`` (bool): rows with
        ``second_coding`` are the independent second coding of a segment; the other rows of that
        segment are its first coding.
    warn_below
        Themes with kappa below this (or undefined) get ``warn = True``.

    Returns
    -------
    pandas.DataFrame
        One row per theme used by either coder on a double-coded segment: ``theme``,
        ``segments``, ``both``, ``first_only``, ``second_only``, ``neither``, ``kappa``,
        ``p_observed``, ``p_expected``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``warn``.
    """
    columns = [
        "theme",
        "segments",
        "both",
        "first_only",
        "second_only",
        "neither",
        "kappa",
        "p_observed",
        "p_expected",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "warn",
    ]
    second = findings[findings["second_coding"].astype(bool)]
    first = findings[~findings["second_coding"].astype(bool)]
    segments = pd.Index(sorted(set(second["segment"]) & set(first["segment"])))
    if segments.empty:
        return pd.DataFrame(columns=columns)
    first = first[first["segment"].isin(segments)]
    second = second[second["segment"].isin(segments)]
    themes = sorted(set(first["theme"]) | set(second["theme"]))
    a, b = _presence(first, segments, themes), _presence(second, segments, themes)
    both = (a & b).sum(axis=0)
    first_only = (a & ~b).sum(axis=0)
    second_only = (~a & b).sum(axis=0)
    neither = (~a & ~b).sum(axis=0)
    rows = []
    for i, theme in enumerate(themes):  # one 2x2 table per theme (a few dozen at most)
        k = cohens_kappa([[both[i], first_only[i]], [second_only[i], neither[i]]])
        rows.append(
            {
                "theme": theme,
                "segments": len(segments),
                "both": int(both[i]),
                "first_only": int(first_only[i]),
                "second_only": int(second_only[i]),
                "neither": int(neither[i]),
                "kappa": k.kappa,
                "p_observed": k.p_observed,
                "p_expected": k.p_expected,
                "se": k.se,
                "ci_low": k.ci_low,
                "ci_high": k.ci_high,
                "p_value": k.p_value,
                "warn": bool(not np.isfinite(k.kappa) or k.kappa < warn_below),
            }
        )
    return pd.DataFrame(rows, columns=columns)
