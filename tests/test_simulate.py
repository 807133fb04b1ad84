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
    assert int(truth["true_effect"].sum()) == 27
    assert (truth.loc[~truth.true_effect, "effect_size_d"] == 0).all()
    d = truth.loc[truth.true_effect, "effect_size_d"].abs()
    assert d.min() == pytest.approx(0.6) and d.max() == pytest.approx(2.6)
    assert {"shift_log10_disease", "shift_log10_treated"} <= set(truth.columns)
    np.testing.assert_allclose(truth["shift_log10_treated"], 0.5 * truth["shift_log10_disease"])
    # the simulated effects are visible in the data: the largest true effect separates groups
    top = truth.loc[truth["effect_size_d"].abs().idxmax(), "feature"]
    logx = np.log10(table[top])
    diff = logx[table.group == "disease"].mean() - logx[table.group == "control"].mean()
    shift = truth.set_index("feature").loc[top, "shift_log10_disease"]
    assert np.sign(diff) == np.sign(shift) and abs(diff) > 0.5 * abs(shift)


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
    assert len(truth) == 150 and int(truth["true_effect"].sum()) == 30   # 20 % hits
    assert not real.iloc[:, 2:].isna().any().any()
    ids = pd.concat([real.sample_id, val.sample_id, ext.sample_id])
    assert ids.is_unique


def test_microarray_hits_shift_the_case_cluster(micro):
    real, truth = micro["real"], micro["truth"]
    g = real.groupby("group")[list(truth.feature)].mean()
    diff = (g.loc["case"] - g.loc["control"]).to_numpy()
    hits = truth["true_effect"].to_numpy()
    assert np.corrcoef(diff[hits], truth["shift_log2"][hits])[0, 1] > 0.9
    assert np.abs(diff[~hits]).max() < np.abs(diff[hits]).min() + 0.5


def test_microarray_deterministic_and_run_dispatch(micro):
    again = simulate.run("simulate_microarray", {}, seed=1)
    pd.testing.assert_frame_equal(again["table"], micro["real"])
    pd.testing.assert_frame_equal(again["external"], micro["external"])
    pd.testing.assert_frame_equal(again["validation"], micro["validation"])
    lip = simulate.run("simulate_lipidomics", {"n_per_group": [10, 8, 8]}, seed=1)
    assert set(lip) == {"table", "truth"}
    with pytest.raises(ValueError):
        simulate.run("simulate_proteomics", {}, seed=1)
    other = simulate.simulate_microarray(seed=2, n_features=40, n_real=(20, 30),
                                         n_validation=(5, 5), n_external=10)
    assert other["real"].shape == (50, 42) and other["external"].shape == (10, 41)
