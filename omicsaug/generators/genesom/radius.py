"""genESOM's data-driven generation radius from a trained map.

- :func:`delaunay_neighbours`: pairs of rows whose best-matching units are neighbours on
  the toroid (Delaunay graph of the tiled BMU positions).
- :func:`neighbour_distances`: their data-space distances.
- :func:`gmm_1d`, :func:`gmm_decision_boundary`: a deterministic two-component 1-D Gaussian
  mixture and the point where its weighted densities cross.
- :func:`density_radius`: ``factor`` (0.8) x that Bayes boundary, with a fallback.

References
----------
Ultsch A, Loetsch J (2024). Brief Bioinform 26: bbae640 (genESOM).
"""

from __future__ import annotations

import numpy as np

__all__ = ["delaunay_neighbours", "neighbour_distances", "density_radius",
           "gmm_decision_boundary", "gmm_1d"]


def delaunay_neighbours(bmu_positions, lines, columns):
    """Pairs of data rows that are neighbours on the map.

    The distinct BMU positions are tiled four times on the plane (shifted by 0 or
    ``lines`` rows and 0 or ``columns`` columns) so that the Delaunay graph also sees the
    edges that wrap round the toroid; its edges are folded back onto the original
    positions. Rows whose BMUs are joined by an edge are neighbours, and so are rows that
    share a BMU. If Qhull cannot triangulate (fewer than three distinct positions that are
    not collinear after tiling), every pair of rows counts as neighbours.

    Returns an int array (m, 2) of pairs ``i < j``, sorted.
    """
    from scipy.spatial import Delaunay
    from scipy.spatial import QhullError

    P = np.asarray(bmu_positions, dtype=np.intp).reshape(-1, 2)
    n = len(P)
    if n < 2:
        return np.empty((0, 2), dtype=np.intp)
    flat = P[:, 0] * columns + P[:, 1]
    uniq, inv = np.unique(flat, return_inverse=True)
    u = len(uniq)
    UP = np.column_stack(np.divmod(uniq, columns)).astype(float)
    tiles = np.vstack([UP + (a * lines, b * columns) for a in (0, 1) for b in (0, 1)])
    try:
        tri = Delaunay(tiles)
        s = tri.simplices % u
        e = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
        e = np.sort(e, axis=1)
        e = e[e[:, 0] != e[:, 1]]
        adj = np.zeros((u, u), dtype=bool)
        adj[e[:, 0], e[:, 1]] = True
        adj |= adj.T
        np.fill_diagonal(adj, True)          # rows sharing a BMU
        rows = adj[inv][:, inv]
    except (QhullError, ValueError):
        rows = np.ones((n, n), dtype=bool)
    i, j = np.nonzero(np.triu(rows, k=1))
    return np.column_stack([i, j]).astype(np.intp)


def neighbour_distances(X, pairs):
    """Data-space Euclidean distances between the rows of each pair."""
    X = np.asarray(X, dtype=float)
    pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
    return np.sqrt(((X[pairs[:, 0]] - X[pairs[:, 1]]) ** 2).sum(1))


def gmm_decision_boundary(weights, means, sds):
    """Points between the two component means where the weighted normal densities cross.

    Solves ``w1 N(x; m1, s1) = w2 N(x; m2, s2)`` (a quadratic in x) and returns the sorted
    real roots in the open interval ``(min(m), max(m))``.
    """
    (w1, w2), (m1, m2), (s1, s2) = weights, means, sds
    a = 0.5 / s2 ** 2 - 0.5 / s1 ** 2
    b = m1 / s1 ** 2 - m2 / s2 ** 2
    c = (m2 ** 2 / (2 * s2 ** 2) - m1 ** 2 / (2 * s1 ** 2)
         + np.log(w1 / s1) - np.log(w2 / s2))
    if abs(a) < 1e-12 * max(abs(b), 1e-300):
        roots = np.array([-c / b]) if b != 0 else np.empty(0)
    else:
        roots = np.roots([a, b, c])
        roots = roots[np.abs(roots.imag) < 1e-9 * (1 + np.abs(roots.real))].real
    lo, hi = min(m1, m2), max(m1, m2)
    return np.sort(roots[(roots > lo) & (roots < hi)])


def _em_1d(x, w, m, v, floor, max_iter, tol):
    """EM for two 1-D normal components from several starts at once: ``w, m, v`` are
    (starts, 2). Returns the final (w, m, v), mean log-likelihoods and a converged mask."""
    xs = x[None, :, None]
    old = np.full(len(w), -np.inf)
    done = np.zeros(len(w), dtype=bool)
    ll = old.copy()
    for _ in range(max_iter):
        logp = (np.log(w) - 0.5 * np.log(2 * np.pi * v))[:, None, :] \
            - (xs - m[:, None, :]) ** 2 / (2 * v[:, None, :])
        mx = logp.max(2, keepdims=True)
        lse = mx[..., 0] + np.log(np.exp(logp - mx).sum(2))
        ll = np.where(done, ll, lse.mean(1))
        done |= np.abs(ll - old) < tol
        if done.all():
            break
        old = ll.copy()
        resp = np.exp(logp - lse[..., None])
        nk = np.maximum(resp.sum(1), 1e-300)
        live = ~done[:, None]
        w = np.where(live, nk / len(x), w)
        m = np.where(live, (resp * xs).sum(1) / nk, m)
        v = np.where(live, np.maximum((resp * (xs - m[:, None, :]) ** 2).sum(1) / nk, floor), v)
    return w, m, v, ll, done


