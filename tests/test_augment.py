"""The augmentation stage: amounts, negative controls, the per-seed table, the workflow rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omicsaug import augment as aug
from omicsaug.evaluation import reference
from omicsaug.errors import InputError
from omicsaug.io import read_samples

from conftest import EAE_FIRST6_IDS, explain, run_snakemake, write_yaml

META = ["seed", "sample_id", "group", "synthetic", "parent"]


def spec(generator, name=None, amount=None, **params):
    return {"name": name or generator, "generator": generator, "params": params,
            "amount": amount or {"mode": "ratio", "ratio": 1}}


@pytest.fixture(scope="module")
def subsets():
    """A subsets-style table: 2 seeds of unequal groups A 5, B 3, C 4; 4 features whose
    order is deliberately not alphabetical."""
    rng = np.random.default_rng(8)
    feats = ["zeta", "alpha", "mid", "beta"]
    parts = []
    for s in (1, 2):
        g = ["A"] * 5 + ["B"] * 3 + ["C"] * 4
        X = rng.normal(0, 1, (12, 4)) + 3 * np.repeat([0, 1, 2], [5, 3, 4])[:, None]
        df = pd.DataFrame(X, columns=feats)
        df.insert(0, "group", g)
        df.insert(0, "sample_id", [f"S{s}_{i:02d}" for i in range(12)])
        df.insert(0, "seed", s)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------------------ amounts
def test_n_new_per_class_modes():
    c = {"a": 6, "b": 4, "c": 2}
    assert aug.n_new_per_class(c, "ratio", 1) == {"a": 6, "b": 4, "c": 2}
    assert aug.n_new_per_class(c, "ratio", 2) == {"a": 12, "b": 8, "c": 4}
    assert aug.n_new_per_class(c, "ratio", 0) == {"a": 0, "b": 0, "c": 0}
    assert aug.n_new_per_class({"a": 6, "b": 3}, "ratio", 0.5) == {"a": 3, "b": 2}
    assert aug.n_new_per_class(c, "balance") == {"a": 0, "b": 2, "c": 4}
    assert aug.n_new_per_class({"a": 6, "b": 6}, "balance") == {"a": 0, "b": 0}
    # expand: every class grows to ceil(n_largest * (1 + m))
    assert aug.n_new_per_class(c, "expand", multiplier=0.5) == {"a": 3, "b": 5, "c": 7}
    assert aug.n_new_per_class(c, "expand", multiplier=0) == {"a": 0, "b": 2, "c": 4}
    assert aug.n_new_per_class({"a": 5}, "expand", multiplier=0.5) == {"a": 3}      # ceil(7.5)
    # 10 * 1.1 = 11.000000000000002 in floating point: still 11, not 12
    assert aug.n_new_per_class({"a": 10}, "expand", multiplier=0.1) == {"a": 1}
    assert aug.n_new_per_class({"a": 4}, "expand", multiplier=0.75) == {"a": 3}


def test_n_new_per_class_rejects_bad_amounts():
    with pytest.raises(InputError, match=r"'amount.mode'.*'double'.*ratio"):
        aug.n_new_per_class({"a": 3}, "double")
    with pytest.raises(InputError, match="'amount.ratio'"):
        aug.n_new_per_class({"a": 3}, "ratio", -1)
    with pytest.raises(InputError, match="'amount.multiplier'"):
        aug.n_new_per_class({"a": 3}, "expand", multiplier=-0.5)


# --------------------------------------------------------------------------- method instances
def test_method_spec_resolves_generator_params_and_amount():
    cfg = {"augmentation": {"amount": {"mode": "ratio", "ratio": 2}},
           "methods": {"gmm": {}, "none": None,
                       "gmm_expand": {"generator": "gmm", "params": {"max_components": 1},
                                      "amount": {"mode": "expand", "multiplier": 0.5}}}}
    assert aug.method_spec(cfg, "gmm") == {"name": "gmm", "generator": "gmm", "params": {},
                                           "amount": {"mode": "ratio", "ratio": 2, "multiplier": 0.5}}
    assert aug.method_spec(cfg, "none")["generator"] == "none"
    s = aug.method_spec(cfg, "gmm_expand")
    assert s["generator"] == "gmm" and s["params"] == {"max_components": 1}
    assert s["amount"] == {"mode": "expand", "ratio": 2, "multiplier": 0.5}
    assert aug.method_spec({"methods": {"x": {"generator": "smote"}}}, "x")["amount"] == \
        {"mode": "ratio", "ratio": 1.0, "multiplier": 0.5}   # the schema's defaults: 1:1


def test_method_spec_errors_name_the_key():
    with pytest.raises(InputError, match=r"'methods.smote_x.generator'.*'smot'.*gmm"):
        aug.method_spec({"methods": {"smote_x": {"generator": "smot"}}}, "smote_x")
    with pytest.raises(InputError, match=r"'methods'.*'gmm'"):
        aug.method_spec({"methods": {"none": {}}}, "gmm")


# ---------------------------------------------------------------------------- negative controls
def test_permuted_copies_keep_each_column_marginal():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    X2, names = aug.add_permuted_copies(X, ["a", "b", "c", "d"], np.random.default_rng(1))
    assert X2.shape == (30, 8)
    assert names == ["a", "b", "c", "d", "a__perm", "b__perm", "c__perm", "d__perm"]
    np.testing.assert_array_equal(X2[:, :4], X)                               # originals intact
    np.testing.assert_array_equal(np.sort(X2[:, 4:], axis=0), np.sort(X, axis=0))
    assert all(not np.array_equal(X2[:, 4 + j], X[:, j]) for j in range(4))
    # each column is shuffled by its own permutation (row links between columns are cut too)
    perms = []
    for j in range(4):
        order = np.argsort(X[:, j])
        src = order[np.searchsorted(X[order, j], X2[:, 4 + j])]   # X2[:, 4 + j] == X[src, j]
        np.testing.assert_array_equal(X2[:, 4 + j], X[src, j])
        perms.append(tuple(src))
    assert len(set(perms)) == 4
    X3, _ = aug.add_permuted_copies(X, list("abcd"), np.random.default_rng(1))
    np.testing.assert_array_equal(X2, X3)


def test_permuted_copy_of_a_strong_effect_is_not_significant():
    rng = np.random.default_rng(0)
    y = np.repeat(["ctrl", "case"], 20)
    X = rng.normal(0, 1, (40, 3))
    X[y == "case"] += 3.0                                          # 3 sd shift in every feature
    X2, _ = aug.add_permuted_copies(X, ["f1", "f2", "f3"], np.random.default_rng(42))
    _, p = reference.anova(X2, y)
    assert (p[:3] < 1e-6).all(), p
    assert (p[3:] > 0.01).all(), p


def test_augment_table_negative_controls_reach_the_generator(monkeypatch):
    seen = []
    real = aug.get_generator

    def spy(*a, **k):
        seen.append(real(*a, **k))
        return seen[-1]

    monkeypatch.setattr(aug, "get_generator", spy)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, 3))
    y = np.repeat(["a", "b"], 6)
    X_all, y_all, syn, par, names = aug.augment_table(
        X, y, ["f1", "f2", "f3"], spec("random_oversampling"), (42, "first6", 1),
        negative_controls=True)
    assert seen[0].n_features_in_ == 6                     # the generator saw 2 d columns
    assert X_all.shape == (24, 6) and names[3:] == ["f1__perm", "f2__perm", "f3__perm"]
    assert syn.tolist() == [False] * 12 + [True] * 12
    assert (par[:12] == -1).all()
    np.testing.assert_array_equal(X_all[12:], X_all[par[12:]])   # copies include the controls
    np.testing.assert_array_equal(X_all[:12, :3], X)
    # the same keys give the same table; the permutation is the method's, not shared state
    again = aug.augment_table(X, y, ["f1", "f2", "f3"], spec("random_oversampling"),
                              (42, "first6", 1), negative_controls=True)
    np.testing.assert_array_equal(again[0], X_all)
    # without controls: d columns
    assert aug.augment_table(X, y, ["f1", "f2", "f3"], spec("random_oversampling"),
                             (42, "first6", 1))[0].shape == (24, 3)


# ------------------------------------------------------------------------------ the per-seed table
@pytest.mark.parametrize("amount,per_class", [
    ({"mode": "ratio", "ratio": 2}, {"A": 15, "B": 9, "C": 12}),       # k n per class added
    ({"mode": "balance"}, {"A": 5, "B": 5, "C": 5}),                     # all = largest
    ({"mode": "expand", "multiplier": 0.5}, {"A": 8, "B": 8, "C": 8}),  # ceil(5 * 1.5)
])
def test_augment_design_amounts_and_layout(subsets, amount, per_class):
    out = aug.augment_design(subsets, spec("gmm", "gmm_x", amount), 42, "n6")
    feats = ["zeta", "alpha", "mid", "beta"]
    assert list(out.columns) == META + feats
    assert out["seed"].unique().tolist() == [1, 2]
    for s, part in out.groupby("seed"):
        assert part.groupby("group").size().to_dict() == per_class
        orig, new = part[~part.synthetic], part[part.synthetic]
        src = subsets[subsets.seed == s]
        # the original rows come first, unchanged, with no parent
        assert part.index[: len(src)].tolist() == orig.index.tolist()
        np.testing.assert_array_equal(orig[["sample_id", "group"] + feats].to_numpy(),
                                      src[["sample_id", "group"] + feats].to_numpy())
        assert (orig["parent"] == "").all() and (new["parent"] == "").all()   # gmm: no parent
        assert new["sample_id"].tolist() == [f"syn{s}_{j + 1:04d}" for j in range(len(new))]


def test_augment_design_parents_negative_controls_and_seeds(subsets):
    feats = ["zeta", "alpha", "mid", "beta"]
    out = aug.augment_design(subsets, spec("random_oversampling"), 42, "n6", negative_controls=True)
    assert list(out.columns) == META + feats + [f"{f}__perm" for f in feats]
    for s, part in out.groupby("seed"):
        by_id = part[~part.synthetic].set_index("sample_id")
        new = part[part.synthetic]
        assert len(new) == 12 and set(new["parent"]) <= set(by_id.index)
        # a copy equals its parent in every column, the permuted controls included
        cols = list(out.columns[5:])
        np.testing.assert_array_equal(new[cols].to_numpy(),
                                      by_id.loc[new["parent"], cols].to_numpy())
        assert (new["group"].to_numpy() == by_id.loc[new["parent"], "group"].to_numpy()).all()
    # every method sees the same permuted controls for a (seed, design, subset seed) ...
    smote = aug.augment_design(subsets, spec("smote"), 42, "n6", negative_controls=True)
    orig = ~out.synthetic
    pd.testing.assert_frame_equal(out.loc[orig].reset_index(drop=True),
                                  smote.loc[~smote.synthetic].reset_index(drop=True))
    # ... and the whole table is reproducible, but another base seed changes it
    pd.testing.assert_frame_equal(smote, aug.augment_design(subsets, spec("smote"), 42, "n6",
                                                             negative_controls=True))
    other = aug.augment_design(subsets, spec("smote"), 43, "n6", negative_controls=True)
    assert not np.allclose(other.iloc[:, 5:].to_numpy(float), smote.iloc[:, 5:].to_numpy(float))


def test_augment_design_none_returns_the_originals(subsets):
    out = aug.augment_design(subsets, spec("none"), 42, "n6")
    assert len(out) == len(subsets) and not out.synthetic.any()
    pd.testing.assert_frame_equal(out.drop(columns=["synthetic", "parent"]),
                                  subsets.reset_index(drop=True), check_dtype=False)


# -------------------------------------------------------------------------- the workflow rule
SIM_METHODS = {
    "none": {}, "gmm": {}, "gmm_independent": {},
    "ctgan": {"params": {"epochs": 3, "generator_dim": [32], "discriminator_dim": [32],
                         "embedding_dim": 16}},
    "smote": {}, "random_oversampling": {},
    "smote_balance": {"generator": "smote", "amount": {"mode": "balance"}},
    "gmm_expand": {"generator": "gmm", "amount": {"mode": "expand", "multiplier": 0.5}},
}
# rows per group and seed after augmentation, from 6 per group
PER_GROUP = {"none": 6, "gmm": 12, "gmm_independent": 12, "ctgan": 12, "smote": 12,
             "random_oversampling": 12, "smote_balance": 6, "gmm_expand": 9}


def _sim_config(tmp_path):
    # a 10-lipid simulation (2 blocks) keeps CTGAN's per-column transformer fast
    return write_yaml(tmp_path / "aug.yaml", {
        "seed": 42,
        "augmentation": {"amount": {"mode": "ratio", "ratio": 1}, "negative_controls": True},
        "methods": SIM_METHODS,
        "datasets": {"sim": {
            "source": "simulate_lipidomics",
            "simulate": {"blocks": {"PL": 6, "PFC": 4}, "n_effects": 4},
            "impute": {"n_estimators": 10, "max_iter": 2, "quality_repeats": 1},
            "reference": {"cv_repeats": 1, "classifiers": ["knn"]},
            "failure_point": {"n_per_group": [3, 4], "seeds": 2},
            "designs": [{"type": "first_n", "n_per_group": 6},
                        {"type": "sample_size", "n_per_group": 6, "seeds": 2}],
        }},
    })


@pytest.mark.slow
def test_augment_rule_every_method_and_determinism(tmp_path):
    cfg = _sim_config(tmp_path)
    # every method on the 2-seed design; the 1-seed design once (the EAE test covers more)
    cells = [("n6", m) for m in SIM_METHODS] + [("first6", "gmm_expand")]
    targets = {(d, m): f"results/sim/augmented/{d}/{m}.tsv" for d, m in cells}
    proc = run_snakemake(tmp_path, *targets.values(), "--cores", "2", "-q", configfile=cfg,
                         timeout=300)
    assert proc.returncode == 0, explain(proc, tmp_path)
    assert not (tmp_path / "results/sim/reference").exists()       # only what the targets need

    for (design, method), path in targets.items():
        out = read_samples(tmp_path / path)
        sub = read_samples(tmp_path / f"results/sim/subsets/{design}.tsv")
        feats = list(sub.columns[3:])
        assert len(feats) == 10
        assert list(out.columns) == META + feats + [f"{f}__perm" for f in feats], path
        assert sorted(out["seed"].unique()) == ([1] if design == "first6" else [1, 2])
        for s, part in out.groupby("seed"):
            assert part.groupby("group").size().to_dict() == \
                {g: PER_GROUP[method] for g in ("control", "disease", "treated")}, (path, s)
            orig = part[~part.synthetic]
            src = sub[sub.seed == s]
            assert orig["sample_id"].tolist() == src["sample_id"].tolist()
            np.testing.assert_allclose(orig[feats].to_numpy(), src[feats].to_numpy(), rtol=1e-12)
            if method == "random_oversampling":
                new = part[part.synthetic]
                np.testing.assert_allclose(
                    new[feats].to_numpy(),
                    orig.set_index("sample_id").loc[new["parent"], feats].to_numpy(), rtol=1e-12)
        log = (tmp_path / f"logs/sim/augment/{design}/{method}.log").read_text()
        assert f"{design} {method} seed 1" in log
        # class fidelity beside every augmented table: one row per seed
        fid = pd.read_csv(tmp_path / f"results/sim/augmented/{design}/{method}.class_fidelity.tsv",
                          sep="\t")
        assert fid["seed"].tolist() == sorted(out["seed"].unique()), (design, method)
        if method in ("gmm", "smote", "random_oversampling"):   # per-class methods keep the class
            assert (fid["accuracy"] > fid["chance"]).all(), (design, method, fid)

    # determinism end to end: re-running the generators seeded through other libraries
    # (scikit-learn, torch, imbalanced-learn) rewrites the same bytes
    n6 = [targets["n6", m] for m in ("gmm", "ctgan", "smote", "random_oversampling")]
    before = {p: (tmp_path / p).read_bytes() for p in n6}
    proc = run_snakemake(tmp_path, *n6, "--cores", "2", "--forcerun", "augment", "-q",
                         configfile=cfg, timeout=300)
    assert proc.returncode == 0, explain(proc, tmp_path)
    for p in n6:
        assert (tmp_path / p).read_bytes() == before[p], p


@pytest.mark.slow
def test_augment_rule_on_eae_authors_matrix(eae_dir, tmp_path):
    methods = {"none": {}, "gmm": {},
               "smote_balance": {"generator": "smote", "amount": {"mode": "balance"}},
               "gmm_expand": {"generator": "gmm", "amount": {"mode": "expand", "multiplier": 0.5}}}
    cfg = write_yaml(tmp_path / "eae.yaml", {
        "seed": 42,
        "augmentation": {"amount": {"mode": "ratio", "ratio": 1}, "negative_controls": True},
        "methods": methods,
        "datasets": {"eae": {
            "source": "eae_lipidomics", "eae_matrix": "authors",
            "impute": {"n_estimators": 10, "max_iter": 2, "quality_repeats": 1},
            "designs": [{"type": "first_n", "n_per_group": 6}],
        }},
    })
    targets = [f"results/eae/augmented/first6/{m}.tsv" for m in methods]
    proc = run_snakemake(tmp_path, *targets, "--cores", "2", "-q", "--config",
                         f"eae_dir={eae_dir}", configfile=cfg, timeout=300)
    assert proc.returncode == 0, explain(proc, tmp_path)
    # 18 mice: ratio 1 adds 18; balance adds none (6/6/6); expand 0.5 grows each group to
    # ceil(6 * 1.5) = 9, i.e. adds 3 per group
    added = {"none": 0, "gmm": 18, "smote_balance": 0, "gmm_expand": 9}
    for m, t in zip(methods, targets):
        out = read_samples(tmp_path / t)
        assert out.shape == (18 + added[m], 5 + 124), (m, out.shape)
        assert int(out.synthetic.sum()) == added[m]
        assert out.columns[5 + 62:].str.endswith("__perm").all()
        assert out.loc[~out.synthetic, "sample_id"].tolist() == EAE_FIRST6_IDS
        groups = out.groupby("group").size().to_dict()
        assert set(groups) == {"control", "EAE", "EAE_fingolimod"}
        assert set(groups.values()) == {6 + added[m] // 3}
