"""genESOM figures: the map (U-matrix with best-matching units), the radius estimate and the
training convergence.

Each function takes arrays or tables (not a fitted generator, so saved results can be
re-drawn) and an optional ``path``: with a path the figure is written atomically and
closed, without one it is returned.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats as sps  # noqa: E402

from ...utils import figure_or_save  # noqa: E402


_done = figure_or_save   # returns the figure when no path is given


def _class_colours(labels):
    classes = list(pd.unique(pd.Series(np.asarray(labels).astype(str))))
    return classes, {c: f"C{i % 10}" for i, c in enumerate(classes)}


def plot_umatrix(umatrix, bmu, labels, path=None, title="", tiled=False, seed=0):
    """U-matrix heat map of the toroidal map with each row's BMU, coloured by class.

    Parameters
    ----------
    umatrix : array (lines, columns)
    bmu : int array (n, 2)
        (row, column) of each data row's best-matching unit.
    labels : array (n,)
    tiled : bool, default False
        Draw the toroid tiled 2 x 2, so that structures crossing the edges are seen whole.
    seed : int
        Jitter (within one neuron) that keeps rows sharing a BMU apart.
    """
    U = np.asarray(umatrix, float)
    L, C = U.shape
    bmu = np.asarray(bmu).reshape(-1, 2)
    reps = 2 if tiled else 1
    fig, ax = plt.subplots(figsize=(2 + 6 * reps * C / max(L, C), 1 + 6 * reps * L / max(L, C)))
    im = ax.imshow(np.tile(U, (reps, reps)), cmap="terrain", origin="upper", interpolation="nearest",
                   extent=(-0.5, reps * C - 0.5, reps * L - 0.5, -0.5))
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02,
                 label="U-height: mean distance to the 8 neighbours (z-units)")
    classes, col = _class_colours(labels)
    jit = np.random.default_rng(seed).uniform(-0.3, 0.3, size=bmu.shape)
    lab = np.asarray(labels).astype(str)
    for c in classes:
        m = lab == c
        for a in range(reps):
            for b in range(reps):
                ax.scatter(bmu[m, 1] + jit[m, 1] + b * C, bmu[m, 0] + jit[m, 0] + a * L, s=28,
                           color=col[c], edgecolor="k", linewidth=0.5,
                           label=c if a == b == 0 else None, zorder=3)
    if tiled:
        ax.axhline(L - 0.5, color="w", lw=0.8, ls="--")
        ax.axvline(C - 0.5, color="w", lw=0.8, ls="--")
    ax.set_xlabel("map column (wraps round)")
    ax.set_ylabel("map line (wraps round)")
    ax.legend(title="class of the row at each BMU", frameon=False, fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.12), ncol=min(len(classes), 6))
    ax.set_title(title or f"U-matrix, {L} x {C} toroidal ESOM")
    return _done(fig, path)


def plot_radius(distances, radius_fit, radius, path=None, title=""):
    """Histogram of neighbour distances with the fitted two-component mixture, the Bayes
    boundary and the generation radius (``radius``; the synthetic rows lie within
    ``2 * 0.4 * radius`` of their parents).

    ``radius_fit`` is the generator's ``radius_fit_`` dict (``weights``, ``means``, ``sds``,
    ``boundary``, ``method``).
    """
    d = np.asarray(distances, float)
    fig, ax = plt.subplots(figsize=(7, 4))
    if len(d):
        ax.hist(d, bins=min(40, max(8, len(d) // 4)), density=True, color="0.8",
                edgecolor="0.5", label=f"neighbour distances (n = {len(d)})")
    fit = radius_fit or {}
    if "means" in fit and len(d):
        x = np.linspace(0, max(d.max(), radius) * 1.05, 400)
        tot = np.zeros_like(x)
        for i, (w, m, s) in enumerate(zip(fit["weights"], fit["means"], fit["sds"])):
            y = w * sps.norm.pdf(x, m, s)
            tot += y
            ax.plot(x, y, color=f"C{i}", lw=1.2, label=f"component {i + 1}: w={w:.2f}, "
                                                        f"mean={m:.2f}, sd={s:.2f}")
        ax.plot(x, tot, color="k", lw=1.0, ls=":", label="mixture")
    if fit.get("boundary") is not None:
        ax.axvline(fit["boundary"], color="C2", ls="--", lw=1.2,
                   label=f"Bayes boundary {fit['boundary']:.3f}")
    ax.axvline(radius, color="C3", lw=1.8, label=f"radius {radius:.3f} ({fit.get('method', '')})")
    if fit.get("method") == "fixed" and fit.get("estimate") is not None:
        ax.axvline(fit["estimate"], color="C3", lw=1.0, ls=":",
                   label=f"estimate {fit['estimate']:.3f} (not used)")
    ax.set_xlabel("data-space distance between map neighbours (z-units)")
    ax.set_ylabel("density")
    ax.set_title(title or "genESOM density radius")
    ax.legend(frameon=False, fontsize=8)
    return _done(fig, path)


def plot_bmu_changes(changes, n_rows=None, path=None, title=""):
    """Rows whose best-matching unit changed, per training epoch (convergence trace)."""
    ch = np.asarray(changes, int)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, len(ch) + 1), ch, marker="o", color="C0", label="rows changing BMU")
    if n_rows is not None:
        ax.axhline(n_rows, color="grey", lw=0.8, ls="--", label=f"all rows ({n_rows})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("rows with a new BMU")
    ax.set_ylim(bottom=0)
    ax.set_title(title or "ESOM training convergence")
    ax.legend(frameon=False, fontsize=8)
    return _done(fig, path)


def plot_genesom_fit(gen, prefix, labels=None, title=""):
    """All three per-fit figures of a fitted :class:`~.estimator.GenESOMGenerator`:
    ``<prefix>umatrix.png``, ``<prefix>radius.png``, ``<prefix>convergence.png``."""
    labels = gen.y_ if labels is None else labels
    plot_umatrix(gen.umatrix_, gen.bmu_, labels, path=f"{prefix}umatrix.png", title=title)
    plot_radius(gen.neighbour_distances_, gen.radius_fit_, gen.radius_, path=f"{prefix}radius.png",
                title=title)
    plot_bmu_changes(gen.bmu_changes_, n_rows=len(gen.Z_), path=f"{prefix}convergence.png",
                     title=title)
