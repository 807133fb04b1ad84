"""Classifier and AUROC reports: scored on held-out originals, known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from omicsaug.evaluation import classify

SMALL_GRID = {"learning_rate": [0.1], "min_samples_leaf": [1, 5]}


def _full(n_per_group, shift, d=5, rng=0):
    rng = np.random.default_rng(rng)
    X = rng.standard_normal((2 * n_per_group, d))
    X[n_per_group:, 0] += shift
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(d)])
    df.insert(0, "group", ["ctl"] * n_per_group + ["case"] * n_per_group)
    df.insert(0, "sample_id", [f"s{i}" for i in range(2 * n_per_group)])
    return df


def _augmented(full, ids, synthetic: pd.DataFrame | None = None, seed=1):
    sub = full[full["sample_id"].isin(ids)].copy()
    sub.insert(0, "seed", seed)
    sub.insert(3, "synthetic", False)
    sub.insert(4, "parent", "")
    if synthetic is not None:
        sub = pd.concat([sub, synthetic], ignore_index=True)
    return sub


def test_classifier_scored_only_on_held_out_originals():
    full = _full(20, shift=8.0)
    ids = [f"s{i}" for i in list(range(6)) + list(range(20, 26))]
    # synthetic rows with deliberately WRONG labels far away: scoring them would ruin accuracy
    syn = _augmented(full, ids).assign(synthetic=True, sample_id=lambda d: "syn_" + d["sample_id"])
    syn["group"] = syn["group"].map({"ctl": "case", "case": "ctl"})
    syn[[f"f{j}" for j in range(5)]] += 100.0
    aug = _augmented(full, ids, syn)
    scores = classify.classifier_scores(aug, full, "d", "m", models=("rf", "knn"))
    assert set(scores["n_test"]) == {40 - 12}                  # all originals outside the subset
    assert set(scores["n_train"]) == {24} and set(scores["n_synthetic"]) == {12}
    assert (scores["balanced_accuracy"] == 1.0).all()          # held-out originals are easy
    held = classify.held_out(full, aug.loc[~aug["synthetic"], "sample_id"])
    assert not set(held["sample_id"]) & set(ids) and not held["sample_id"].str.startswith("syn").any()


def test_auroc_separable_vs_random():
    full = _full(40, shift=6.0, rng=1)
    ids = [f"s{i}" for i in list(range(15)) + list(range(40, 55))]
    sep = classify.auroc_scores(_augmented(full, ids), "d", "m", positive="case", full=full,
                                grid=SMALL_GRID, folds=3)
    assert sep["auroc"].iloc[0] > 0.95
    rnd = _full(40, shift=0.0, rng=2)
    val = _full(200, shift=0.0, rng=3)
    r = classify.auroc_scores(pd.concat([_augmented(rnd, ids, seed=s) for s in (1, 2, 3)]), "d", "m",
                              positive="case", validation=val, grid=SMALL_GRID, folds=3)
    assert len(r) == 3 and abs(r["auroc"].mean() - 0.5) < 0.1
    assert (r["n_test"] == 400).all()
    np.testing.assert_allclose(r["auc_diff"], r["auroc"] - 0.5)


def test_compare_methods_is_paired_over_shared_repeats_with_bh():
    """Methods scored on the same repeats are compared pairwise: a small but consistent gain
    that an unpaired test misses (the repeats differ much more than the methods) is found."""
    rng = np.random.default_rng(0)
    base = rng.normal(0.75, 0.08, 20)                 # repeat-to-repeat spread (the draws)
    a = base + 0.02 + rng.normal(0, 0.005, 20)
    b = base + rng.normal(0, 0.005, 20)
    c = base + rng.normal(0, 0.005, 20)
    df = pd.concat([pd.DataFrame({"design": "x", "method": m, "repeat": range(20), "auroc": v})
                    for m, v in (("gan", a), ("smote", b), ("ro", c))])
    out = classify.compare_methods(df)
    assert len(out) == 3 and out["paired"].all() and (out["n_pairs"] == 20).all()
    expected = [sps.ttest_rel(a, b).pvalue, sps.ttest_rel(a, c).pvalue, sps.ttest_rel(b, c).pvalue]
    np.testing.assert_allclose(out["p"], expected)
    np.testing.assert_allclose(out["p_bh"], multipletests(expected, method="fdr_bh")[1])
    first = out.iloc[0]
    assert first["mean_difference"] == pytest.approx((a - b).mean())
    assert first["ci_low"] < 0.02 < first["ci_high"] and first["ci_low"] > 0
    assert first["p_bh"] < 1e-6 and sps.ttest_ind(a, b, equal_var=False).pvalue > 0.3
    # no shared repeats: Welch's unpaired test, said so
    df2 = pd.DataFrame({"design": "y", "method": ["p"] * 3 + ["q"] * 3, "repeat": [1, 2, 3, 4, 5, 6],
                        "auroc": [0.7, 0.8, 0.75, 0.6, 0.65, 0.62]})
    w = classify.compare_methods(df2).iloc[0]
    assert not w["paired"] and w["p"] == pytest.approx(
        sps.ttest_ind([0.7, 0.8, 0.75], [0.6, 0.65, 0.62], equal_var=False).pvalue)


def test_stability_selection_keeps_the_informative_features():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, 24))
    logit = 3 * X[:, 0] - 3 * X[:, 1] + 3 * X[:, 2]
    y = np.where(rng.random(80) < 1 / (1 + np.exp(-logit)), "case", "ctl")
    feats = [f"f{j}" for j in range(24)]
    kept, table = classify.stability_selection(X, y, feats, repeats=3, cv=3, top_fraction=0.25, seed=0)
    assert {"f0", "f1", "f2"} <= set(kept) and len(kept) <= 6      # top 25 % of 24
    assert (table.loc[table.feature.isin(["f0", "f1", "f2"]), ["lasso", "elastic_net"]] == 3).all().all()
    assert table["kept"].sum() == len(kept)


def test_auroc_uses_the_selected_features():
    full = _full(40, shift=6.0, rng=1)
    ids = [f"s{i}" for i in list(range(15)) + list(range(40, 55))]
    r = classify.auroc_scores(_augmented(full, ids), "d", "m", positive="case", full=full,
                              grid=SMALL_GRID, folds=3, selected={1: ["f0"]})
    assert r["n_features"].tolist() == [1] and r["auroc"].iloc[0] > 0.95


def test_tuned_hgb_same_result_with_parallel_grid_search():
    """Worker processes share the grid search; the selection and scores do not change."""
    from omicsaug.evaluation.classify import tuned_hgb

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 20))
    y = (X[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)
    grid = {"learning_rate": [0.1, 1.0], "min_samples_leaf": [5, 10]}
    a, b = tuned_hgb(X, y, seed=3, grid=grid, n_jobs=1), tuned_hgb(X, y, seed=3, grid=grid, n_jobs=2)
    assert a.best_params_ == b.best_params_
    np.testing.assert_allclose(a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))
    assert a.cv_results_["mean_test_score"].max() > 0.7  # the signal in feature 0 is found


def test_leak_free_folds_keep_synthetic_rows_away_from_their_parents():
    y = np.array(["a"] * 6 + ["b"] * 6 + ["a"] * 6 + ["b"] * 6 + ["a", "b"])
    ids = np.array([f"o{i}" for i in range(12)] + [f"s{i}" for i in range(14)])
    syn = np.r_[np.zeros(12, bool), np.ones(14, bool)]
    parent = np.r_[[""] * 12, [f"o{i}" for i in range(12)], ["", ""]]   # 2 parentless rows
    folds = classify.leak_free_folds(y, syn, parent, ids, folds=3, seed=0)
    assert len(folds) == 3
    seen = np.concatenate([va for _, va in folds])
    assert sorted(seen) == list(range(12))                    # every original validates once
    for tr, va in folds:
        assert not syn[va].any()                               # originals only in validation
        held = set(ids[va])
        assert not any(parent[j] in held for j in tr)          # no twin of a validation row
        assert {24, 25} <= set(tr)                             # parentless rows always train
        assert not set(tr) & set(va)


def test_leak_free_folds_find_the_two_parents_of_an_interpolated_row():
    """SMOTE-like rows (a point between two same-class originals, no recorded parent): with
    the features given, a row never trains in a fold that validates the original it was drawn
    from (its nearest original; the second nearest is held out with it)."""
    rng = np.random.default_rng(2)
    n = 30
    X0 = rng.standard_normal((n, 6)) * rng.uniform(0.5, 20, 6)
    y0 = np.array(["a", "b"] * (n // 2))
    pairs, rows = [], []
    for c in ("a", "b"):
        idx = np.flatnonzero(y0 == c)
        for _ in range(15):
            i, j = rng.choice(idx, 2, replace=False)
            pairs.append((i, j))
            rows.append(X0[i] + rng.uniform(0.05, 0.25) * (X0[j] - X0[i]))   # near i, toward j
    X = np.vstack([X0, rows])
    y = np.r_[y0, [y0[i] for i, _ in pairs]]
    ids = np.array([f"o{i}" for i in range(n)] + [f"s{i}" for i in range(len(pairs))])
    syn = np.r_[np.zeros(n, bool), np.ones(len(pairs), bool)]
    parent = np.array([""] * len(X))
    folds = classify.leak_free_folds(y, syn, parent, ids, folds=5, seed=1, X=X)
    for tr, va in folds:
        held = set(va)
        for t in tr[tr >= n]:
            i, j = pairs[t - n]
            assert i not in held, (t, i)       # the near end point is always its proxy parent
    # without the features the rows have no proxy and always train (the documented fallback)
    bare = classify.leak_free_folds(y, syn, parent, ids, folds=5, seed=1)
    assert all(set(range(n, len(X))) <= set(tr) for tr, _ in bare)


def test_grouped_tuning_removes_the_inner_cv_optimism_of_duplicated_rows():
    """Pure-noise labels, every row duplicated: tuning by k-fold over all rows lets a row's
    copy validate it (inner-CV AUROC far above 0.5), the grouped folds do not."""
    rng = np.random.default_rng(3)
    n = 40
    X = rng.standard_normal((n, 8))
    y = np.array(["case", "ctl"] * (n // 2))
    ids = [f"o{i}" for i in range(n)]
    tab = pd.DataFrame(np.vstack([X, X]), columns=[f"f{j}" for j in range(8)])
    tab.insert(0, "parent", [""] * n + ids)
    tab.insert(0, "synthetic", [False] * n + [True] * n)
    tab.insert(0, "group", np.r_[y, y])
    tab.insert(0, "sample_id", ids + [f"s{i}" for i in range(n)])
    tab.insert(0, "seed", 1)
    val = pd.DataFrame(rng.standard_normal((60, 8)), columns=[f"f{j}" for j in range(8)])
    val.insert(0, "group", ["case", "ctl"] * 30)
    val.insert(0, "sample_id", [f"v{i}" for i in range(60)])
    grid = {"learning_rate": [0.1], "min_samples_leaf": [1]}
    leaky = classify.auroc_scores(tab, "d", "dup", "case", validation=val, grid=grid, folds=5,
                                  tuning="augmented").iloc[0]
    fair = classify.auroc_scores(tab, "d", "dup", "case", validation=val, grid=grid, folds=5).iloc[0]
    own = classify.auroc_scores(tab, "d", "dup", "case", validation=val, grid=grid, folds=5,
                                tuning="originals").iloc[0]
    assert fair["tuning"] == "grouped" and leaky["tuning"] == "augmented"
    assert leaky["cv_auroc"] > 0.8                             # the copies validate themselves
    assert abs(fair["cv_auroc"] - 0.5) < 0.2                   # honest: there is nothing to learn
    assert abs(own["cv_auroc"] - 0.5) < 0.2                    # (the same folds at fixed params)
    assert abs(fair["auroc"] - 0.5) < 0.2 and abs(leaky["auroc"] - 0.5) < 0.2


def _paper_inputs(methods, seeds=(1,), n=(16, 8)):
    """Augment a small imbalanced subset per seed with each method, keeping every seed's fit
    (the augment job under the paper protocol); returns (full, validation, {method: (table,
    fits, spec)})."""
    from omicsaug.augment import augment_design, method_spec

    full = _full(60, 1.2, d=6, rng=3)
    val = _full(40, 1.2, d=6, rng=4)
    subsets = []
    for s in seeds:
        rng = np.random.default_rng(s)
        ids = list(rng.choice(full["sample_id"][:60], n[0], replace=False)) + \
            list(rng.choice(full["sample_id"][60:], n[1], replace=False))
        sub = full[full["sample_id"].isin(ids)].copy()
        sub.insert(0, "seed", s)
        subsets.append(sub)
    subsets = pd.concat(subsets, ignore_index=True)
    cfg = {"methods": {m: {} for m in methods}, "augmentation": {"amount": {"mode": "balance"}}}
    out = {}
    for m in methods:
        spec = method_spec(cfg, m)
        rec = {}
        table = augment_design(subsets, spec, 42, "cell", first_fit=rec, keep_fits=True)
        out[m] = (table, rec["fits"], spec)
    return full, val, out


def test_paper_protocol_fits_once_tunes_once_and_holds_the_seed(monkeypatch):
    """Under the paper protocol the iterations reuse the augment job's fits (no generator is
    fitted again), tune once per (subset, method), and refit with the tuned parameters; a
    method whose seed is held gives the same AUROC in every iteration (the paper's SD 0 for
    SMOTE and RO), one whose seed is not held varies."""
    from omicsaug.evaluation import iterations
    from omicsaug.generators.base import Generator

    full, val, fitted = _paper_inputs(["smote", "random_oversampling"])
    searches, fits = [], []
    real_tune = classify.tuned_hgb
    monkeypatch.setattr(classify, "tuned_hgb", lambda *a, **k: searches.append(1) or real_tune(*a, **k))
    real_fit = Generator.fit
    monkeypatch.setattr(Generator, "fit", lambda self, *a, **k: fits.append(1) or real_fit(self, *a, **k))
    res = {}
    for m, (table, fit, spec) in fitted.items():
        for hold in (True, False):
            res[m, hold] = iterations.auroc_iterations(
                table, fit, spec, "cell", "case", validation=val, base_seed=42, seed=7,
                iterations=6, hold=hold, grid=SMALL_GRID, folds=3)
    assert not fits and len(searches) == 4            # 2 methods x held/not: one search each
    for (m, hold), r in res.items():
        assert list(r["iteration"]) == list(range(6)) and (r["protocol"] == "paper").all()
        assert r["learning_rate"].nunique() == 1 and r["min_samples_leaf"].nunique() == 1
        assert (r["n_train"] == 32).all()               # balanced: 16 + 16
        if hold:
            assert r["auroc"].nunique() == 1, m
    assert res["smote", False]["auroc"].nunique() > 1
    # iterations are reproducible: the same call gives the same numbers
    table, fit, spec = fitted["smote"]
    again = iterations.auroc_iterations(table, fit, spec, "cell", "case", validation=val,
                                        base_seed=42, seed=7, iterations=6, grid=SMALL_GRID, folds=3)
    pd.testing.assert_frame_equal(again, res["smote", False])


def test_originals_tuning_searches_the_real_rows_once_for_every_method(monkeypatch, tmp_path):
    """tuning originals: the paper job runs one grid search per design, on the original rows
    the methods share (never a synthetic row), and every method trains with its result; a
    method's cv_auroc is its leak-free CV AUROC at those parameters (hand computation)."""
    import joblib
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    from omicsaug.evaluation import iterations

    full, val, fitted = _paper_inputs(["smote", "random_oversampling"])
    methods = list(fitted)
    searched = []
    real_tune = classify.tuned_hgb
    monkeypatch.setattr(classify, "tuned_hgb",
                        lambda X, y, **k: searched.append(len(y)) or real_tune(X, y, **k))
    kw = dict(validation=val, base_seed=42, seed=7, iterations=3, grid=SMALL_GRID, folds=3,
              tuning="originals")
    paths = []
    for m in methods:
        paths.append(tmp_path / f"{m}.fit.pkl")
        joblib.dump({"fits": fitted[m][1]}, paths[-1])
    job = iterations.auroc_paper_job([fitted[m][0] for m in methods], paths,
                                     [fitted[m][2] for m in methods], methods, "cell", "case", **kw)
    assert searched == [24]                                   # 16 + 8 original rows, once
    params = classify.tune_on_originals(fitted["smote"][0], "case", seed=7, grid=SMALL_GRID, folds=3)
    res = {m: iterations.auroc_iterations(fitted[m][0], fitted[m][1], fitted[m][2], "cell", "case",
                                          params=params, **kw) for m in methods}
    pd.testing.assert_frame_equal(job, pd.concat(list(res.values()), ignore_index=True))
    assert searched == [24, 24]                               # the call above; none per method
    for m, r in res.items():
        assert (r["tuning"] == "originals").all()
        assert set(r["learning_rate"]) == {params[1]["learning_rate"]}
        assert set(r["min_samples_leaf"]) == {params[1]["min_samples_leaf"]}
    # by hand: the augmented table's leak-free folds, HGB at the chosen parameters
    tab = fitted["smote"][0]
    one = classify.auroc_scores(tab, "cell", "smote", "case", validation=val, seed=7,
                                grid=SMALL_GRID, folds=3, tuning="originals", params=params).iloc[0]
    X = tab[["f0", "f1", "f2", "f3", "f4", "f5"]].to_numpy(float)
    y = (tab["group"] == "case").astype(int).to_numpy()
    folds = classify.leak_free_folds(y, tab["synthetic"].to_numpy(bool), tab["parent"].fillna("").to_numpy(),
                                     tab["sample_id"].to_numpy(), folds=3, seed=7 + 1, X=X)
    hp = {k: params[1][k] for k in ("learning_rate", "min_samples_leaf")}
    aucs = [roc_auc_score(y[va], HistGradientBoostingClassifier(random_state=8, **hp)
                          .fit(X[tr], y[tr]).predict_proba(X[va])[:, 1]) for tr, va in folds]
    assert one["cv_auroc"] == pytest.approx(np.mean(aucs), abs=1e-12)
    model = HistGradientBoostingClassifier(random_state=8, **hp).fit(X, y)
    yv = (val["group"] == "case").astype(int)
    assert one["auroc"] == pytest.approx(roc_auc_score(yv, model.predict_proba(val[[f"f{j}" for j in range(6)]]
                                                                               .to_numpy(float))[:, 1]))
    with pytest.raises(ValueError, match="same original rows"):
        classify.shared_originals([tab, tab[tab["sample_id"] != tab["sample_id"].iloc[0]]])


