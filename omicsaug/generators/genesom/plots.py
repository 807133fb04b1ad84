"""genESOM figures: the map (U-matrix with best-matching units), the radius estimate, the
training convergence, and the error-inflation control panels.

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

from ...utils import save_figure  # noqa: E402


def _done(fig, path):
    if path is None:
        return fig
    save_figure(fig, path)
    return None


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


def plot_selection_frequencies(evidence: pd.DataFrame, decision: dict, path=None, title=""):
    """Per augmentation level: Boruta selection frequency of every feature (true) and of
    its permuted copy (perm), the limit of alpha-error inflation (the highest frequency of
    any permuted copy at level 0) and the importance threshold; important features are
    starred. The panel title says whether the level passed the stop rule.
    """
    levels = list(pd.unique(evidence["level"]))
    feats = list(pd.unique(evidence["feature"]))
    p = len(feats)
    summ = {s["level"]: s for s in decision.get("levels", [])}
    fig, axes = plt.subplots(len(levels), 1, figsize=(max(7, 0.18 * p + 2), 2.6 * len(levels)),
                             sharex=True, squeeze=False)
    x = np.arange(p)
    lim = decision.get("limit_frequency")
    for ax, k in zip(axes[:, 0], levels):
        ev = evidence[evidence["level"] == k].set_index("feature").loc[feats]
        n = int(ev["n_seeds"].iloc[0])
        ax.bar(x - 0.2, ev["true_freq"], width=0.4, color="C0", label="feature (true)")
        ax.bar(x + 0.2, ev["perm_freq"], width=0.4, color="C3", label="permuted copy (perm)")
        if lim is not None:
            ax.axhline(lim, color="C3", ls="--", lw=1,
                       label=f"limit of alpha inflation (level 0 perm max) = {lim:.2f}")
        thr = float(ev["threshold"].iloc[0]) / n
        ax.axhline(thr, color="k", ls=":", lw=1, label=f"importance threshold (true - perm) = {thr:.2f}")
        for i in np.flatnonzero(ev["important"].to_numpy()):
            ax.text(x[i] - 0.2, ev["true_freq"].iloc[i] + 0.02, "*", ha="center", fontsize=10)
        s = summ.get(k, {})
        verdict = "" if not s else ("passed" if s.get("passed") else "FAILED")
        if s.get("p_inflation") is not None:
            verdict += f" (copies vs level 0: sign-flip p {s['p_inflation']:.2g})"
        chosen = " (chosen)" if k == decision.get("chosen_level") else ""
        ax.set_title(f"level {k}: {k} synthetic per original{chosen} {verdict}".strip(), fontsize=9)
        ax.set_ylabel(f"selected / {n} seeds")
        ax.set_ylim(0, 1.1)
    axes[0, 0].legend(frameon=False, fontsize=7, ncol=2, loc="upper right")
    axes[-1, 0].set_xticks(x, feats, rotation=90, fontsize=6 if p > 30 else 8)
    axes[-1, 0].set_xlabel("feature")
    fig.suptitle(title or f"Error-inflation control: chosen level {decision.get('chosen_level')}",
                 fontsize=10)
    fig.tight_layout()
    return _done(fig, path)


def plot_genesom_fit(gen, prefix, labels=None, title=""):
    """All three per-fit figures of a fitted :class:`GenESOMGenerator`:
    ``<prefix>umatrix.png``, ``<prefix>radius.png``, ``<prefix>convergence.png``."""
    labels = gen.y_ if labels is None else labels
    plot_umatrix(gen.umatrix_, gen.bmu_, labels, path=f"{prefix}umatrix.png", title=title)
    plot_radius(gen.neighbour_distances_, gen.radius_fit_, gen.radius_, path=f"{prefix}radius.png",
                title=title)
    plot_bmu_changes(gen.bmu_changes_, n_rows=len(gen.Z_), path=f"{prefix}convergence.png",
                     title=title)
