"""Report figures fit the page and label every panel, however many designs and methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from omicsaug import plots

DESIGNS = ["n3", "n6", "first6", "imb_c120_f0.4", "imb_c120_f0.6"]
METHODS = ["none", "genesom", "gmm", "gmm_independent", "ctgan", "tvae", "gaussian_copula",
           "smote", "random_oversampling", "wgan", "wgan_classic", "expandgan_x0.5",
           "expandgan_x1", "a_method_with_a_rather_long_name"]
FEATURES = [f"lipid_{i:03d}" for i in range(60)]
RNG = np.random.default_rng(0)


def _recovery_summary():
    rows = []
    for d in DESIGNS:
        for t in ("calibrated_fwer", "naive"):
            for m in METHODS:
                r = {"reference": "sidak", "design": d, "test": t, "method": m, "n_reference": 12}
                for k in ("recovered", "missed", "invented", "perm_significant"):
                    r[f"{k}_mean"], r[f"{k}_sd"] = RNG.uniform(0, 12), RNG.uniform(0, 2)
                rows.append(r)
    return pd.DataFrame(rows)


def _auroc():
    return pd.DataFrame([{"design": d, "method": m, "auroc": a, "auc_diff": a - 0.5}
                         for d in DESIGNS for m in METHODS for a in RNG.uniform(0.4, 0.9, 5)])


def _reference():
    return pd.DataFrame({"feature": FEATURES, "significant_sidak": np.arange(60) < 10,
                         "significant_raw": np.arange(60) < 20})


def _figures(tmp_path):
    """(name, callable drawing one figure to a path) for every figure of plots.py that a
    report shows, on 5 designs x 14 methods."""
    freq = pd.DataFrame([{"design": "n6", "test": t, "feature": f, "method": m,
                          "frequency": RNG.uniform()}
                         for t in ("calibrated_fwer", "naive") for f in FEATURES for m in METHODS])
    per_feature = pd.DataFrame([{"design": "n6", "method": m, "seed": s, "feature": f + suf,
                                 "p": RNG.uniform(1e-6, 1), "perm": bool(suf)}
                                for m in METHODS for s in range(3) for f in FEATURES
                                for suf in ("", "__perm")])
    scores = pd.DataFrame([{"design": d, "model": mo, "method": m, "balanced_accuracy": a}
                           for d in DESIGNS for mo in ("rf", "svm", "knn") for m in METHODS
                           for a in RNG.uniform(0.5, 1, 4)])
    ref_cls = pd.DataFrame({"model": ["rf", "svm", "knn"], "balanced_accuracy": [0.9, 0.85, 0.8]})
    curve = pd.DataFrame({"n_per_group": [3, 4, 6, 9], "power": [0.1, 0.2, 0.4, 0.7],
                          "power_lo": [0.05, 0.1, 0.3, 0.6], "power_hi": [0.2, 0.3, 0.5, 0.8],
                          "power_reference": "sidak"})
    calib = pd.DataFrame([{"design": "n6", "n_per_group": 6, "method": m, "power_calibrated": 0.4,
                           "power_naive": 0.9, "equivalent_n": 6.3, "equivalent_n_lo": 5.1,
                           "equivalent_n_hi": 7.7, "equivalent_n_censored": "",
                           "power_reference": "sidak"} for m in METHODS])
    fid = pd.DataFrame([{"design": "n6", "method": m, "n_synthetic": 12,
                         "two_sample_auroc": RNG.uniform(0.5, 1), "near_copy_fraction": RNG.uniform(),
                         "heldout_two_sample_auroc": 0.55} for m in METHODS])
    cells = _auroc().assign(design=lambda t: "sim_" + t["design"].str.replace("n", "imb_c", regex=False))
    return {
        "recovery_bars": lambda p: plots.recovery_bars(_recovery_summary(), p, title="sim"),
        "recovery_heatmap": lambda p: plots.recovery_heatmap(freq, _reference(), p, "n6"),
        "pvalue_strips": lambda p: plots.pvalue_strips(per_feature, _reference(), p, "n6"),
        "classifier_accuracy": lambda p: plots.classifier_accuracy(scores, ref_cls, p),
        "auroc_boxes": lambda p: plots.auroc_boxes(_auroc(), p),
        "auroc_cells": lambda p: plots.auroc_cells(_auroc(), p),
        "auroc_cells_grid": lambda p: plots.auroc_cells(
            pd.concat([_auroc().assign(design=f"sim_imb_c{c}_f{f}") for c in (20, 40, 80)
                       for f in (0.2, 0.4)]), p),
        "expand_sweep": lambda p: plots.expand_sweep(cells.assign(
            method=lambda t: "expandgan_x" + (t.index % 4 * 0.25 + 0.25).astype(str)), p),
        "calibrated_power": lambda p: plots.calibrated_power(curve, calib, p, "n6"),
        "fidelity_map": lambda p: plots.fidelity_map(fid, p, "n6"),
    }


@pytest.mark.parametrize("name", list(_figures(None)))
def test_figures_fit_the_page_and_label_every_panel(tmp_path, monkeypatch, name):
    drawn = []
    real_save = plots.save_figure

    def keep(fig, path, **kw):
        drawn.append(fig)
        real_save(fig, path, **kw)

    monkeypatch.setattr(plots, "save_figure", keep)
    path = tmp_path / f"{name}.png"
    _figures(tmp_path)[name](path)
    (fig,) = drawn
    # drawn no wider than the page; saved (tight box, outside legends included) at most 5 % wider
    assert fig.get_figwidth() <= plots.PAGE_WIDTH + 1e-9
    width_px = Image.open(path).size[0]
    assert width_px <= 1.05 * plots.PAGE_WIDTH * 150, (name, width_px)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert panels
    for ax in panels:
        assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), (name, ax.get_title())


def test_recovery_bars_grow_downwards_with_designs(tmp_path):
    s = _recovery_summary()
    widths, heights = [], []
    for k in (1, 5):
        p = tmp_path / f"bars{k}.png"
        plots.recovery_bars(s[s["design"].isin(DESIGNS[:k])], p)
        w, h = Image.open(p).size
        widths.append(w)
        heights.append(h)
    assert abs(widths[1] - widths[0]) < 0.05 * widths[0]
    assert heights[1] > 4 * heights[0]