def test_expand_sweep_samples_each_multiplier_from_one_fit():
    """The ExpandGAN sweep: one row set per multiplier, each table grown to
    n_largest * (1 + multiplier) per class, from the same fitted generator."""
    from omicsaug.evaluation import iterations

    full, val, fitted = _paper_inputs(["gmm"])
    table, fit, spec = fitted["gmm"]
    spec = {**spec, "amount": {"mode": "expand", "multiplier": 1.0}}
    r = iterations.auroc_iterations(table, fit, spec, "cell", "case", validation=val, base_seed=1,
                                    iterations=2, multipliers=[0.25, 1.0], grid=SMALL_GRID, folds=3)
    assert sorted(r["method"].unique()) == ["gmm_x0.25", "gmm_x1"]
    assert set(r.loc[r["method"] == "gmm_x0.25", "n_train"]) == {2 * 20}   # 16 * 1.25 per class
    assert set(r.loc[r["method"] == "gmm_x1", "n_train"]) == {2 * 32}


def test_paper_job_spreads_units_over_workers_with_the_serial_numbers(tmp_path):
    """The AUROC job of protocol paper runs one unit per (method, multiplier) in worker
    processes: the table equals the methods run one after the other in one process (rows
    in method order, the sweep's multipliers in their order), for 1 or 2 workers."""
    import joblib

    from omicsaug.evaluation import iterations

    full, val, fitted = _paper_inputs(["smote", "gmm"])
    methods = ["smote", "gmm"]
    specs = [fitted["smote"][2], {**fitted["gmm"][2], "amount": {"mode": "expand", "multiplier": 1.0}}]
    paths = []
    for m in methods:
        paths.append(tmp_path / f"{m}.fit.pkl")
        joblib.dump({"fits": fitted[m][1]}, paths[-1])
    kw = dict(validation=val, base_seed=42, seed=7, iterations=3, grid=SMALL_GRID, folds=3)
    serial = pd.concat([iterations.auroc_iterations(fitted[m][0], fitted[m][1], sp, "cell", "case",
                                                    hold=m == "smote", multipliers=[0.5, 1.0], **kw)
                        for m, sp in zip(methods, specs)], ignore_index=True)
    assert list(serial["method"].unique()) == ["smote", "gmm_x0.5", "gmm_x1"]
    lines = []

    class Log:
        def info(self, msg, *a):
            lines.append(msg % a)

    for n_jobs in (1, 2):
        job = iterations.auroc_paper_job([fitted[m][0] for m in methods], paths, specs, methods,
                                         "cell", "case", hold_seed=["smote"], multipliers=[0.5, 1.0],
                                         n_jobs=n_jobs, log=Log(), **kw)
        pd.testing.assert_frame_equal(job, serial)
    assert sum("gmm_x0.5 seed" in x for x in lines) == 2   # the workers' log lines reach the job log


