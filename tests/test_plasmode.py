"""Plasmode datasets (real rows, random labels, spiked effects) and the realism check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omicsaug import config as oc
from omicsaug import io, realism
from omicsaug.evaluation import reference
from omicsaug.errors import InputError
from omicsaug.plasmode import make_plasmode


def _eae(eae_dir, matrix="raw"):
    spec = oc.dataset({"datasets": {"e": {"source": "eae_lipidomics", "eae_matrix": matrix}}}, "e")
    return io.load_dataset(spec, {"table": str(eae_dir / spec["table"]),
                                  "metadata": str(eae_dir / spec["metadata"])})


@pytest.fixture(scope="module")
def raw(eae_dir):
    return _eae(eae_dir)


def test_null_plasmode_keeps_the_real_table_and_its_missing_cells(raw):
    table, truth = make_plasmode(raw, {"n_effects": 0}, transform="log10", seed=1)
    assert not truth["true_effect"].any() and (truth["effect_size"] == 0).all()
    assert table["group"].value_counts().to_dict() == {"control": 10, "EAE": 8, "EAE_fingolimod": 8}
    real = raw.set_index("sample_id").loc[table["sample_id"]]
    feats = list(raw.columns[2:])
    np.testing.assert_array_equal(table[feats].isna().to_numpy(), real[feats].isna().to_numpy())
    assert int(table[feats].isna().sum().sum()) == 85                 # every real missing cell
    np.testing.assert_array_equal(table[feats].to_numpy(), real[feats].to_numpy())   # untouched
    assert (table["group"].to_numpy() != real["group"].to_numpy()).any()           # labels shuffled
    assert truth["block"].value_counts().to_dict() == {"PL": 24, "CEREB": 18, "PFC": 13, "HPC": 7}


def test_null_plasmode_of_eae_is_a_true_null(raw):
    """The real EAE table has 5 Šidák lipids; with random labels the family-wise rate of the
    plain test falls to the nominal level (50 plasmodes, 26 mice each)."""
    feats = list(raw.columns[2:])
    hits = []
    for seed in range(50):
        table, _ = make_plasmode(raw, {"n_effects": 0}, transform="log10", seed=seed)
        X = np.log10(table[feats].to_numpy())
        X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
        hits.append(reference.count_significant(X, table["group"].to_numpy()))
    assert np.mean(np.array(hits) > 0) <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / 50)


def test_spiked_features_shift_by_the_stated_size_on_the_analysis_scale(raw):
    settings = {"n_effects": 12, "effect_size": {"distribution": "lognormal", "median": 1.5},
                "groups": {"control": 9, "EAE": 9}, "affected": ["EAE"]}
    table, truth = make_plasmode(raw, settings, transform="log10", seed=3)
    assert len(table) == 18 and table["group"].value_counts().to_dict() == {"control": 9, "EAE": 9}
    assert int(truth["true_effect"].sum()) == 12
    feats = list(raw.columns[2:])
    real = raw.set_index("sample_id").loc[table["sample_id"], feats].to_numpy()
    moved = np.log10(table[feats].to_numpy()) - np.log10(real)
    case = (table["group"] == "EAE").to_numpy()
    t = truth.set_index("feature").loc[feats]
    expect = np.where(case[:, None], t["shift_EAE"].to_numpy()[None, :], 0.0)
    obs = ~np.isnan(moved)
    np.testing.assert_allclose(moved[obs], expect[obs], atol=1e-12)
    np.testing.assert_array_equal(np.isnan(moved), np.isnan(real))        # missing stays missing
    # the shift is the stated number of the feature's SDs (analysis scale, the rows used)
    sd = np.nanstd(np.log10(real), axis=0, ddof=1)
    np.testing.assert_allclose(t["shift_EAE"], t["effect_size"] * sd, rtol=1e-10)
    assert (t.loc[t.true_effect, "effect_size"].abs() > 0).all()


def test_plasmode_is_seeded_and_checks_its_settings(raw):
    a = make_plasmode(raw, {"n_effects": 5}, transform="log10", seed=7)
    b = make_plasmode(raw, {"n_effects": 5}, transform="log10", seed=7)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    with pytest.raises(InputError, match="plasmode.n_effects"):
        make_plasmode(raw, {"n_effects": 63}, seed=0)
    with pytest.raises(InputError, match="plasmode.groups.*asks? for 40"):
        make_plasmode(raw, {"groups": [20, 20]}, seed=0)
    with pytest.raises(InputError, match="plasmode.affected"):
        make_plasmode(raw, {"affected": ["control", "EAE", "EAE_fingolimod"]}, seed=0)


def test_constant_features_never_carry_a_spiked_effect():
    df = pd.DataFrame({"sample_id": list("abcdef"), "group": list("xxxyyy"),
                       "f1": [1, 2, 3, 4, 5, 6.0], "f2": [5.0] * 6})
    for seed in range(5):
        _, truth = make_plasmode(df, {"n_effects": 1}, seed=seed)
        assert truth.set_index("feature")["true_effect"].to_dict() == {"f1": True, "f2": False}
    with pytest.raises(InputError, match="only 1 features vary"):
        make_plasmode(df, {"n_effects": 2}, seed=0)


def test_eae_realism_reference_is_computed_from_the_data(eae_dir, raw):
    """The built-in EAE reference values are what realism.statistics gives on the real table
    (log10, blocks by tissue; Šidák fraction from the reference test on the imputed matrix)."""
    logged = raw.copy()
    feats = list(raw.columns[2:])
    logged[feats] = np.log10(raw[feats])
    authors = _eae(eae_dir, "authors")
    X, y, f = io.split(authors)
    uni = reference.univariate(X, y, f)
    got = realism.statistics(logged, realism.prefix_blocks(feats), uni)
    ref = realism.REFERENCES["eae_lipidomics"]
    assert set(got) == set(ref)
    for k in ref:
        assert got[k] == pytest.approx(ref[k], abs=5e-4), k


def test_realism_compare_flags_what_lies_outside_the_tolerance():
    ref = {"mean_abs_r_within_blocks": 0.3, "kurtosis_q90": 2.0, "missing_fraction": 0.05}
    obs = {"mean_abs_r_within_blocks": 0.44, "kurtosis_q90": 3.2, "missing_fraction": 0.05}
    t = realism.compare(obs, ref).set_index("statistic")
    assert t.loc["mean_abs_r_within_blocks", "within_tolerance"]          # 47 % off
    assert not t.loc["kurtosis_q90", "within_tolerance"]                    # 60 % off
    assert t.loc["missing_fraction", "relative_difference"] == 0
    # on constructed data: one block of perfectly correlated features, detection-limit gaps
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200)
    df = pd.DataFrame({"sample_id": [str(i) for i in range(200)], "group": ["a", "b"] * 100,
                       "A_1": z, "A_2": 2 * z + 1, "B_1": rng.standard_normal(200)})
    df.loc[df["A_1"] < -1.5, "A_1"] = np.nan
    s = realism.statistics(df, realism.prefix_blocks(df.columns[2:]))
    assert s["mean_abs_r_within_blocks"] == pytest.approx(1.0)
    assert s["missing_fraction"] == pytest.approx(df["A_1"].isna().sum() / 600)


def test_config_rejects_an_unknown_realism_reference():
    cfg = {"datasets": {"s": {"source": "simulate_lipidomics", "realism": {"reference": "eae"}}}}
    with pytest.raises(InputError, match="datasets.s.realism.reference"):
        oc.validate_config(cfg)
    ok = {"datasets": {"s": {"source": "simulate_lipidomics"},
                       "p": {"source": "plasmode", "table": "x.csv", "realism": {"reference": "s"}}}}
    oc.validate_config(ok)
    assert oc.dataset(ok, "s")["realism"]["reference"] == "eae_lipidomics"     # auto
    assert oc.dataset(ok, "p")["plasmode"]["n_effects"] == 0


@pytest.mark.slow
def test_workflow_plasmode_and_realism(eae_dir, tmp_path):
    """A real snakemake run: a plasmode of the EAE table and of a user's CSV, the lipidomics
    simulator, and their realism checks (against the built-in EAE reference and against
    another dataset of the same config)."""
    from conftest import explain, run_snakemake, tiny_settings, write_yaml

    rng = np.random.default_rng(2)
    user = pd.DataFrame(rng.lognormal(2, 0.4, (20, 6)), columns=[f"PL_x{j}" for j in range(6)])
    user.iloc[3, 2] = np.nan
    user.insert(0, "Diagnosis", ["a"] * 10 + ["b"] * 10)
    user.insert(0, "Mouse", [f"M{i}" for i in range(20)])
    user.to_csv(tmp_path / "mine.csv", index=False)
    before = (tmp_path / "mine.csv").read_bytes()
    cfg = {"seed": 3, "datasets": {
        "pl_eae": {"source": "plasmode", **tiny_settings(),
                   "plasmode": {"base": "eae_lipidomics", "n_effects": 6,
                                "effect_size": {"distribution": "fixed", "value": 2.0}}},
        "pl_user": {"source": "plasmode", "table": "mine.csv", "id_column": "Mouse",
                    "group_column": "Diagnosis", "transform": "log2", **tiny_settings(),
                    "plasmode": {"n_effects": 0}, "realism": {"reference": "sim"}},
        "sim": {"source": "simulate_lipidomics", **tiny_settings()}}}
    path = write_yaml(tmp_path / "p.yaml", cfg)
    targets = [f"results/{d}/input/realism.tsv" for d in ("pl_eae", "pl_user", "sim")]
    proc = run_snakemake(tmp_path, *targets, "--cores", "2", "-q", "--config", f"eae_dir={eae_dir}",
                         configfile=path, timeout=300)
    assert proc.returncode == 0, explain(proc, tmp_path)
    assert (tmp_path / "mine.csv").read_bytes() == before                   # input untouched
    res = tmp_path / "results"
    truth = pd.read_csv(res / "pl_eae" / "input" / "truth.tsv", sep="\t")
    assert int(truth["true_effect"].sum()) == 6 and set(truth.loc[truth.true_effect, "effect_size"].abs()) == {2.0}
    samples = io.read_samples(res / "pl_eae" / "input" / "samples.tsv")
    assert samples["group"].value_counts().to_dict() == {"control": 10, "EAE": 8, "EAE_fingolimod": 8}
    assert int(samples.iloc[:, 2:].isna().sum().sum()) == 85
    for d, source in (("pl_eae", "eae_lipidomics"), ("sim", "eae_lipidomics"), ("pl_user", "sim")):
        r = pd.read_csv(res / d / "input" / "realism.tsv", sep="\t")
        assert set(r["statistic"]) == set(realism.STATISTICS), d
        assert (r["reference_source"] == source).all(), d
    # the EAE plasmode keeps the EAE table's own correlation, tails and missingness
    r = pd.read_csv(res / "pl_eae" / "input" / "realism.tsv", sep="\t").set_index("statistic")
    for k in ("mean_abs_r_within_blocks", "missing_fraction", "missing_vs_mean_spearman"):
        assert r.loc[k, "relative_difference"] < 0.2, k


def _baseline_eq_n(X, y, mask, name, seed=11):
    """The unaugmented baseline's equivalent n at 6 per group (10 draws, a pooled null of 200
    runs) on its power curve against ``mask`` (3-8 per group), as the calibration report
    computes it, capped where the reference is made of the same animals."""
    from omicsaug.design import Design, draw_indices
    from omicsaug.evaluation import power
    from omicsaug.evaluation.calibration import permuted_labels
    from omicsaug.evaluation.reference import anova_stat

    curve = power.CurveBootstrap(*power.baseline_power_curve(
        X, y, mask, [3, 4, 5, 6, 7, 8], draws=40, n_null=400, base_seed=seed, return_null=True))
    d = Design("n6", "sample_size", tuple(range(1, 11)), n_per_group=6)
    df = pd.DataFrame({"group": y})
    idx = {s: draw_indices(df, d, s, seed + 1) for s in d.seeds}
    maxima = np.array([anova_stat(X[idx[s]], permuted_labels(y[idx[s]], seed, "n6", s, r)).max()
                       for r in range(1, 201) for s in [d.seeds[(r - 1) % 10]]])
    stats = pd.DataFrame([anova_stat(X[idx[s]], y[idx[s]])[mask] for s in d.seeds], index=d.seeds)
    pb = power.PowerBootstrap(stats, [maxima] * 10)
    return power.equivalent_n(curve, pb.power(), 1000, np.random.default_rng(1),
                              pb.mean_replicates(1000, np.random.default_rng(2)),
                              max_n=power.curve_limit(name, 6))


def test_spiked_plasmode_equivalent_n_against_truth_and_reference_agree(raw):
    """config/eae.yaml's spiked plasmode (26 real mice, 10 lipids shifted by log-normal sizes,
    median 1.5 SD): the unaugmented baseline's equivalent n at 6 per group against the truth
    and against the workflow's reference for a real table (the full-data Šidák set, curve
    capped at the design's n) agree within their intervals, and both hold 6."""
    settings = {"n_effects": 10, "effect_size": {"distribution": "lognormal", "median": 1.5, "sigma": 0.5}}
    table, truth = make_plasmode(raw, settings, transform="log10", seed=4)
    feats = list(raw.columns[2:])
    X = np.log10(table[feats].to_numpy(float))
    X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    y = table["group"].astype(str).to_numpy()
    p = reference.anova_stat(X, y)
    sidak = 10.0 ** -p < 1 - 0.95 ** (1 / len(feats))
    assert sidak.sum() >= 3
    eq_t = _baseline_eq_n(X, y, truth["true_effect"].to_numpy(bool), "truth")
    eq_r = _baseline_eq_n(X, y, sidak, "sidak")
    for eq in (eq_t, eq_r):
        assert eq["equivalent_n_lo"] <= 6 <= eq["equivalent_n_hi"], (eq_t, eq_r)
    assert eq_t["equivalent_n_lo"] <= eq_r["equivalent_n_hi"] and eq_r["equivalent_n_lo"] <= eq_t["equivalent_n_hi"]
    assert eq_r["equivalent_n_hi"] <= 6 and eq_t["equivalent_n_hi"] > 6     # capped / not capped
