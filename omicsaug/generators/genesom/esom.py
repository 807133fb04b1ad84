"""Emergent self-organising map (ESOM) on a toroidal grid, U-matrix and P-matrix.

Pure numpy functions and one estimator class, usable without the genESOM generator (the
data-driven generation radius is :mod:`.radius`):

- :class:`ESOM`: online training on a ``lines x columns`` toroidal grid (Ultsch's ESOM;
  the training schedule of the CRAN package ``Umatrix``, re-implemented from its
  description, not from its GPL code).
- :func:`neighbourhood`: the wrap-around offset pattern and Gaussian weights of one radius.
- :func:`umatrix`, :func:`pmatrix`: distance and density landscapes of a trained map.

Grid convention: neuron ``(row, col)`` has the flat index ``row * columns + col``; weights are
``(lines, columns, d)`` arrays (or ``(lines * columns, d)`` where stated).

References
----------
Ultsch A, Loetsch J (2024). Brief Bioinform 26: bbae640 (genESOM).
Loetsch J, Mayer B, de Bruin N, Ultsch A (2026). Pharmacol Res (EAE study).
Ultsch A (2003). U*-matrix: a tool to visualize clusters in high dimensional data.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = ["ESOM", "neighbourhood", "best_matching_units", "umatrix", "pmatrix",
           "roll_to_centre"]


# --------------------------------------------------------------------- neighbourhood
def _toroidal_offsets(n):
    """Signed minimal offsets 0, 1, ..., -1 of the positions 0..n-1 on a ring of n."""
    o = np.arange(n)
    return np.where(o <= n // 2, o, o - n)


def neighbourhood(radius, lines, columns):
    """Neurons within ``floor(radius)`` of a neuron on the toroid, and their weights.

    A neuron at toroidal offset ``(dy, dx)`` (the shortest way round in each direction)
    belongs to the neighbourhood when ``dy**2 + dx**2 <= floor(radius)**2``; its weight is
    ``h = exp(-d**2 / (2 * sigma**2))`` with ``d**2 = dy**2 + dx**2`` and
    ``sigma = (radius + 1) / 2``. Each neuron appears once even when the disc is wider
    than the grid (it then wraps onto itself).

    Parameters
    ----------
    radius : float
        Neighbourhood radius in grid units (>= 0).
    lines, columns : int
        Grid size.

    Returns
    -------
    ry, rx : int arrays
        Offsets reduced modulo ``lines`` and ``columns``: the neighbourhood of the neuron
        ``(r, c)`` is ``((r + ry) % lines, (c + rx) % columns)``.
    h : float array
        Neighbourhood weight of each offset (1 at the centre).
    """
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    R = int(np.floor(radius))
    dy = _toroidal_offsets(lines)[:, None]
    dx = _toroidal_offsets(columns)[None, :]
    d2 = (dy ** 2 + dx ** 2).astype(float)
    inside = d2 <= R * R
    ry, rx = np.nonzero(inside)
    sigma = (radius + 1.0) / 2.0
    h = np.exp(-d2[inside] / (2.0 * sigma * sigma))
    return ry.astype(np.intp), rx.astype(np.intp), h


# ------------------------------------------------------------------------- helpers
def _flat(weights):
    w = np.asarray(weights, dtype=float)
    return w.reshape(-1, w.shape[-1]) if w.ndim == 3 else w


def _sq_dists(W, X):
    """Squared Euclidean distances (n_neurons, n_points), clipped at 0."""
    d2 = (W * W).sum(1)[:, None] - 2.0 * W @ X.T + (X * X).sum(1)[None, :]
    return np.maximum(d2, 0.0)


def best_matching_units(weights, X):
    """Flat index of the best-matching neuron of every row of ``X``.

    Minimum Euclidean distance; on exact ties the lowest flat index wins. Distances are
    computed exactly (difference vectors), so the choice is the textbook one.
    """
    W = _flat(weights)
    X = np.atleast_2d(np.asarray(X, dtype=float))
    out = np.empty(len(X), dtype=np.intp)
    for s in range(0, len(X), 256):  # bounded memory: (neurons x 256 x d) at most
        blk = X[s:s + 256]
        d2 = ((W[:, None, :] - blk[None, :, :]) ** 2).sum(-1) if W.shape[0] * len(blk) * W.shape[1] <= 2e7 \
            else _sq_dists(W, blk)
        out[s:s + 256] = np.argmin(d2, axis=0)
    return out


def umatrix(weights):
    """U-matrix: per neuron, the mean Euclidean distance of its weight vector to those of
    its 8 grid neighbours, wrapping round the toroid.

    Parameters
    ----------
    weights : array (lines, columns, d)

    Returns
    -------
    array (lines, columns)
    """
    W = np.asarray(weights, dtype=float)
    if W.ndim != 3:
        raise ValueError(f"weights must be (lines, columns, d), got shape {W.shape}")
    total = np.zeros(W.shape[:2])
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                nb = np.roll(W, shift=(dy, dx), axis=(0, 1))
                total += np.sqrt(((W - nb) ** 2).sum(-1))
    return total / 8.0


def pmatrix(weights, X, radius):
    """P-matrix: per neuron, the number of rows of ``X`` within ``radius`` (Euclidean,
    inclusive) of its weight vector. Returns an int array of the grid's shape."""
    W = np.asarray(weights, dtype=float)
    shape = W.shape[:-1]
    d2 = _sq_dists(_flat(W), np.asarray(X, dtype=float))
    return (d2 <= radius * radius).sum(1).reshape(shape)


