"""Fidelity and memorisation of synthetic rows, on constructed data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicsaug import synthetic_quality as sq


def _draw(rng, n, d, shift=0.0):
    cov = 0.5 * np.eye(d) + 0.5          # correlated features
    return rng.multivariate_normal(np.broadcast_to(shift, (d,)), cov, size=n)


def test_a_sample_from_the_true_distribution_scores_like_held_out_real_rows():
    """Synthetic rows drawn from the true distribution: every fidelity figure is close to a
    second real sample's own; a shift of 1 SD (up and down by feature) is seen by each (KS,
    energy, two-sample AUROC)."""
    rng = np.random.default_rng(0)
    d = 20
    train, held = _draw(rng, 60, d), _draw(rng, 60, d)
    y = np.array(["a"] * 60)
    good = sq.quality(train, y, held, y, _draw(rng, 60, d), y, seed=1)
    for m in ("ks_median", "energy_distance", "correlation_distance"):
        assert abs(good[m] - good[f"heldout_{m}"]) < 0.1, (m, good[m], good[f"heldout_{m}"])
    assert 0.3 < good["two_sample_auroc"] < 0.7 and 0.3 < good["heldout_two_sample_auroc"] < 0.7
    bad = sq.quality(train, y, held, y, _draw(rng, 60, d, shift=np.resize([1.0, -1.0], d)), y, seed=1)
    assert bad["ks_median"] > good["ks_median"] + 0.2
    assert bad["energy_distance"] > 5 * max(good["energy_distance"], 0.01)
    assert bad["two_sample_auroc"] > 0.9


def test_two_sample_auroc_of_real_rows_stays_near_chance_when_features_outnumber_rows():
    """12 training rows against 100 held-out rows of the same distribution, 5,000 features:
    the two-sample test must not tell them apart (standardising on the 12 rows before the
    folds made them perfectly separable, AUROC 1.0); a mean shift of 0.5 SD on every feature
    is still seen."""
    rng = np.random.default_rng(3)
    d = 5000
    train, held = rng.standard_normal((12, d)), rng.standard_normal((100, d))
    y, yh = np.array(["a"] * 12), np.array(["a"] * 100)
    q = sq.quality(train, y, held, yh, train, y, seed=0)      # the originals as "synthetic" rows
    assert 0.25 < q["heldout_two_sample_auroc"] < 0.75 and q["two_sample_auroc"] == q["heldout_two_sample_auroc"]
    shifted = sq.quality(train, y, held, yh, rng.standard_normal((12, d)) + 0.5, y, seed=0)
    assert shifted["two_sample_auroc"] > 0.9


def test_random_oversampling_is_all_exact_copies_and_a_jittered_copy_is_a_near_copy():
    rng = np.random.default_rng(1)
    train = _draw(rng, 30, 10)
    parents = rng.integers(0, 30, 45)
    copies = sq.memorisation(train, train[parents], parents)
    assert copies["exact_copy_fraction"] == 1.0 and copies["dcr_median"] == 0.0
    assert copies["near_copy_fraction"] == 1.0 and copies["parent_distance_median"] == 0.0
    jitter = sq.memorisation(train, train[parents] + 1e-3, parents)
    assert jitter["exact_copy_fraction"] == 0.0 and jitter["near_copy_fraction"] == 1.0
    fresh = sq.memorisation(train, _draw(rng, 45, 10), None)
    assert fresh["exact_copy_fraction"] == 0.0 and fresh["near_copy_fraction"] < 0.2
    assert np.isnan(fresh["parent_distance_median"])


def test_augmented_quality_holds_out_the_rows_outside_each_subset():
    """On the long augmented table: the held-out rows are the full table's rows not in the
    seed's subset; random oversampling's rows are exact copies of their parents."""
    from omicsaug.augment import augment_design, method_spec

    rng = np.random.default_rng(2)
    X = np.vstack([_draw(rng, 20, 6), _draw(rng, 20, 6, shift=2.0)])
    full = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    full.insert(0, "group", ["a"] * 20 + ["b"] * 20)
    full.insert(0, "sample_id", [f"s{i}" for i in range(40)])
    subsets = []
    for seed, idx in ((1, list(range(0, 8)) + list(range(20, 28))), (2, list(range(8, 16)) + list(range(28, 36)))):
        sub = full.iloc[idx].copy()
        sub.insert(0, "seed", seed)
        subsets.append(sub)
    subsets = pd.concat(subsets, ignore_index=True)
    aug = augment_design(subsets, method_spec({"methods": {"random_oversampling": {}}},
                                              "random_oversampling"), 1, "n8", False)
    fid = sq.augmented_quality(aug, full, "n8", "random_oversampling")
    v = fid.set_index(["seed", "metric"])["value"]
    assert v[1, "n_heldout"] == 24 and v[2, "n_heldout"] == 24
    assert v[1, "exact_copy_fraction"] == 1.0 and v[2, "parent_distance_median"] == 0.0
    summ = sq.summarise(fid)
    assert list(summ["method"]) == ["random_oversampling"] and summ["seeds"].iloc[0] == 2
    assert summ["exact_copy_fraction"].iloc[0] == 1.0
