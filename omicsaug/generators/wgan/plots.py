"""Loss-curve figures of the omics WGAN (:class:`~.estimator.WGANGenerator`).

One panel for pre-training (critic and generator loss per epoch, growing phases marked)
and one per class for re-training: the critic and generator loss of the final stage's
chosen learning rate (the other candidates faint), the band that cuts the curve, and the
epoch whose generator snapshot is used.
"""

from __future__ import annotations

import numpy as np

from ...utils import save_figure


def loss_curves(history: dict, path=None, title="", band=(-10.0, 15.0)):
    """Plot ``WGANGenerator.history_``; save to ``path`` (atomic) when given.

    Parameters
    ----------
    history : dict
        A fitted generator's ``history_``.
    path : str or Path, optional
        Output file (format from the suffix). Without it the figure is returned open.
    title : str
    band : (float, float)
        The critic-loss band that cuts the curves (dotted lines).

    Returns
    -------
    matplotlib Figure (closed when saved).
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    pre = history.get("pretrain")
    classes = list(history.get("retrain", {}))
    n = (1 if pre is not None and len(pre.get("critic", ())) else 0) + len(classes)
    if n == 0:
        raise ValueError("history has no loss curves (is the generator fitted?)")
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.6 * n), squeeze=False)
    axes = axes[:, 0]
    i = 0
    if pre is not None and len(pre.get("critic", ())):
        ax = axes[0]
        ep = np.arange(1, len(pre["critic"]) + 1)
        ax.plot(ep, pre["critic"], lw=0.8, label="critic")
        _finite_line(ax, ep, pre["generator"], lw=0.8, label="generator")
        for e in pre.get("phase_ends", [])[:-1]:
            ax.axvline(e, color="grey", ls="--", lw=0.8)
        phases = pre.get("phases")
        ax.set_title(f"pre-training ({pre.get('n_rows', '?')} rows"
                     + (f"; growing {' | '.join('-'.join(map(str, p)) for p in phases)}" if phases else "")
                     + ")", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
        i = 1
    for c in classes:
        h = history["retrain"][c]
        ax = axes[i]
        i += 1
        st = h["stages"][-1]
        crit = np.asarray(st["critic"])
        ep = np.arange(1, len(crit) + 1)
        for j in range(len(st["lrs"])):
            if j != st["chosen"]:
                ax.plot(ep, crit[:, j], lw=0.5, alpha=0.35, color="grey")
        j = st["chosen"]
        ax.plot(ep, crit[:, j], lw=0.8, color="C0", label=f"critic (lr {st['lrs'][j]:g})")
        _finite_line(ax, ep, np.asarray(st["generator"])[:, j], lw=0.8, color="C1", label="generator")
        for b in band:
            ax.axhline(b, color="grey", ls=":", lw=0.7)
        ax.axvline(h["snapshot_epoch"], color="C3", lw=1.2, label=f"used: epoch {h['snapshot_epoch']}")
        if h.get("knee_epoch") is not None:
            ax.axvline(h["knee_epoch"], color="C3", ls="--", lw=0.8, label=f"knee {h['knee_epoch']}")
        lrs = ", ".join(f"{s['name']} {s['lrs'][s['chosen']]:g}" for s in h["stages"])
        ax.set_title(f"class {c}: {h['n_rows']} rows, batch {h['batch_size']}, "
                     f"alpha {h['alpha']:g}; {lrs}", fontsize=9)
        shown = np.r_[crit[:, j], np.asarray(st["generator"])[:, j]]
        shown = shown[np.isfinite(shown)]
        if len(shown):
            ax.set_ylim(max(shown.min(), band[0]) - 0.5, min(shown.max(), band[1]) + 0.5)
        ax.legend(fontsize=7, loc="upper right")
    for ax in axes:
        ax.set_ylabel("loss")
    axes[-1].set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def _finite_line(ax, x, y, **kw):
    """A loss curve through its finite points: the generator is updated every n_critic-th
    critic step, so with one mini-batch per epoch its per-epoch loss is NaN every other
    epoch, and a plain line through NaNs draws nothing (the legend then named a line that
    was not drawn)."""
    y = np.asarray(y, float)
    ok = np.isfinite(y)
    ax.plot(np.asarray(x)[ok], y[ok], **kw)

