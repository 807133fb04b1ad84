"""Figures. Each function takes tables and a path; all figures are written atomically."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .utils import save_figure  # noqa: E402


def imputation_quality(scores: pd.DataFrame, cells: pd.DataFrame, path, title=""):
    """Left: NRMSE per method over masking repeats. Right: true vs imputed (first repeat)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 4))
    methods = list(pd.unique(scores["method"]))
    for i, m in enumerate(methods):
        v = scores.loc[scores["method"] == m, "nrmse"].to_numpy()
        a.bar(i, v.mean(), color=f"C{i}", alpha=0.6)
        a.scatter(np.full(len(v), i), v, color="k", s=12, zorder=3)
    a.set_xticks(range(len(methods)), methods)
    a.set_ylabel("NRMSE on masked cells (standardised)")
    a.set_title(f"{int(scores['n_masked'].iloc[0])} observed cells masked per repeat")
    a.axhline(1.0, color="grey", lw=0.8, ls="--")
    for i, m in enumerate(methods):
        c = cells[cells["method"] == m]
        b.scatter(c["true"], c["imputed"], s=14, alpha=0.7, color=f"C{i}", label=m)
    lim = np.nanmax(np.abs(cells[["true", "imputed"]].to_numpy())) * 1.05
    b.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8)
    b.set_xlabel("true value (z-score)")
    b.set_ylabel("re-imputed value (z-score)")
    b.legend(frameon=False)
    fig.suptitle(f"Imputation quality {title}".strip())
    save_figure(fig, path)


def failure_point(draws: pd.DataFrame, summary: pd.DataFrame, n_min, path, title="",
                  full_count=None):
    """Šidák-significant count vs n per group (one dot per draw, median line)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    rng = np.random.default_rng(0)
    ax.scatter(draws["n_per_group"] + rng.uniform(-0.15, 0.15, len(draws)), draws["n_significant"],
               s=10, alpha=0.5, color="C0", label="one random draw")
    ax.plot(summary["n_per_group"], summary["median"], color="C1", marker="o", label="median")
    if full_count is not None:
        ax.axhline(full_count, color="grey", ls="--", lw=0.8, label="full data")
    if n_min is not None:
        ax.axvline(n_min, color="C3", ls=":", label=f"smallest n keeping hits: {n_min}")
    ax.set_xlabel("samples per group")
    ax.set_ylabel("Šidák-significant features")
    ax.set_title(f"Failure point {title}".strip())
    ax.legend(frameon=False, fontsize=8)
    save_figure(fig, path)
