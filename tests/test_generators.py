"""Augmentation generators: the common interface, known answers on constructed data."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.base import clone

from omicsaug.generators import REGISTRY, get_generator
from omicsaug.generators.ctgan_wrapper import valid_batch

METHODS = ["none", "gmm", "gmm_independent", "ctgan", "smote", "random_oversampling", "genesom",
           "wgan", "wgan_classic", "duplicate", "tvae", "gaussian_copula"]
# CTGAN shrunk for speed: the tests check the plumbing, not the quality of a 2-epoch GAN
FAST = {"ctgan": {"epochs": 2, "generator_dim": (32,), "discriminator_dim": (32,),
                  "embedding_dim": 16},
        "tvae": {"epochs": 2, "compress_dims": (16,), "decompress_dims": (16,), "embedding_dim": 8},
        "genesom": {"lines": 8, "columns": 10, "epochs": 2},
        "wgan": {"pretrain": "pooled", "pretrain_epochs": (2, 2, 2), "lr1_epochs": 3,
                 "lr2_epochs": 10, "snapshot_every": 5},
        "wgan_classic": {"lr1_epochs": 3, "lr2_epochs": 10, "snapshot_every": 5}}
CLASSES = np.array(["a", "b", "c"])


def make(method, random_state=0, **params):
    return get_generator(method, random_state=random_state, **{**FAST.get(method, {}), **params})


@pytest.fixture(scope="module")
def small():
    """The EAE-like worst case: 3 classes x 6 rows, 10 features; class means 0, 4, 8 sd."""
    rng = np.random.default_rng(5)
    y = np.repeat(CLASSES, 6)
    X = rng.normal(0, 1, (18, 10)) + 4.0 * np.repeat([0, 1, 2], 6)[:, None]
    X = X * rng.uniform(0.5, 5, 10) + rng.uniform(-3, 10, 10)   # features on unequal scales
    return X, y


def test_every_registered_method_is_in_the_contract_tests():
    assert set(METHODS) == set(REGISTRY)


def test_duplicate_copies_every_row_equally():
    X = np.arange(12.0).reshape(6, 2)
    y = np.repeat(["a", "b"], 3)
    g = get_generator("duplicate", random_state=0).fit(X, y)
    Xn, yn, par = g.sample({"a": 6, "b": 4}, return_parents=True)
    np.testing.assert_array_equal(Xn, X[par])                  # exact copies of the parents
    assert sorted(par[yn == "a"].tolist()) == [0, 0, 1, 1, 2, 2]  # k = 2 copies each
    b = par[yn == "b"]
    assert set(b.tolist()) == {3, 4, 5} and len(b) == 4         # 1 each + 1 distinct extra


# ------------------------------------------------------------------------------- the interface
@pytest.mark.parametrize("method", METHODS)
def test_sample_shapes_labels_seed_and_parents(method, small):
    X, y = small
    X0 = X.copy()
    want = {"a": 2, "b": 5, "c": 3}
    g = make(method, random_state=7).fit(X, y)
    assert g.n_features_in_ == 10 and g.classes_.tolist() == ["a", "b", "c"]
    Xn, yn, par = g.sample(want, return_parents=True)
    np.testing.assert_array_equal(X, X0)                         # input left untouched

    if method == "none":
        assert Xn.shape == (0, 10) and len(yn) == 0 and len(par) == 0
    else:
        assert Xn.shape == (10, 10) and np.isfinite(Xn).all()
        labels, counts = np.unique(yn, return_counts=True)
        assert dict(zip(labels.tolist(), counts.tolist())) == want
        assert par.shape == (10,) and par.dtype.kind == "i"

    # same seed: identical rows, labels and parents; another seed: different rows
    Xb, yb, pb = make(method, random_state=7).fit(X, y).sample(want, return_parents=True)
    np.testing.assert_array_equal(Xn, Xb)
    np.testing.assert_array_equal(yn, yb)
    np.testing.assert_array_equal(par, pb)
    if method != "none":
        Xc, yc = make(method, random_state=8).fit(X, y).sample(want)
        assert Xc.shape == Xn.shape and not np.allclose(Xc, Xn)

    if method in ("random_oversampling", "duplicate"):           # exact copies of the parent
        assert (par >= 0).all()
        np.testing.assert_array_equal(Xn, X[par])
        np.testing.assert_array_equal(yn, y[par])
    elif method == "genesom":                                    # drawn around one parent row
        assert (par >= 0).all()
        np.testing.assert_array_equal(yn, y[par])
    elif method != "none":                                       # no single parent
        assert (par == -1).all()

    if method in ("gmm", "gmm_independent", "smote", "random_oversampling"):
        # per-class methods: every row lies nearest its own class's centroid (classes 4 sd apart)
        cent = np.stack([X[y == c].mean(axis=0) for c in CLASSES])
        sd = X.std(axis=0)
        d = (((Xn[:, None, :] - cent[None]) / sd) ** 2).sum(axis=2)
        np.testing.assert_array_equal(CLASSES[d.argmin(axis=1)], yn)

    if method == "ctgan":   # 18 rows: batch cut to the table, pac to 9 (CTGAN's asserts pass)
        assert (g.model_._batch_size, g.model_.pac) == (18, 9)

    # reseed restarts the sampling stream: the same seed gives the same rows again (the paper
    # protocol's iterations), another seed other rows
    r1 = g.reseed(11).sample(want, return_parents=True)
    r2 = g.reseed(11).sample(want, return_parents=True)
    for u, v in zip(r1, r2):
        np.testing.assert_array_equal(u, v)
    if method not in ("none", "duplicate"):
        assert not np.array_equal(g.reseed(12).sample(want)[0], r1[0])

    # an int applies to every class; a class asked for 0 rows is absent
    _, y4 = g.sample(4)
    _, y0 = g.sample({"a": 0, "b": 3})
    if method != "none":
        assert sorted(y4.tolist()) == ["a"] * 4 + ["b"] * 4 + ["c"] * 4
        assert y0.tolist() == ["b"] * 3


@pytest.mark.parametrize("method", METHODS)
def test_samples_are_finite_and_plausible_on_hard_data(method):
    """Heavy tails, features on wildly different scales and a 3-row class: every method's rows
    stay finite and within the training range widened by the range on each side (the WGANs'
    output bound is half the range; a 2-epoch GAN is as bad as a diverged one)."""
    rng = np.random.default_rng(11)
    y = np.repeat(["tiny", "mid", "big"], [3, 6, 12])
    X = np.column_stack([rng.lognormal(0, 1.5, 21),                 # heavy right tail
                         rng.standard_t(2, 21),                      # heavy both tails
                         rng.uniform(2, 15, 21),                     # RMA-like log2 range
                         1e4 * rng.lognormal(0, 1, 21),              # a large-scale feature
                         rng.normal(0, 1e-3, 21)])                   # a tiny-scale feature
    X[y == "mid"] += 1.0
    g = make(method, random_state=3).fit(X, y)
    Xn, _ = g.sample({"tiny": 6, "mid": 6, "big": 6})
    assert np.isfinite(Xn).all()
    lo, hi, span = X.min(0), X.max(0), np.ptp(X, axis=0)
    assert ((Xn >= lo - span) & (Xn <= hi + span)).all(), method


@pytest.mark.parametrize("method", METHODS)
def test_params_follow_the_sklearn_convention(method):
    g = make(method, random_state=3)
    c = clone(g)                 # fails unless __init__ stores every parameter as given
    assert c.get_params() == g.get_params() and c is not g
    assert g.set_params(random_state=4) is g and g.random_state == 4
    with pytest.raises(ValueError, match="no parameter 'bogus'"):
        g.set_params(bogus=1)
    assert repr(g).startswith(f"{type(g).__name__}(") and "random_state=4" in repr(g)


# ------------------------------------------------------------------------- validation at the door
@pytest.mark.parametrize("method", METHODS)
def test_nan_or_inf_rejected(method, small):
    X, y = small
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[3, 4] = bad
        with pytest.raises(ValueError, match="NaN"):
            make(method).fit(Xb, y)


@pytest.mark.parametrize("method", METHODS)
def test_sample_before_fit_raises(method):
    with pytest.raises(RuntimeError, match="not fitted"):
        make(method).sample(3)


def test_shape_and_label_errors(small):
    X, y = small
    with pytest.raises(ValueError, match="one label per row"):
        make("gmm").fit(X, y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        make("gmm").fit(X[:, 0], y)
    g = make("gmm").fit(X, y)
    with pytest.raises(ValueError, match="unknown classes.*'z'"):
        g.sample({"z": 1})
    with pytest.raises(ValueError, match="negative"):
        g.sample({"a": -1})


@pytest.mark.parametrize("method", ["gmm", "gmm_independent"])
def test_class_too_small_names_the_class(method, small):
    X, y = small
    keep = np.r_[0:6, 6, 12:18]                                # class "b" keeps one row
    with pytest.raises(ValueError, match=r"at least 2 rows.*'b' \(n=1\)"):
        make(method).fit(X[keep], y[keep])


def test_get_generator_errors():
    with pytest.raises(KeyError, match="registered.*gmm"):
        get_generator("wgan_gp_typo")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['n_components'\]"):
        get_generator("gmm", n_components=3)
    g = get_generator("gmm", random_state=1, max_components=2)
    assert g.max_components == 2 and g.random_state == 1


# ------------------------------------------------------------------------------------- CTGAN
def test_valid_batch_is_even_and_divisible_by_pac():
    for n in range(2, 201):
        for pac in range(1, 11):
            for batch_size in (500, 64, 7, 1):
                b, p = valid_batch(n, batch_size, pac)
                assert b % 2 == 0 and b % p == 0, (n, pac, batch_size, b, p)
                assert p >= 1 and p <= max(1, n // 2) and p <= pac
                assert b >= min(batch_size, n)                 # never smaller than asked/needed
                assert b < min(batch_size, n) + 2 * p          # rounded up by less than a step
    assert valid_batch(18, 500, 10) == (18, 9)
    assert valid_batch(36, 500, 10) == (40, 10)
    assert valid_batch(1000, 500, 10) == (500, 10)
    assert valid_batch(7, 500, 10) == (12, 3)
    with pytest.raises(ValueError, match="at least 2 rows"):
        valid_batch(1, 500, 10)


# ------------------------------------------------------------------------------------- SMOTE
def test_smote_two_row_class_interpolates_on_the_segment(caplog):
    rng = np.random.default_rng(2)
    X = np.vstack([[1.0, 2.0, 3.0, 4.0], [3.0, -2.0, 5.0, 0.0], rng.normal(10, 1, (5, 4))])
    y = np.array(["a", "a"] + ["b"] * 5)
    with caplog.at_level(logging.INFO, logger="omicsaug"):
        Xn, yn, par = make("smote", random_state=1).fit(X, y).sample({"a": 20, "b": 5},
                                                                     return_parents=True)
    assert "k_neighbors clipped from 5 to 1" in caplog.text
    A = Xn[yn == "a"]
    assert len(A) == 20 and (par == -1).all()
    # every synthetic row is x0 + t (x1 - x0) with 0 <= t <= 1
    d = X[1] - X[0]
    t = (A - X[0]) @ d / (d @ d)
    np.testing.assert_allclose(A, X[0] + t[:, None] * d, atol=1e-9)
    assert (t >= -1e-12).all() and (t <= 1 + 1e-12).all() and np.ptp(t) > 0.1


def test_smote_single_row_class_falls_back_to_copies(caplog):
    rng = np.random.default_rng(3)
    X = np.vstack([[7.0, 8.0, 9.0], rng.normal(0, 1, (6, 3))])
    y = np.array(["solo"] + ["b"] * 6)
    with caplog.at_level(logging.INFO, logger="omicsaug"):
        Xn, yn, par = make("smote", random_state=1).fit(X, y).sample({"solo": 3, "b": 4},
                                                                     return_parents=True)
    warn = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warn) == 1 and "'solo' has 1 row" in warn[0].getMessage()
    np.testing.assert_allclose(Xn[yn == "solo"], np.tile(X[0], (3, 1)), rtol=1e-12)
    assert par[yn == "solo"].tolist() == [0, 0, 0] and (par[yn == "b"] == -1).all()
    assert (yn == "b").sum() == 4


def test_smote_rows_stay_in_the_class_bounding_box():
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal(0, 1, (8, 5)), rng.normal(3, 2, (9, 5))])
    y = np.array(["a"] * 8 + ["b"] * 9)
    Xn, yn = make("smote", random_state=0).fit(X, y).sample(200)
    for c in ("a", "b"):
        lo, hi = X[y == c].min(axis=0), X[y == c].max(axis=0)
        assert ((Xn[yn == c] >= lo - 1e-9) & (Xn[yn == c] <= hi + 1e-9)).all()


# --------------------------------------------------------------- GMMs on large constructed data
@pytest.fixture(scope="module")
def large():
    """3 classes x 2000 rows, 5 features on unequal scales; within each class features 0 and
    1 correlate at 0.9, the others are independent."""
    rng = np.random.default_rng(21)
    means = np.array([[0, 0, 0, 0, 0], [3, -2, 1, 4, -1], [-3, 2, 5, -2, 2]], float)
    sds = np.array([1.0, 2.0, 0.5, 1.5, 3.0])
    cov = np.eye(5)
    cov[0, 1] = cov[1, 0] = 0.9
    L = np.linalg.cholesky(cov)
    X = np.vstack([means[k] * sds + (rng.normal(size=(2000, 5)) @ L.T) * sds for k in range(3)])
    y = np.repeat(CLASSES, 2000)
    return X, y


@pytest.fixture(scope="module")
def large_samples(large):
    """4000 synthetic rows per class from each GMM fitted to ``large`` (fitted once)."""
    X, y = large
    return {m: make(m, random_state=0).fit(X, y).sample(4000) for m in ("gmm", "gmm_independent")}


@pytest.mark.parametrize("method", ["gmm", "gmm_independent"])
def test_gmm_reproduces_class_means_and_variances(method, large, large_samples):
    X, y = large
    Xn, yn = large_samples[method]
    for c in CLASSES:
        real, syn = X[y == c], Xn[yn == c]
        sd = real.std(axis=0)
        # means within 0.1 class sd of the class's sample means, which the fitted mixture
        # reproduces (4000 draws: SE 0.016 sd, so 0.1 sd is 6 SE)
        assert (np.abs(syn.mean(axis=0) - real.mean(axis=0)) < 0.1 * sd).all(), c
        if method == "gmm_independent":
            # per-feature variances within 10 % (SE of a variance from 4000 draws: 2.2 %)
            np.testing.assert_allclose(syn.var(axis=0), real.var(axis=0), rtol=0.10)


def test_gmm_keeps_correlation_and_independent_gmm_destroys_it(large_samples):
    # the data have r = 0.9 between features 0 and 1 within every class; "full" covariances
    # keep it (the 0.01 ridge in z-units shrinks it a little), per-feature sampling cannot
    for method, check in (("gmm", lambda r: r > 0.7), ("gmm_independent", lambda r: abs(r) < 0.2)):
        Xn, yn = large_samples[method]
        for c in CLASSES:
            r = np.corrcoef(Xn[yn == c][:, :2].T)[0, 1]
            assert check(r), (method, c, r)


def test_gaussian_copula_keeps_correlation_and_the_observed_range():
    """Known answers: with many rows the copula keeps a 0.9 rank correlation (shrinkage is
    then small) and every synthetic value lies within its class's observed range (empirical
    quantiles); with fewer rows than features it still samples (shrunk correlation)."""
    from scipy import stats as sps

    rng = np.random.default_rng(0)
    X = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], size=300)
    X[:, 1] = np.exp(X[:, 1])                                 # a skewed marginal
    g = make("gaussian_copula").fit(X, np.zeros(300, int))
    Xn, _ = g.sample(3000)
    assert sps.spearmanr(Xn[:, 0], Xn[:, 1])[0] > 0.8
    assert (Xn.min(0) >= X.min(0) - 1e-9).all() and (Xn.max(0) <= X.max(0) + 1e-9).all()
    assert g.models_[0]["delta"] < 0.1
    wide = rng.normal(size=(6, 200))
    h = make("gaussian_copula").fit(wide, np.zeros(6, int))
    assert 0 < h.models_[0]["delta"] <= 1 and np.isfinite(h.sample(50)[0]).all()