def gmm_1d(x, max_iter=500, tol=1e-7):
    """Two-component 1-D Gaussian mixture by EM, deterministic.

    EM is started from several splits of the sorted values (the optimal two-means split,
    exact in 1-D, and the splits at the 10th, 25th, 50th, 75th and 90th percentiles), each
    side giving a component's weight, mean and variance; the converged fit (change of the
    mean log-likelihood below ``tol``) of highest log-likelihood wins. Component variances
    are floored at ``1e-6`` times the variance of ``x``. Returns ``(weights, means, sds,
    converged)`` with the components sorted by mean.
    """
    x = np.sort(np.asarray(x, dtype=float).ravel())
    n = len(x)
    if n < 4:
        raise ValueError("need at least 4 values")
    cs, cs2 = np.cumsum(x), np.cumsum(x * x)
    k = np.arange(1, n)                          # left part x[:k]
    sse = (cs2[:-1] - cs[:-1] ** 2 / k) + ((cs2[-1] - cs2[:-1]) - (cs[-1] - cs[:-1]) ** 2 / (n - k))
    splits = [int(np.argmin(sse)) + 1] + [int(round(q * n)) for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
    splits = sorted(set(min(max(sp, 2), n - 2) for sp in splits))
    floor = 1e-6 * max(x.var(), 1e-300)
    w = np.array([[sp, n - sp] for sp in splits], float) / n
    m = np.array([[x[:sp].mean(), x[sp:].mean()] for sp in splits])
    v = np.maximum(np.array([[x[:sp].var(), x[sp:].var()] for sp in splits]), floor)
    w, m, v, ll, ok = _em_1d(x, w, m, v, floor, max_iter, tol)
    ok &= (w > 1e-8).all(1)
    if not ok.any():
        o = np.argsort(m[0])
        return w[0, o], m[0, o], np.sqrt(v[0, o]), False
    b = int(np.flatnonzero(ok)[np.argmax(ll[ok])])
    o = np.argsort(m[b])
    return w[b, o], m[b, o], np.sqrt(v[b, o]), True


def density_radius(X, bmu_positions, lines, columns, factor=0.8):
    """genESOM's generation radius from the map's neighbourhood structure.

    Neighbouring rows (:func:`delaunay_neighbours`) give a set of data-space distances. A
    two-component 1-D Gaussian mixture is fitted to them (:func:`gmm_1d`, deterministic
    EM) and the radius is ``factor`` times the Bayes decision boundary between the
    component means, where the weighted component densities cross. When the mixture
    cannot be fitted (fewer than 4 distinct distances, no convergence, a collapsed
    component) or there is not exactly one crossing between the means, the radius is half
    the largest pairwise distance of all rows of ``X``, and ``info["method"]`` says why.

    This is the estimate the authors' ``Umatrix::calculate_Delauny_radius`` intends (its EM
    call passes its arguments wrongly, so their experiments fixed the radius instead).

    Returns
    -------
    radius : float
    info : dict
        ``method`` ("gmm" or "fallback: <reason>"), ``radius``, ``factor``, and when fitted
        ``weights``, ``means``, ``sds`` (components sorted by mean) and ``boundary``.
    distances : array
        The neighbour distances the mixture was fitted to.
    """
    from scipy.spatial.distance import pdist

    X = np.asarray(X, dtype=float)
    dist = neighbour_distances(X, delaunay_neighbours(bmu_positions, lines, columns))
    info = {"method": "gmm", "factor": float(factor)}

    def fallback(reason):
        r = float(pdist(X).max() / 2.0) if len(X) > 1 else 0.0
        info.update(method=f"fallback: {reason}", radius=r)
        return r, info, dist

    if len(np.unique(np.round(dist, 12))) < 4:
        return fallback("fewer than 4 distinct neighbour distances")
    w, m, sd, converged = gmm_1d(dist)
    info.update(weights=w.tolist(), means=m.tolist(), sds=sd.tolist())
    if not converged or np.any(w < 1e-8) or not m[1] > m[0]:
        return fallback("mixture fit did not converge" if not converged else "degenerate mixture")
    roots = gmm_decision_boundary(w, m, sd)
    if len(roots) != 1:
        return fallback(f"{len(roots)} density crossings between the means")
    info["boundary"] = float(roots[0])
    info["radius"] = float(factor * roots[0])
    return info["radius"], info, dist
