"""Downsampling designs: sizes, seeds, determinism, imbalance counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from omicsaug import design as ds
from omicsaug.errors import InputError
from omicsaug.utils import write_tsv


def _table(counts: dict, n_feat=4, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = [g for g, n in counts.items() for _ in range(n)]
    # interleave groups so that file order is not group order
    order = rng.permutation(len(groups))
    groups = [groups[i] for i in order]
    X = rng.normal(0, 1, (len(groups), n_feat))
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(n_feat)])
    df.insert(0, "group", groups)
    df.insert(0, "sample_id", [f"S{i:03d}" for i in range(len(groups))])
    return df


@pytest.fixture(scope="module")
def eae_like():
    return _table({"control": 10, "disease": 8, "treated": 8})


def _one(spec):
    (d,) = ds.expand_designs([spec])
    return d


def test_expand_designs_names():
    specs = [
        {"type": "sample_size", "n_per_group": [4, 6], "seeds": 3},
        {"type": "first_n", "n_per_group": 6, "reimpute": True},
        {"type": "imbalance", "control": "control", "case": "case", "n_controls": [40, 120],
         "minority_fraction": [0.4, 0.6], "seeds": 2},
        {"type": "full"},
        {"type": "sample_size", "n_per_group": 6, "name": "pilot"},
    ]
    got = ds.expand_designs(specs)
    assert [d.name for d in got] == ["n4", "n6", "first6", "imb_c40_f0.4", "imb_c40_f0.6",
                                     "imb_c120_f0.4", "imb_c120_f0.6", "full", "pilot_n6"]
    assert got[0].seeds == (1, 2, 3) and got[0].n_per_group == 4 and got[0].kind == "sample_size"
    assert got[2].seeds == (1,) and got[2].reimpute is True and got[2].kind == "first_n"
    imb = got[3]
    assert (imb.control, imb.case, imb.n_controls, imb.minority_fraction) == ("control", "case",
                                                                              40, 0.4)
    assert got[-1].seeds == (1,)


def test_expand_designs_errors():
    with pytest.raises(InputError) as ei:
        ds.expand_designs([{"type": "sample_size", "n_per_group": 6},
                           {"type": "sample_size", "n_per_group": [5, 6]}])
    assert "n6" in str(ei.value) and ei.value.key == "designs" and "Fix:" in str(ei.value)
    with pytest.raises(InputError) as ei:
        ds.expand_designs([{"type": "full"}, {"type": "bootstrap"}])
    assert ei.value.key == "designs[1].type"


def test_sample_size_design(eae_like, tmp_path):
    d = _one({"type": "sample_size", "n_per_group": 6, "seeds": 5})
    sub = ds.draw_subsets(eae_like, d, base_seed=42)
    assert list(sub.columns) == ["seed", *eae_like.columns]
    assert sub["seed"].tolist() == [s for s in range(1, 6) for _ in range(18)]
    pos = {sid: i for i, sid in enumerate(eae_like["sample_id"])}
    draws = {}
    for s, part in sub.groupby("seed"):
        assert part["group"].value_counts().to_dict() == {"control": 6, "disease": 6, "treated": 6}
        ids = part["sample_id"].tolist()
        assert len(set(ids)) == 18
        assert [pos[i] for i in ids] == sorted(pos[i] for i in ids)       # file order
        # rows are the original rows, values unchanged
        orig = eae_like.set_index("sample_id").loc[ids].reset_index()
        pd.testing.assert_frame_equal(part.drop(columns="seed").reset_index(drop=True), orig)
        draws[s] = frozenset(ids)
    assert len(set(draws.values())) == 5                                   # seeds differ

    again = ds.draw_subsets(eae_like, d, base_seed=42)
    pd.testing.assert_frame_equal(sub, again)
    write_tsv(sub, tmp_path / "a.tsv")
    write_tsv(again, tmp_path / "b.tsv")
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()
    write_tsv(sub, tmp_path / "a.tsv.gz")
    write_tsv(again, tmp_path / "b.tsv.gz")
    assert (tmp_path / "a.tsv.gz").read_bytes() == (tmp_path / "b.tsv.gz").read_bytes()

    other = ds.draw_subsets(eae_like, d, base_seed=43)
    assert not other["sample_id"].equals(sub["sample_id"])


def test_draw_indices_seed_is_per_design_and_seed(eae_like):
    d5 = _one({"type": "sample_size", "n_per_group": 5, "seeds": 3})
    a = ds.draw_indices(eae_like, d5, 2, base_seed=42)
    b = ds.draw_indices(eae_like, d5, 2, base_seed=42)
    assert np.array_equal(a, b) and len(a) == 15
    assert not np.array_equal(a, ds.draw_indices(eae_like, d5, 3, base_seed=42))


def test_imbalance_design_counts():
    df = _table({"control": 130, "case": 90}, n_feat=2)
    specs = [{"type": "imbalance", "control": "control", "case": "case",
              "n_controls": [40, 120], "minority_fraction": [0.4, 0.6, 0.75], "seeds": 2}]
    for d in ds.expand_designs(specs):
        sub = ds.draw_subsets(df, d, base_seed=1)
        for s, part in sub.groupby("seed"):
            counts = part["group"].value_counts().to_dict()
            assert counts == {"control": d.n_controls,
                              "case": round(d.minority_fraction * d.n_controls)}, d.name
    # with two groups, 'case' may be left out
    d = _one({"type": "imbalance", "control": "control", "n_controls": 40,
              "minority_fraction": 0.4})
    assert ds.draw_subsets(df, d)["group"].value_counts().to_dict() == {"control": 40, "case": 16}
    three = _table({"control": 50, "case": 30, "other": 30}, n_feat=2)
    with pytest.raises(InputError, match="'case' must be given"):
        ds.draw_subsets(three, d)


def test_first_n_is_deterministic_and_in_file_order(eae_like):
    d = _one({"type": "first_n", "n_per_group": 6})
    sub = ds.draw_subsets(eae_like, d, base_seed=1)
    expected = pd.concat([eae_like[eae_like.group == g].head(6)
                          for g in ("control", "disease", "treated")]).sort_index()
    assert sub["sample_id"].tolist() == expected["sample_id"].tolist()
    assert (sub["seed"] == 1).all()
    pd.testing.assert_frame_equal(sub, ds.draw_subsets(eae_like, d, base_seed=999))


def test_too_large_n_is_an_input_error(eae_like):
    for spec, need in (({"type": "sample_size", "n_per_group": 9}, "needs 9 samples of group"),
                       ({"type": "first_n", "n_per_group": 11}, "needs 11 samples of group")):
        d = _one(spec)
        with pytest.raises(InputError) as ei:
            ds.draw_subsets(eae_like, d)
        msg = str(ei.value)
        assert f"design {d.name}" in msg and need in msg and "Fix:" in msg
        assert ("the data have 8" in msg or "the data have 10" in msg) and "group sizes:" in msg
    d = _one({"type": "imbalance", "control": "ctrl", "case": "disease", "n_controls": 4,
              "minority_fraction": 0.5})
    with pytest.raises(InputError, match="'ctrl' is not in the data \(groups: "):
        ds.draw_subsets(eae_like, d)


def test_reimpute_uses_only_the_subset():
    df = _table({"a": 6, "b": 6}, n_feat=3, seed=5)
    transformed = df.copy()
    transformed.loc[[0, 3, 7], "f1"] = np.nan
    imputed = transformed.copy()
    imputed["f1"] = imputed["f1"].fillna(100.0)                 # full-data imputation
    d = _one({"type": "first_n", "n_per_group": 4, "reimpute": True})
    factory_keys = []

    def factory(key):
        factory_keys.append(key)
        return SimpleImputer(strategy="mean")

    sub = ds.draw_subsets(imputed, d, transformed=transformed, imputer_factory=factory)
    idx = ds.draw_indices(imputed, d, 1)
    own = transformed.iloc[idx]
    assert factory_keys == [1]
    assert sub["f1"].notna().all()
    missing = own["f1"].isna().to_numpy()
    assert missing.any()
    np.testing.assert_allclose(sub["f1"].to_numpy()[missing], own["f1"].mean())  # subset mean
    np.testing.assert_array_equal(sub["f1"].to_numpy()[~missing], own["f1"].to_numpy()[~missing])
    plain = ds.draw_subsets(imputed, _one({"type": "first_n", "n_per_group": 4}))
    assert (plain["f1"].to_numpy()[missing] == 100.0).all()
    with pytest.raises(ValueError, match="reimpute"):
        ds.draw_subsets(imputed, d)
