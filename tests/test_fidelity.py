"""Class fidelity: a generator that ignores the class is flagged, a faithful one is not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicsaug.evaluation.class_fidelity import augmented_fidelity, class_fidelity


def _data(rng, n=20, d=30):
    X = rng.normal(size=(2 * n, d))
    X[n:, :10] += 1.5                       # 10 of 30 features differ between the classes
    return X, np.array(["a"] * n + ["b"] * n)


def test_pooled_sampler_is_flagged_and_a_faithful_one_is_not():
    rng = np.random.default_rng(0)
    X, y = _data(rng)
    # faithful: new rows from each class's own mean and spread
    Xf = np.vstack([rng.normal(X[y == c].mean(0), X[y == c].std(0), size=(20, X.shape[1]))
                    for c in ("a", "b")])
    yf = np.array(["a"] * 20 + ["b"] * 20)
    good = class_fidelity(X, y, Xf, yf)
    assert good["accuracy"] > 0.9 and good["mean_diff_correlation"] > 0.8 and not good["flagged"]
    assert 0.85 < good["difference_kept"] < 1.15
    # ignores the class: rows drawn from the pooled table, labelled as asked
    Xp = X[rng.integers(0, len(X), 40)] + rng.normal(0, 0.1, (40, X.shape[1]))
    bad = class_fidelity(X, y, Xp, yf)
    assert bad["flagged"] and bad["accuracy"] < 0.75 and bad["mean_diff_correlation"] < 0.5
    assert 0.3 < bad["difference_kept"] < 0.7          # half-way: the pooled mean


def test_augmented_table_rows_and_warning(caplog):
    import logging

    rng = np.random.default_rng(1)
    X, y = _data(rng, n=10, d=12)
    Xp = X[rng.integers(0, len(X), 10)]
    t = pd.DataFrame(np.vstack([X, Xp]), columns=[f"f{j}" for j in range(12)])
    t.insert(0, "parent", "")
    t.insert(0, "synthetic", [False] * 20 + [True] * 10)
    t.insert(0, "group", list(y) + ["b"] * 10)
    t.insert(0, "sample_id", [f"s{i}" for i in range(30)])
    t.insert(0, "seed", 1)
    t["f0__perm"] = 0.0                      # negative controls are left out
    log = logging.getLogger("omicsaug.test")
    with caplog.at_level(logging.WARNING, logger="omicsaug.test"):
        out = augmented_fidelity(t, "n10", "pooled", log=log)
    assert list(out.columns) == ["design", "method", "seed", "n_synthetic", "accuracy", "chance",
                                 "mean_diff_correlation", "difference_kept", "flagged"]
    assert len(out) == 1 and out["n_synthetic"].iloc[0] == 10 and out["chance"].iloc[0] == 1.0
    assert out["flagged"].iloc[0] and "lose their class" in caplog.text


def test_summary_reads_the_tables_and_says_which_method_beats_nothing():
    from omicsaug.summary import COLUMNS, reading, summarise

    rec = pd.DataFrame([
        {"design": "n6", "method": m, "test": t, "reference": "sidak", "n_reference": 5,
         "recovered_mean": r, "invented_mean": i}
        for m, t, r, i in (("none", "naive", 1.0, 0.0), ("none", "calibrated_fwer", 1.0, 0.0),
                           ("gmm", "naive", 4.0, 3.0), ("gmm", "calibrated_fwer", 1.0, 0.0))])
    cal = pd.DataFrame([{"design": "n6", "method": "none", "verdict": "baseline", "equivalent_n": 6.1,
                         "equivalent_n_lo": 5.0, "equivalent_n_hi": 7.0},
                        {"design": "n6", "method": "gmm", "verdict": "no gain", "equivalent_n": 6.0,
                         "equivalent_n_lo": 5.0, "equivalent_n_hi": 7.2}])
    comp = pd.DataFrame([{"design": "n6", "method_a": "none", "method_b": "gmm", "mean_difference": -0.02,
                          "ci_low": -0.05, "ci_high": 0.01}])
    fid = pd.DataFrame([{"design": "n6", "method": "gmm", "seed": 1, "n_synthetic": 12, "accuracy": 1.0,
                         "chance": 0.5, "difference_kept": 0.98, "flagged": False}])
    s = summarise(rec, cal, comp, fid, {("n6", "gmm"): 3.5})
    assert list(s.columns) == COLUMNS and len(s) == 2
    g = s.set_index("method").loc["gmm"]
    assert g["recovered_naive"] == 4 and g["invented_naive"] == 3 and g["invented_calibrated"] == 0
    assert g["auroc_vs_none"] == 0.02 and g["auroc_vs_none_lo"] == -0.01 and g["seconds"] == 3.5
    assert g["class_accuracy_over_chance"] == 0.5 and not g["class_flagged"]
    text = reading(s, "sim")
    assert "no method beats it" in text and "gmm (3.0)" in text and "interval above 0): none" in text
