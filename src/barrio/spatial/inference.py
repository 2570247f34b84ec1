"""Inference shared by the local statistics: conditional randomisation and FDR control.

Conditional randomisation (Anselin 1995, section 4): for unit ``i`` the value ``x_i`` stays in
place and its ``k_i`` neighbours are replaced by ``k_i`` values drawn without replacement from the
other ``n - 1`` units. As in PySAL's ``crand`` one matrix of draws (permutations x max k) is shared
by all units; the index of unit ``i`` itself is skipped by shifting draws ``>= i`` up by one. The
shift is done with two pre-gathered arrays and a comparison, so the inner loop is a vectorised
``where`` over chunks of units instead of a random gather per unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from barrio.errors import ConfigError
from barrio.i18n import _

ALTERNATIVES = ("two-sided", "greater", "less")
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class PermutationSummary:
    """Counts and moments of the simulated statistics of every unit.

    Attributes
    ----------
    n_ge, n_le
        How many simulated values were >= (<=) the observed one (ties count in both).
    mean, std
        Mean and standard deviation of the simulated values (for pseudo z-scores).
    permutations
        The number of permutations.
    """

    n_ge: np.ndarray
    n_le: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    permutations: int

    def p_value(self, alternative: str = "two-sided") -> np.ndarray:
        """Pseudo p-values ``(count + 1) / (permutations + 1)``; two-sided doubles the smaller.

        The two-sided value is capped at 1.
        """
        check_alternative(alternative)
        p1 = self.permutations + 1
        if alternative == "greater":
            return (self.n_ge + 1) / p1
        if alternative == "less":
            return (self.n_le + 1) / p1
        return np.minimum(1.0, 2 * (np.minimum(self.n_ge, self.n_le) + 1) / p1)


def check_alternative(alternative: str) -> None:
    """Raise a ConfigError unless ``alternative`` is one of :data:`ALTERNATIVES`."""
    if alternative not in ALTERNATIVES:
        raise ConfigError(
            _(
                "unknown alternative {alternative}; expected one of: {choices}",
                alternative=repr(alternative),
                choices=", ".join(ALTERNATIVES),
            ),
            hint=_("two-sided is the default; use greater/less only for a directional hypothesis"),
        )


def normal_p_value(z: np.ndarray, alternative: str = "two-sided") -> np.ndarray:
    """p-value of a standard normal z-score."""
    check_alternative(alternative)
    if alternative == "greater":
        return np.asarray(stats.norm.sf(z))
    if alternative == "less":
        return np.asarray(stats.norm.cdf(z))
    return np.asarray(2 * stats.norm.sf(np.abs(z)))


def fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN.

    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57(1).
    A unit is significant at FDR level ``alpha`` when its q-value is <= ``alpha``.

    >>> fdr_bh(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    pv = p[ok]
    m = pv.size
    if m == 0:
        return q
    order = np.argsort(pv)
    scaled = pv[order] * m / np.arange(1, m + 1)
    scaled = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(scaled, 1.0)
    q[ok] = out
    return q


def conditional_permutations(
    x: np.ndarray,
    w: sparse.csr_array,
    observed: np.ndarray,
    offset: np.ndarray,
    scale: np.ndarray,
    permutations: int = 999,
    seed: int | None = None,
) -> PermutationSummary:
    """Simulate ``offset_i + scale_i * sum_j w_ij x_pi(j)`` under conditional randomisation.

    Parameters
    ----------
    x
        The variable (length n).
    w
        Weights without the diagonal (the self term goes into ``offset``).
    observed
        The observed statistic of every unit.
    offset, scale
        Per-unit affine map from the simulated spatial lag to the statistic.
    permutations
        Number of draws (999 by default).
    seed
        Seed of NumPy's default generator, for reproducible p-values.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    k = np.diff(w.indptr)
    kmax = int(k.max()) if n else 0
    rng = np.random.default_rng(seed)
    draws = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(permutations)])
    below, above = x[draws], x[draws + 1]
    wpad = _padded_weights(w, k, kmax)
    out = [np.empty(n) for _ in range(4)]
    step = max(1, _CHUNK_ELEMENTS // max(1, permutations * kmax))
    for a in range(0, n, step):
        b = min(n, a + step)
        units = np.arange(a, b)[:, None, None]
        vals = np.where(draws[None] >= units, above[None], below[None])
        lag = np.einsum("cpk,ck->cp", vals, wpad[a:b])
        sim = offset[a:b, None] + scale[a:b, None] * lag
        obs = observed[a:b, None]
        out[0][a:b] = (sim >= obs).sum(axis=1)
        out[1][a:b] = (sim <= obs).sum(axis=1)
        out[2][a:b] = sim.mean(axis=1)
        out[3][a:b] = sim.std(axis=1)
    return PermutationSummary(out[0], out[1], out[2], out[3], permutations)


def _padded_weights(w: sparse.csr_array, k: np.ndarray, kmax: int) -> np.ndarray:
    """Row weights as a dense (n, kmax) array padded with zeros."""
    n = len(k)
    pad = np.zeros((n, kmax))
    rows = np.repeat(np.arange(n), k)
    pos = np.arange(w.nnz) - np.repeat(w.indptr[:-1], k)
    pad[rows, pos] = w.data
    return pad
