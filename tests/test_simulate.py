"""Embedded simulators: shapes, ground truth, missingness, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omicsaug import simulate


@pytest.fixture(scope="module")
def lipid():
    return simulate.simulate_lipidomics(seed=1)


@pytest.fixture(scope="module")
def micro():
    return simulate.simulate_microarray(seed=1)


def test_lipidomics_shape_groups_blocks(lipid):
    table, truth = lipid
    assert table.shape == (26, 62 + 2)
    assert list(table.columns[:2]) == ["sample_id", "group"]
    assert table["group"].value_counts().to_dict() == {"control": 10, "disease": 8, "treated": 8}
    assert table["sample_id"].is_unique
    feats = table.columns[2:]
    prefixes = pd.Series([f.split("_")[0] for f in feats]).value_counts().to_dict()
    assert prefixes == {"PL": 24, "CEREB": 18, "PFC": 13, "HPC": 7}
    assert truth["feature"].tolist() == list(feats)
    assert (table[feats].dropna().to_numpy() > 0).all()          # concentrations


def test_lipidomics_missingness(lipid):
    table, _ = lipid
    X = table.iloc[:, 2:]
    rate = X.isna().to_numpy().mean()
    assert 0.03 <= rate <= 0.07
    assert (X.notna().sum() >= 2).all()                           # never a whole feature


def test_lipidomics_truth(lipid):
    table, truth = lipid
    assert int(truth["true_effect"].sum()) == 10                  # 16 % of 62
    assert (truth.loc[~truth.true_effect, "effect_size"] == 0).all()
    assert (truth["effect_size"] == truth["effect_size_d"]).all()
    d = truth.loc[truth.true_effect, "effect_size"].abs()
    assert d.nunique() == 10 and d.min() > 0                      # varied sizes, none zero
    assert {"shift_log10_disease", "shift_log10_treated"} <= set(truth.columns)
    np.testing.assert_allclose(truth["shift_log10_treated"], 0.5 * truth["shift_log10_disease"])
    # the simulated effects are visible in the data: the largest true effect separates groups
    # (among lipids observed in both groups: a large drop can put a group below the limit)
    seen = table.groupby("group")[list(truth.feature)].count().min() >= 3
    t = truth[seen.to_numpy()]
    top = t.loc[t["effect_size"].abs().idxmax(), "feature"]
    logx = np.log10(table[top])
    diff = logx[table.group == "disease"].mean() - logx[table.group == "control"].mean()
    shift = truth.set_index("feature").loc[top, "shift_log10_disease"]
    assert np.sign(diff) == np.sign(shift) and abs(diff) > 0.5 * abs(shift)


def test_effect_sizes_are_heavy_tailed_and_signed():
    rng = np.random.default_rng(0)
    d = simulate.effect_sizes(rng, 20000)                          # log-normal, median 1
    assert abs(np.median(np.abs(d)) - 1.0) < 0.03
    assert 0.45 < (d > 0).mean() < 0.55
    assert np.quantile(np.abs(d), 0.99) > 2.5 * np.median(np.abs(d))   # a long right tail
    assert (simulate.effect_sizes(rng, 5, {"distribution": "fixed", "value": 2}) ** 2 == 4).all()
    with pytest.raises(ValueError):
        simulate.effect_sizes(rng, 3, {"distribution": "cauchy"})


def test_lipidomics_large_draw_correlation_tails_and_detection_limit():
    """On a large draw: correlation lives inside the tissue blocks, features have heavy
    tails, and missingness follows abundance (a detection limit)."""
    from scipy import stats as ss

    tab, truth = simulate.simulate_lipidomics(n_per_group=(400, 400, 400), n_effects=0, seed=3)
    L = np.log10(tab.iloc[:, 2:])
    C = L.corr().to_numpy()
    b = truth["block"].to_numpy()
    same, off = b[:, None] == b[None, :], ~np.eye(len(b), dtype=bool)
    assert 0.18 < np.abs(C[same & off]).mean() < 0.4
    assert np.abs(C[~same]).mean() < 0.06
    assert L.apply(lambda c: ss.kurtosis(c.dropna())).median() > 0.5        # heavier than normal
    miss = L.isna().mean()
    assert ss.spearmanr(miss, L.mean()).statistic < -0.3


def test_detection_limit_hides_the_lowest_values():
    """Without cells missing at random, a lipid's missing values all lie below its observed
    ones (the same draw without missingness gives the hidden values)."""
    full, _ = simulate.simulate_lipidomics(seed=4, missing_rate=0.0)
    lod, _ = simulate.simulate_lipidomics(seed=4, random_missing=0.0)
    X, M = full.iloc[:, 2:].to_numpy(), lod.iloc[:, 2:].isna().to_numpy()
    assert 0.04 < M.mean() < 0.06
    np.testing.assert_array_equal(X[~M], lod.iloc[:, 2:].to_numpy()[~M])
    cols = [j for j in range(M.shape[1]) if M[:, j].any()]
    assert cols and all(X[M[:, j], j].max() < X[~M[:, j], j].min() for j in cols)


def test_lipidomics_deterministic_by_seed(lipid):
    t1, tr1 = lipid
    t2, tr2 = simulate.simulate_lipidomics(seed=1)
    pd.testing.assert_frame_equal(t1, t2)
    pd.testing.assert_frame_equal(tr1, tr2)
    t3, _ = simulate.simulate_lipidomics(seed=2)
    assert not t1.iloc[:, 2:].equals(t3.iloc[:, 2:])


def test_lipidomics_parameters():
    table, truth = simulate.simulate_lipidomics(n_per_group=(5, 4), n_effects=3, seed=0,
                                                missing_rate=0.0)
    assert table["group"].value_counts().to_dict() == {"control": 5, "disease": 4}
    assert int(truth["true_effect"].sum()) == 3
    assert table.iloc[:, 2:].notna().all().all()
    with pytest.raises(ValueError):
        simulate.simulate_lipidomics(n_effects=63)


def test_microarray_shapes(micro):
    real, val, ext, truth = micro["real"], micro["validation"], micro["external"], micro["truth"]
    assert real.shape == (400, 152) and val.shape == (700, 152)
    assert ext.shape == (300, 151)
    assert "group" not in ext.columns and ext.columns[0] == "sample_id"
    assert real["group"].value_counts().to_dict() == {"control": 200, "case": 200}
    assert val["group"].value_counts().to_dict() == {"control": 350, "case": 350}
    assert list(real.columns[2:]) == list(val.columns[2:]) == list(ext.columns[1:])
    assert len(truth) == 150 and int(truth["true_effect"].sum()) == 9    # 6 % hits
    assert not real.iloc[:, 2:].isna().any().any()
    ids = pd.concat([real.sample_id, val.sample_id, ext.sample_id])
    assert ids.is_unique


def test_microarray_hits_shift_the_case_cluster():
    big = simulate.simulate_microarray(seed=1, n_real=(3000, 3000), n_validation=(2, 2), n_external=2)
    real, truth = big["real"], big["truth"]
    g = real.groupby("group")[list(truth.feature)].mean()
    diff = (g.loc["case"] - g.loc["control"]).to_numpy()
    hits = truth["true_effect"].to_numpy()
    assert np.corrcoef(diff[hits], truth["shift_log2"][hits])[0, 1] > 0.9
    assert np.abs(diff[~hits]).mean() < np.abs(diff[hits]).mean() / 2


def test_microarray_oracle_auroc_in_the_papers_range_and_correct():
    """The defaults put the oracle AUROC in the paper's 0.70-0.85 range, and the oracle is
    what a linear discriminant fitted on a very large sample reaches on fresh data."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.metrics import roc_auc_score

    small = dict(n_real=(2, 2), n_validation=(2, 2), n_external=2)
    oracles = [simulate.simulate_microarray(seed=s, **small)["oracle_auroc"] for s in range(5)]
    assert 0.70 <= np.mean(oracles) <= 0.85
    big = simulate.simulate_microarray(seed=0, n_real=(5000, 5000), n_validation=(2000, 2000),
                                       n_external=2)
    lda = LinearDiscriminantAnalysis().fit(big["real"].iloc[:, 2:], big["real"]["group"] == "case")
    auc = roc_auc_score(big["validation"]["group"] == "case",
                        lda.decision_function(big["validation"].iloc[:, 2:]))
    assert abs(auc - big["oracle_auroc"]) < 0.02


