"""The proof of a suppression pattern: can any suppressed cell be derived from what is published?

A reader knows every published cell and every additive relation of the table
(:mod:`barrio.disclosure.relations`). Move the published cells of each relation to the right-hand
side: what remains is a linear system ``A x = b`` over the suppressed cells ``x``. Cell ``j`` is
*exactly recoverable* iff the unit vector ``e_j`` lies in the row space of ``A`` (then some
combination of the relations gives ``x_j`` alone), that is iff no vector of the null space of
``A`` moves ``x_j``.

The check splits the relation graph into connected components. For each, a few random vectors
projected onto the null space of ``A`` (sparse least squares) usually prove every unknown free at
once; otherwise a symmetric eigen-decomposition of the Gram matrix ``AᵀA`` (same null space)
decides exactly: ``x_j`` is recoverable iff its squared weight on the null-space eigenvectors is
zero.

Because Barrio never suppresses a zero cell, the true values are strictly positive, so a cell that
is not linearly recoverable cannot be pinned by the non-negativity of counts either: moving a
little along a null-space direction keeps every count positive. See Hundepool et al. (2012),
*Statistical Disclosure Control*, §4.3 (the audit of a suppression pattern).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from barrio.disclosure.relations import Relations

NULL_TOL = 1e-9  # relative eigenvalue below which a direction is in the null space
LEVERAGE_TOL = 1e-8  # null-space weight below which a cell is determined
PROBE_TOL = 1e-10  # |Az| / |r| below which a probe z is in the null space
FREE_TOL = 1e-5  # |z_j| / |r| above which a probe proves unknown j free


def unknown_system(rel: Relations, suppressed: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """``A`` (relations × suppressed cells) and the table positions of its columns."""
    unknown = np.flatnonzero(suppressed)
    column = np.full(len(suppressed), -1, dtype=np.int64)
    column[unknown] = np.arange(len(unknown))
    keep = suppressed[rel.cell]
    groups, rows = np.unique(rel.group[keep], return_inverse=True)
    matrix = sparse.csr_matrix(
        (rel.sign[keep].astype(float), (rows, column[rel.cell[keep]])),
        shape=(len(groups), len(unknown)),
    )
    return matrix, unknown


def recoverable(
    rel: Relations, suppressed: np.ndarray, focus: np.ndarray | None = None
) -> np.ndarray:
    """Table positions of the suppressed cells that published cells determine exactly.

    Parameters
    ----------
    rel
        The additive relations of the table.
    suppressed
        Boolean mask over the table's rows.
    focus
        Optional mask: audit only the components holding one of these cells (the others are
        unchanged since a previous audit found them safe).

    Examples
    --------
    A total with two parts, one part suppressed: the other part and the total give it away.

    >>> import pandas as pd
    >>> from barrio.disclosure.relations import relations
    >>> t = pd.DataFrame({"area_id": ["A"] * 3, "sex": ["total", "F", "M"], "n": [7, 3, 4]})
    >>> rel = relations(t, margins={"sex": "total"})
    >>> recoverable(rel, np.array([False, True, False])).tolist()
    [1]
    >>> recoverable(rel, np.array([False, True, True])).tolist()
    []
    """
    matrix, unknown = unknown_system(rel, np.asarray(suppressed, dtype=bool))
    if not len(unknown):
        return unknown
    gram = (matrix.T @ matrix).tocsr()
    n_comp, label = connected_components(gram, directed=False)
    found: list[np.ndarray] = []
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(n_comp + 1))
    todo = range(n_comp) if focus is None else np.unique(label[np.asarray(focus)[unknown]])
    csc = matrix.tocsc()
    for c in todo:
        members = order[bounds[c] : bounds[c + 1]]
        if _all_free(csc[:, members]):
            continue
        block = gram[members][:, members].toarray()
        found.append(members[_determined(block)])
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.sort(unknown[np.concatenate(found)])


def _all_free(block: sparse.csc_matrix, probes: int = 3) -> bool:
    """True when random null-space vectors move every unknown of the block (a quick proof
    that none is recoverable; otherwise the exact eigen-decomposition decides).

    For a random ``r``, ``z = r - Aᵀy`` with ``y`` the least-squares solution of ``Aᵀy ≈ r``
    (LSQR) is ``r``'s component in the null space of ``A``. It is only trusted when ``Az`` is
    numerically zero; then ``z_j ≠ 0`` proves unknown ``j`` free, since a recoverable ``x_j``
    would be ``wᵀA x`` for some ``w`` and so could not move along ``z``.
    """
    from scipy.sparse.linalg import lsqr

    a = block[np.flatnonzero(np.diff(block.tocsr().indptr)), :]
    n = a.shape[1]
    rng = np.random.default_rng(20120)  # fixed: the audit is deterministic
    free = np.zeros(n, bool)
    for _ in range(probes):
        r = rng.standard_normal(n)
        y = lsqr(a.T, r, atol=1e-14, btol=1e-14, iter_lim=20 * n)[0]
        z = r - a.T @ y
        scale = float(np.linalg.norm(r))
        if np.linalg.norm(a @ z) > PROBE_TOL * scale:
            return False  # not converged: leave it to the exact check
        free |= np.abs(z) > FREE_TOL * scale
        if free.all():
            return True
    return False


def _determined(gram: np.ndarray) -> np.ndarray:
    """Positions (within the block) of unknowns with no weight on the null space."""
    if not gram.any():
        return np.zeros(0, dtype=np.int64)
    from scipy.linalg import eigh

    # only the null-space eigenpairs (MRRR): a few times faster than the full decomposition;
    # Gershgorin bounds the largest eigenvalue by the largest absolute row sum
    top = max(1.0, float(np.abs(gram).sum(axis=1).max()))
    with _one_thread():
        _, vectors = eigh(gram, driver="evr", subset_by_value=(-np.inf, NULL_TOL * top))
    weight = (vectors**2).sum(axis=1)
    return np.flatnonzero(weight < LEVERAGE_TOL)


def _one_thread() -> AbstractContextManager[object]:
    """Single-threaded BLAS for the small dense blocks (threads only thrash on shared cores)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return nullcontext()
    return threadpool_limits(1)