def roll_to_centre(density, lines, columns):
    """Grid shift ``(dy, dx)`` that moves the densest neuron (first maximum of ``density``,
    flat or grid shaped) to the centre ``(lines // 2, columns // 2)`` of the toroid."""
    r, c = divmod(int(np.argmax(np.asarray(density).ravel())), columns)
    return (lines // 2 - r) % lines, (columns // 2 - c) % columns


# ---------------------------------------------------------------------------- ESOM
class ESOM:
    """Emergent self-organising map on a toroidal grid, trained online.

    Initialisation: each weight component uniform between the minimum and maximum of its
    data column. Training: ``epochs`` passes over the shuffled data; in epoch
    ``i = 1..epochs`` the radius is ``R_i = radius_start - (radius_start - radius_end) *
    (i - 1) / epochs`` and the learning rate ``lr_i`` is cooled linearly in the same way
    from ``lr_start`` to ``lr_end``. For each data point ``x`` the best-matching unit (BMU,
    the neuron of minimum Euclidean distance, first on ties) is found and every neuron in
    its toroidal neighbourhood (see :func:`neighbourhood`) moves towards ``x``:
    ``w += h * lr_i * (x - w)``.

    Each update moves a weight vector to a convex combination of its old value and a data
    row, so every weight is ``c_j * w0_j + sum_i A_ji x_i``. With ``algorithm="coef"`` the
    map is trained on these coefficients: a BMU search costs one ``(neurons x n)``
    product with the precomputed Gram matrices instead of a ``(neurons x d)`` one, and an
    update costs ``O(|neighbourhood|)`` through a per-neuron lazy scale factor; the
    squared weight norms are updated in closed form. Mathematically identical to
    ``algorithm="direct"`` (weights updated in data space); results agree to rounding.

    Parameters
    ----------
    lines, columns : int, default 50, 80
        Grid size (Umatrix default 50 x 80).
    epochs : int, default 20
        Training epochs; 0 keeps the random initial map.
    radius_start, radius_end : float, default 24, 1
        Neighbourhood radius cooling (R0, R1).
    lr_start, lr_end : float, default 0.5, 0.1
        Learning-rate cooling.
    algorithm : {"auto", "coef", "direct"}, default "auto"
        "auto" uses "coef" when there are fewer rows than columns in ``X``.
    random_state : int, Generator or None

    Attributes
    ----------
    weights_ : array (lines, columns, d)
    bmu_ : int array (n,)
        Flat BMU index of every row on the final map.
    bmu_positions_ : int array (n, 2)
        (row, column) of each BMU.
    bmu_changes_ : int array (epochs,)
        Rows whose BMU (found when the row was presented) differs from the previous epoch
        (epoch 1: from the BMU on the initial map).
    train_time_ : float
        Seconds spent in the training loop.
    """

    def __init__(self, lines=50, columns=80, epochs=20, radius_start=24.0, radius_end=1.0,
                 lr_start=0.5, lr_end=0.1, algorithm="auto", random_state=None):
        self.lines = lines
        self.columns = columns
        self.epochs = epochs
        self.radius_start = radius_start
        self.radius_end = radius_end
        self.lr_start = lr_start
        self.lr_end = lr_end
        self.algorithm = algorithm
        self.random_state = random_state

    def _check(self, X):
        for k in ("lines", "columns"):
            v = getattr(self, k)
            if not isinstance(v, (int, np.integer)) or v < 3:
                raise ValueError(f"{k} must be an integer >= 3, got {v!r}")
        if not isinstance(self.epochs, (int, np.integer)) or self.epochs < 0:
            raise ValueError(f"epochs must be an integer >= 0, got {self.epochs!r}")
        if not (self.radius_start >= self.radius_end >= 0):
            raise ValueError(f"need radius_start >= radius_end >= 0, got {self.radius_start}, "
                             f"{self.radius_end}")
        if not (0 < self.lr_end <= 1 and 0 < self.lr_start <= 1):
            raise ValueError(f"learning rates must lie in (0, 1], got {self.lr_start}, {self.lr_end}")
        if self.algorithm not in ("auto", "coef", "direct"):
            raise ValueError(f"algorithm must be 'auto', 'coef' or 'direct', got {self.algorithm!r}")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or len(X) < 1:
            raise ValueError(f"X must be a non-empty 2-D array, got shape {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        return X

    def schedule(self):
        """(radius, learning rate) of each epoch, as two arrays."""
        E = int(self.epochs)
        f = np.arange(E) / E if E else np.zeros(0)
        return (self.radius_start - (self.radius_start - self.radius_end) * f,
                self.lr_start - (self.lr_start - self.lr_end) * f)

    def fit(self, X):
        X = self._check(X)
        rng = np.random.default_rng(self.random_state)
        n, d = X.shape
        L, C = int(self.lines), int(self.columns)
        W0 = rng.uniform(X.min(0), X.max(0), size=(L * C, d))
        algo = self.algorithm if self.algorithm != "auto" else ("coef" if n < d else "direct")
        radii, lrs = self.schedule()
        orders = [rng.permutation(n) for _ in range(len(radii))]
        prev = best_matching_units(W0, X)
        t0 = time.perf_counter()
        train = self._train_coef if algo == "coef" else self._train_direct
        # one BLAS thread: each step is a small product, and spinning BLAS threads make
        # it many times slower (worst on a shared machine)
        with threadpool_limits(limits=1, user_api="blas"):
            W, seen = train(X, W0, radii, lrs, orders, L, C)
        self.train_time_ = time.perf_counter() - t0
        changes = []
        for e in range(len(radii)):
            changes.append(int((seen[e] != prev).sum()))
            prev = seen[e]
        self.algorithm_ = algo
        self.bmu_changes_ = np.asarray(changes, dtype=int)
        self.weights_ = W.reshape(L, C, d)
        self.bmu_ = best_matching_units(W, X)
        self.bmu_positions_ = np.column_stack(np.divmod(self.bmu_, C))
        return self

    # The two training loops below are the only per-point Python loops: online training
    # is sequential by definition. Each step is a handful of whole-array operations.
    @staticmethod
    def _train_direct(X, W0, radii, lrs, orders, L, C):
        W = W0.copy()
        wn = (W * W).sum(1)
        xn = (X * X).sum(1)
        seen = []
        for R, lr, order in zip(radii, lrs, orders):
            ry, rx, h = neighbourhood(R, L, C)
            a = lr * h
            b = 1.0 - a
            bb, ab2, aa = b * b, 2.0 * a * b, a * a
            bmus = np.empty(len(X), dtype=np.intp)
            for i in order:
                x = X[i]
                dots = W @ x
                k = int(np.argmin(wn - 2.0 * dots))
                bmus[i] = k
                r0, c0 = divmod(k, C)
                idx = ((r0 + ry) % L) * C + (c0 + rx) % C
                Wi = W[idx]
                Wi += a[:, None] * (x - Wi)
                W[idx] = Wi
                # |(1-a) w + a x|^2 from the dot products already at hand
                wn[idx] = bb * wn[idx] + ab2 * dots[idx] + aa * xn[i]
            seen.append(bmus)
            wn = (W * W).sum(1)  # drop rounding drift once per epoch
        return W, seen

    @staticmethod
    def _train_coef(X, W0, radii, lrs, orders, L, C):
        # w_j = s_j * (c_j * w0_j + A_j @ X); G0 = W0 X^T, K = X X^T
        n = len(X)
        N = L * C
        G0 = X @ W0.T            # (n, N): row i holds w0_j . x_i for all j
        K = X @ X.T              # (n, n)
        xn = np.diag(K).copy()
        s = np.ones(N)
        c = np.ones(N)
        A = np.zeros((N, n))
        wn = (W0 * W0).sum(1)
        tiny = 1e-150
        check = n > 400          # (1 - a) >= 0.5: s can only underflow after > 400 hits
        seen = []
        for R, lr, order in zip(radii, lrs, orders):
            ry, rx, h = neighbourhood(R, L, C)
            a = lr * h
            b = 1.0 - a
            bb, ab2, aa = b * b, 2.0 * a * b, a * a
            bmus = np.empty(n, dtype=np.intp)
            for i in order:
                dots = s * (c * G0[i] + A @ K[i])
                k = int(np.argmin(wn - 2.0 * dots))
                bmus[i] = k
                r0, c0 = divmod(k, C)
                idx = ((r0 + ry) % L) * C + (c0 + rx) % C
                si = s[idx] * b
                s[idx] = si
                A[idx, i] += a / si
                wn[idx] = bb * wn[idx] + ab2 * dots[idx] + aa * xn[i]
                if check and si.min() < tiny:
                    j = idx[si < tiny]
                    A[j] *= s[j, None]
                    c[j] *= s[j]
                    s[j] = 1.0
            seen.append(bmus)
            # fold the scale back in and recompute the norms exactly once per epoch
            A *= s[:, None]
            c *= s
            s[:] = 1.0
            AK = A @ K
            wn = c * c * (W0 * W0).sum(1) + 2.0 * c * (A * G0.T).sum(1) + (AK * A).sum(1)
        W = c[:, None] * W0 + A @ X
        return W, seen