def test_paired_comparison_over_iterations_matches_a_hand_computation():
    """Iterations of one draw pair by (repeat, iteration); the interval is the t interval of
    the paired differences, and the table says it covers generator randomness only."""
    a = np.array([0.71, 0.74, 0.69, 0.73, 0.72])
    b = np.array([0.70, 0.71, 0.70, 0.70, 0.69])
    df = pd.concat([pd.DataFrame({"design": "c", "method": m, "repeat": 1, "iteration": range(5),
                                  "auroc": v}) for m, v in (("gan", a), ("none", b))])
    row = classify.compare_methods(df).iloc[0]
    diff = a - b
    half = sps.t.ppf(0.975, 4) * diff.std(ddof=1) / np.sqrt(5)
    assert row["mean_difference"] == pytest.approx(diff.mean())
    assert row["ci_low"] == pytest.approx(diff.mean() - half)
    assert row["ci_high"] == pytest.approx(diff.mean() + half)
    assert row["p"] == pytest.approx(sps.ttest_rel(a, b).pvalue) and row["n_pairs"] == 5
    assert "generator and classifier randomness" in row["interval"]


def test_best_of_picks_by_validation_and_by_inner_cv():
    """The paper's alpha-pair choice (best validation AUROC, optimistic) and the unbiased one
    (best inner-CV AUROC) can pick different variants; both are labelled."""
    df = pd.DataFrame({"design": "c", "method": ["a00", "a00", "a10", "a10"], "repeat": 1,
                       "iteration": [0, 1, 0, 1], "auroc": [0.70, 0.72, 0.75, 0.73],
                       "cv_auroc": [0.90, 0.90, 0.80, 0.80]})
    out = classify.best_of(df, {"gan": ["a00", "a10"]})
    pick = out.groupby("method")["chosen"].first()
    assert pick["gan_best_optimistic"] == "a10" and pick["gan_best_innercv"] == "a00"
    assert len(out) == 4
