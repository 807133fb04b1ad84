"""Reference statistics against independent implementations (scipy, statsmodels); the
failure point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import f_oneway
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.oneway import anova_oneway

from omicsaug.errors import InputError
from omicsaug.evaluation import reference


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    y = np.array(["c"] * 10 + ["d"] * 8 + ["t"] * 7)
    X = rng.normal(0, 1, (25, 40)) * rng.uniform(0.5, 3, 40)
    X[y == "d", :10] += 1.5                                  # some real effects
    X[y == "t", 5:12] *= 3                                   # unequal variances
    return X, y


def test_fisher_anova_equals_scipy(data):
    X, y = data
    F, p = reference.anova(X, y)
    ref = f_oneway(*(X[y == g] for g in ("c", "d", "t")), axis=0)
    np.testing.assert_allclose(F, ref.statistic, rtol=1e-10)
    np.testing.assert_allclose(p, ref.pvalue, rtol=1e-8, atol=1e-300)
    assert (p[:10] < 0.05).sum() >= 5                        # the effects are found


def test_welch_anova_equals_statsmodels(data):
    X, y = data
    F, p = reference.anova(X, y, welch=True)
    for j in range(X.shape[1]):
        r = anova_oneway([X[y == g, j] for g in ("c", "d", "t")], use_var="unequal",
                         welch_correction=True)
        assert F[j] == pytest.approx(r.statistic, rel=1e-9)
        assert p[j] == pytest.approx(r.pvalue, rel=1e-7)
    # Welch differs from Fisher where variances differ
    assert not np.allclose(F, reference.anova(X, y)[0])


def test_welch_two_groups_equals_welch_t_squared():
    from scipy.stats import ttest_ind

    rng = np.random.default_rng(2)
    X = rng.normal(0, 1, (15, 3))
    X[:6] *= 4
    y = np.array(["a"] * 6 + ["b"] * 9)
    F, p = reference.anova(X, y, welch=True)
    t = ttest_ind(X[y == "a"], X[y == "b"], equal_var=False, axis=0)
    np.testing.assert_allclose(F, t.statistic ** 2, rtol=1e-10)
    np.testing.assert_allclose(p, t.pvalue, rtol=1e-8)


def test_anova_degenerate_features():
    y = np.array(["a", "a", "b", "b"])
    X = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 5.0], [1.0, 5.0]])   # constant / separated
    F, p = reference.anova(X, y)
    assert np.isnan(F[0]) and p[0] == 1.0
    assert np.isposinf(F[1]) and p[1] == 0.0
    with pytest.raises(ValueError):
        reference.anova(X, np.array(["a"] * 4))


def test_adjust_sidak_and_bh():
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 57)])
    m = len(p)
    np.testing.assert_allclose(reference.adjust(p, "sidak"), 1 - (1 - p) ** m, rtol=1e-10)
    np.testing.assert_allclose(reference.adjust(p, "bh"), multipletests(p, method="fdr_bh")[1])
    # BH by hand: p_(i) * m / i, cumulative minimum from the top, capped at 1
    order = np.argsort(p)
    bh = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    hand = np.empty(m)
    hand[order] = np.minimum(bh, 1)
    np.testing.assert_allclose(reference.adjust(p, "bh"), hand, rtol=1e-12)
    assert reference.adjust([0.01, 0.04], "sidak")[0] == pytest.approx(1 - 0.99 ** 2)


def test_univariate_table(data):
    X, y = data
    feats = [f"f{i}" for i in range(X.shape[1])]
    u = reference.univariate(X, y, feats, alpha=0.05)
    assert list(u.columns[:5]) == ["feature", "F", "p", "p_sidak", "p_bh"]
    assert {"significant_raw", "significant_sidak", "significant_bh", "eta_squared",
            "mean_c", "mean_d", "mean_t"} <= set(u.columns)
    assert u["feature"].tolist() == feats
    np.testing.assert_allclose(u["p_sidak"], 1 - (1 - u["p"]) ** 40, rtol=1e-10)
    assert (u["significant_raw"] == (u["p"] < 0.05)).all()
    assert (u["significant_sidak"] == (u["p_sidak"] < 0.05)).all()
    assert u["significant_sidak"].sum() <= u["significant_bh"].sum() <= u["significant_raw"].sum()
    np.testing.assert_allclose(u["mean_d"], X[y == "d"].mean(0))
    # eta squared = SSB / SST, and F = (eta2 / (k-1)) / ((1 - eta2) / (N-k))
    e = u["eta_squared"].to_numpy()
    np.testing.assert_allclose(u["F"], (e / 2) / ((1 - e) / 22), rtol=1e-9)
    assert reference.count_significant(X, y, correction="none") == u["significant_raw"].sum()
    assert reference.count_significant(X, y) == u["significant_sidak"].sum()
    assert reference.count_significant(X, y, correction="bh") == u["significant_bh"].sum()


def test_cross_validated_accuracy():
    rng = np.random.default_rng(4)
    y = np.array(["a"] * 12 + ["b"] * 12)
    X = rng.normal(0, 1, (24, 5))
    X[y == "b", 0] += 6                                      # perfectly separable
    cv = reference.cross_validated_accuracy(X, y, models=("knn", "svm"), folds=4, repeats=2, seed=3)
    assert len(cv) == 2 * 4 * 2
    assert set(cv["model"]) == {"knn", "svm"}
    assert cv.groupby("model")["balanced_accuracy"].mean().min() > 0.9
    cv2 = reference.cross_validated_accuracy(X, y, models=("knn", "svm"), folds=4, repeats=2, seed=3)
    pd.testing.assert_frame_equal(cv, cv2)
    # folds are clipped to the smallest class (3 samples of 'b')
    small = reference.cross_validated_accuracy(X[:15], y[:15], models=("knn",), folds=5, repeats=1)
    assert small["fold"].nunique() == 3
    with pytest.raises(ValueError):
        reference.make_classifier("lda")


def test_failure_point_with_and_without_effect():
    rng = np.random.default_rng(8)
    y = np.array(["a"] * 10 + ["b"] * 10)
    X = rng.normal(0, 1, (20, 6))
    Xeff = X.copy()
    Xeff[y == "b", 2] += 50.0                                  # a huge effect in one feature
    draws, summ, n_min = reference.failure_point(Xeff, y, [3, 4, 5, 12], seeds=range(1, 6), base_seed=1)
    assert n_min == 3
    assert summ["n_per_group"].tolist() == [3, 4, 5]           # 12 > smallest group: dropped
    assert len(draws) == 3 * 5 and (draws["n_significant"] >= 1).all()
    assert (summ["fraction_with_any"] == 1.0).all()

    draws0, summ0, n_min0 = reference.failure_point(X, y, [3, 4, 5], seeds=range(1, 6), base_seed=1)
    assert n_min0 is None
    assert (summ0["fraction_with_any"] < 0.5).all()
    with pytest.raises(InputError) as ei:
        reference.failure_point(X, y, [11, 12], seeds=[1])
    assert ei.value.key == "failure_point.n_per_group"


def test_failure_point_needs_every_larger_n(monkeypatch):
    """n_min is the smallest n from which on every larger n keeps hits in >= half the draws."""
    y = np.array(["a"] * 8 + ["b"] * 8)
    X = np.zeros((16, 2))

    def scripted(hits_by_n):
        def count(Xs, ys, *args, **kw):
            return hits_by_n[len(ys) // 2]
        return count

    monkeypatch.setattr(reference, "count_significant", scripted({3: 1, 4: 0, 5: 2, 6: 3}))
    draws, summ, n_min = reference.failure_point(X, y, [3, 4, 5, 6], seeds=[1, 2])
    assert n_min == 5
    assert draws.groupby("n_per_group")["n_significant"].first().to_dict() == {3: 1, 4: 0, 5: 2,
                                                                               6: 3}
    assert summ["fraction_with_any"].tolist() == [1.0, 0.0, 1.0, 1.0]
    monkeypatch.setattr(reference, "count_significant", scripted({3: 1, 4: 1, 5: 1, 6: 0}))
    assert reference.failure_point(X, y, [3, 4, 5, 6], seeds=[1, 2])[2] is None
