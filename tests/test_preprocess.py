"""Filtering, log transform and missForest imputation on data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from omicsaug import preprocess as pp
from omicsaug.errors import InputError

nan = np.nan


def _table(features: dict) -> pd.DataFrame:
    n = len(next(iter(features.values())))
    df = pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)],
                       "group": (["a", "b"] * n)[:n]})
    return pd.concat([df, pd.DataFrame(features)], axis=1)


# ------------------------------------------------------------------------- filtering
def test_filter_missing_drops_exactly_the_features_above_threshold():
    df = _table({
        "f0": [1, 2, 3, 4, 5, 6, 7, 8],                        # 0/8 missing
        "f25": [1, nan, 3, 4, nan, 6, 7, 8],                    # 0.25
        "f50": [nan, 2, nan, 4, nan, 6, nan, 8],                # 0.5 (kept: <= max_missing)
        "f62": [nan, nan, nan, 4, nan, 6, nan, 8],              # 0.625
        "fall": [nan] * 8,                                      # 1.0
    })
    out, report = pp.filter_missing(df, 0.5)
    assert list(out.columns) == ["sample_id", "group", "f0", "f25", "f50"]
    assert report["missing_fraction"].tolist() == [0.0, 0.25, 0.5, 0.625, 1.0]
    assert report["kept_missing_filter"].tolist() == [True, True, True, False, False]
    assert list(pp.filter_missing(df, 0.25)[0].columns[2:]) == ["f0", "f25"]
    assert list(pp.filter_missing(df, 0.0)[0].columns[2:]) == ["f0"]
    assert list(pp.filter_missing(df, 1.0)[0].columns[2:]) == ["f0", "f25", "f50", "f62", "fall"]


def test_top_k_variance_keeps_largest_in_file_order():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((30, 5))
    z = (z - z.mean(0)) / z.std(0, ddof=1)                       # unit variance exactly
    sds = {"w": 7.0, "x": 1.0, "y": 10.0, "z": 3.0, "v": 5.0}   # variances 49, 1, 100, 9, 25
    df = _table({k: z[:, i] * s for i, (k, s) in enumerate(sds.items())})
    df.loc[3, "x"] = nan                                         # NaN ignored in variances
    out, var = pp.top_k_variance(df, 2)
    assert list(out.columns) == ["sample_id", "group", "w", "y"]           # not y, w
    assert list(pp.top_k_variance(df, 3)[0].columns[2:]) == ["w", "y", "v"]
    assert var["y"] == pytest.approx(100.0) and var["w"] == pytest.approx(49.0)
    assert pp.top_k_variance(df, None)[0] is df
    assert list(pp.top_k_variance(df, 99)[0].columns) == list(df.columns)


def test_log_transform_values():
    df = _table({"a": [1.0, 10.0, 100.0, nan], "b": [0.5, 2.0, 8.0, 1024.0]})
    l10 = pp.log_transform(df, "log10")
    assert l10["a"].iloc[:3].tolist() == [0.0, 1.0, 2.0] and np.isnan(l10["a"].iloc[3])
    l2 = pp.log_transform(df, "log2")
    assert l2["b"].tolist() == [-1.0, 1.0, 3.0, 10.0]
    assert pp.log_transform(df, "none").equals(df)
    off = pp.log_transform(df, "log10", offset=9.0)
    assert off["a"].iloc[0] == pytest.approx(1.0)
    assert df["a"].iloc[1] == 10.0                               # input not modified
    with pytest.raises(InputError, match="transform"):
        pp.log_transform(df, "ln")


def test_preprocess_report():
    df = _table({"keep": [1.0, 10, 100, 1000], "gone": [nan, nan, nan, 5.0],
                 "small": [2.0, 2.1, 2.2, 2.3]})
    out, report = pp.preprocess(df, transform="log10", max_missing=0.5, top_k=1)
    assert list(out.columns) == ["sample_id", "group", "keep"]
    assert out["keep"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert report.set_index("feature")["kept"].to_dict() == {"keep": True, "gone": False,
                                                             "small": False}
    assert np.isnan(report.set_index("feature").loc["gone", "variance"])


# ------------------------------------------------------------------------ imputation
@pytest.fixture(scope="module")
def correlated():
    """x2 = 2 * x1 + small noise, x3 = -x1 + noise; 12 cells of x2 masked."""
    rng = np.random.default_rng(0)
    n = 60
    x1 = rng.normal(0, 1, n)
    X = np.column_stack([x1, 2 * x1 + rng.normal(0, 0.1, n), -x1 + rng.normal(0, 0.2, n)])
    rows = np.sort(rng.choice(n, 12, replace=False))
    Xm = X.copy()
    Xm[rows, 1] = np.nan
    return X, Xm, rows


def test_missforest_recovers_correlated_feature(correlated):
    X, Xm, rows = correlated
    Xi = pp.MissForest(n_estimators=20, max_iter=3, random_state=0).fit_transform(Xm)
    err_rf = pp.nrmse(X[rows, 1], Xi[rows, 1])
    err_mean = pp.nrmse(X[rows, 1], SimpleImputer().fit_transform(Xm)[rows, 1])
    assert err_rf < 0.5
    assert err_rf < err_mean / 2
    assert err_mean > 0.8                       # the mean knows nothing about the row
    observed = ~np.isnan(Xm)
    assert np.array_equal(Xi[observed], Xm[observed])          # observed cells untouched
    assert not np.isnan(Xi).any()


def test_missforest_is_deterministic(correlated):
    _, Xm, _ = correlated
    a = pp.MissForest(n_estimators=15, max_iter=2, random_state=7).fit_transform(Xm)
    b = pp.MissForest(n_estimators=15, max_iter=2, random_state=7).fit_transform(Xm)
    c = pp.MissForest(n_estimators=15, max_iter=2, random_state=8).fit_transform(Xm)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_missforest_refuses_empty_feature_and_passes_complete_data(correlated):
    X, Xm, _ = correlated
    bad = Xm.copy()
    bad[:, 2] = np.nan
    with pytest.raises(ValueError, match="no observed value"):
        pp.MissForest(n_estimators=10, max_iter=2).fit_transform(bad)
    out = pp.MissForest(n_estimators=10, max_iter=2).fit_transform(X)
    assert np.array_equal(out, X) and out is not X


def test_impute_table_keeps_meta_and_shapes(correlated):
    _, Xm, _ = correlated
    df = pd.DataFrame(Xm, columns=["x1", "x2", "x3"])
    df.insert(0, "group", ["a", "b"] * 30)
    df.insert(0, "sample_id", [f"s{i}" for i in range(60)])
    out = pp.impute_table(df, pp.MissForest(n_estimators=10, max_iter=2, random_state=0))
    assert list(out.columns) == list(df.columns)
    assert out["sample_id"].equals(df["sample_id"]) and out["group"].equals(df["group"])
    assert out[["x1", "x2", "x3"]].notna().all().all()
    assert df["x2"].isna().sum() == 12                          # input not modified


def test_imputation_quality_scores_both_methods(correlated):
    X, _, _ = correlated
    factory = lambda: pp.MissForest(n_estimators=10, max_iter=2, random_state=0)  # noqa: E731
    q, cells = pp.imputation_quality(X, factory, fraction=0.1, repeats=2, rng=1)
    assert q.shape == (4, 4)
    assert sorted(q["method"].unique()) == ["column mean", "missForest"]
    assert q["repeat"].tolist() == [0, 0, 1, 1]
    assert (q["n_masked"] == 18).all()                          # round(0.1 * 180)
    means = q.groupby("method")["nrmse"].mean()
    assert means["missForest"] < 0.5 < means["column mean"]
    assert cells.groupby("method").size().to_dict() == {"column mean": 18, "missForest": 18}
    assert set(cells.columns) == {"method", "feature_index", "true", "imputed"}
    # same masks for both methods, scored on the same standardised truth
    mf, cm = (cells[cells.method == m].reset_index(drop=True) for m in ("missForest", "column mean"))
    assert np.array_equal(mf["true"], cm["true"])
    q2, _ = pp.imputation_quality(X, factory, fraction=0.1, repeats=2, rng=1)
    pd.testing.assert_frame_equal(q, q2)


def test_nrmse_known_values():
    assert pp.nrmse([1, 2, 3], [1, 2, 3]) == 0.0
    t = np.array([1.0, 2.0, 3.0])
    assert pp.nrmse(t, np.full(3, t.mean())) == pytest.approx(1.0)


def test_imputer_factory_seeds_by_key():
    f = pp.imputer_factory({"method": "missforest", "n_estimators": 12, "max_iter": 2}, 42)
    a, b, c = f("full"), f("full"), f(3)
    assert (a.n_estimators, a.max_iter) == (12, 2)
    assert a.random_state == b.random_state != c.random_state
    assert isinstance(pp.imputer_factory({"method": "mean"}, 42)(), SimpleImputer)
    with pytest.raises(InputError) as ei:
        pp.imputer_factory({"method": "knn"}, 42)()
    assert ei.value.key == "impute.method"


def test_run_stage_outputs():
    from omicsaug import simulate

    table, _ = simulate.simulate_lipidomics(seed=5)
    spec = {"transform": "log10", "filter": {"max_missing": 0.5, "top_k_variance": None},
            "impute": {"method": "missforest", "n_estimators": 10, "max_iter": 2,
                       "quality_fraction": 0.05, "quality_repeats": 1}}
    out = pp.run(table, spec, base_seed=42)
    assert set(out) == {"transformed", "imputed", "features", "quality", "cells"}
    tr, im = out["transformed"], out["imputed"]
    feats = tr.columns[2:]
    assert tr[feats].isna().sum().sum() == table[feats].isna().sum().sum() > 0
    assert im[feats].notna().all().all()
    obs = tr[feats].notna().to_numpy()
    np.testing.assert_array_equal(im[feats].to_numpy()[obs], tr[feats].to_numpy()[obs])
    np.testing.assert_allclose(tr[feats].to_numpy()[obs],
                               np.log10(table[feats].to_numpy()[obs]))
    assert sorted(out["quality"]["method"]) == ["column mean", "missForest"]
    assert set(out["cells"]["feature"]) <= set(feats)
    spec_none = {**spec, "impute": {**spec["impute"], "method": "none"}}
    with pytest.raises(InputError) as ei:
        pp.run(table, spec_none, base_seed=42, file="x.tsv")
    assert ei.value.key == "impute.method" and "x.tsv" in str(ei.value)


def test_impute_none_is_reported_as_none():
    """A complete table with impute.method none: the quality table names what ran."""
    from omicsaug import config as oc
    from omicsaug import preprocess as pp

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.lognormal(1, 0.3, (12, 4)), columns=list("abcd"))
    df.insert(0, "group", ["x"] * 6 + ["y"] * 6)
    df.insert(0, "sample_id", [f"s{i}" for i in range(12)])
    settings = oc.with_defaults({"defaults": {"impute": {"method": "none", "quality_repeats": 1}}})
    out = pp.run(df, {**settings["defaults"], "name": "t", "transform": "log10"}, 1)
    assert sorted(out["quality"]["method"].unique()) == ["column mean", "none (check: column mean)"]