def test_microarray_blocks_and_outliers():
    clean = simulate.simulate_microarray(seed=2, n_real=(1500, 2), n_validation=(2, 2), n_external=2,
                                         outlier_fraction=0.0)
    X = clean["real"].query("group == 'control'").iloc[:, 2:]
    C = X.corr().to_numpy()
    b = clean["truth"]["block"].to_numpy()
    same, off = b[:, None] == b[None, :], ~np.eye(len(b), dtype=bool)
    assert np.abs(C[same & off]).mean() > 0.12                  # factor-driven gene blocks
    assert np.abs(C[~same]).mean() < 0.03                       # sampling noise only
    # outlier arrays: a few samples far from the rest on every gene
    out = simulate.simulate_microarray(seed=2, n_real=(600, 600), n_validation=(2, 2), n_external=2,
                                       outlier_fraction=0.05, outlier_scale=4.0)
    X = out["real"].iloc[:, 2:]
    z = ((X - X.median()) / (X.quantile(0.75) - X.quantile(0.25))).abs().mean(axis=1)
    assert 0.02 < (z > 2 * z.median()).mean() < 0.09


def test_microarray_deterministic_and_run_dispatch(micro):
    again = simulate.run("simulate_microarray", {}, seed=1)
    pd.testing.assert_frame_equal(again["table"], micro["real"])
    pd.testing.assert_frame_equal(again["external"], micro["external"])
    pd.testing.assert_frame_equal(again["validation"], micro["validation"])
    lip = simulate.run("simulate_lipidomics", {"n_per_group": [10, 8, 8]}, seed=1)
    assert set(lip) == {"table", "truth"}
    assert again["oracle"]["value"].iloc[0] == pytest.approx(micro["oracle_auroc"])
    with pytest.raises(ValueError):
        simulate.run("simulate_proteomics", {}, seed=1)
    other = simulate.simulate_microarray(seed=2, n_features=40, n_real=(20, 30),
                                         n_validation=(5, 5), n_external=10)
    assert other["real"].shape == (50, 42) and other["external"].shape == (10, 41)
