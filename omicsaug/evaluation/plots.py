"""Figures of the evaluation package that are not report figures: the error-inflation
control panels (:mod:`.error_control`). The report figures are :mod:`omicsaug.plots`.

Each function takes tables (so saved results can be re-drawn) and an optional ``path``:
with a path the figure is written atomically and closed, without one it is returned.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..utils import figure_or_save  # noqa: E402


_done = figure_or_save   # returns the figure when no path is given


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
    fig, axes = plt.subplots(len(levels), 1, figsize=(min(10.0, max(7, 0.18 * p + 2)), 2.6 * len(levels)),  # the page width (plots.PAGE_WIDTH)
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
    axes[-1, 0].set_xticks(x, feats, rotation=90, fontsize=4 if p > 60 else (6 if p > 30 else 8))
    axes[-1, 0].set_xlabel("feature")
    fig.suptitle(title or f"Error-inflation control: chosen level {decision.get('chosen_level')}",
                 fontsize=10)
    fig.tight_layout()
    return _done(fig, path)
