"""Significance recovery: recovered / missed / invented on constructed data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omicsaug.evaluation import recovery


def test_compare_sets_counts():
    r = recovery.compare_sets(found={"a", "b", "x"}, reference={"a", "b", "c", "d"}, n_features=10)
    assert (r["recovered"], r["missed"], r["invented"]) == (2, 2, 1)
    assert r["recovery_rate"] == 0.5 and r["false_negative_rate"] == 0.5
    assert r["false_positive_rate"] == pytest.approx(1 / 6)
    empty = recovery.compare_sets(set(), set(), 5)
    assert np.isnan(empty["recovery_rate"]) and empty["false_positive_rate"] == 0


def _table(effects, n=10, seeds=(1, 2), perm=False, rng=None):
    """Two groups; feature j shifted by effects[j] (in sd units) in group b. A zero effect is
    exactly null: group b repeats group a's values, so F = 0 and p = 1."""
    rng = np.random.default_rng(rng)
    rows = []
    for s in seeds:
        X = rng.standard_normal((2 * n, len(effects)))
        null = np.asarray(effects) == 0
        X[n:, null] = X[:n, null]
        X[n:] += np.asarray(effects)
        df = pd.DataFrame(X, columns=[f"f{j}" for j in range(len(effects))])
        if perm:
            for j in range(len(effects)):
                df[f"f{j}__perm"] = rng.permutation(X[:, j])
        df.insert(0, "parent", "")
        df.insert(0, "synthetic", False)
        df.insert(0, "group", ["a"] * n + ["b"] * n)
        df.insert(0, "sample_id", [f"s{i}" for i in range(2 * n)])
        df.insert(0, "seed", s)
        rows.append(df)
    return pd.concat(rows, ignore_index=True)


def test_recovery_known_answer():
    # f0, f1: huge effects (always significant); f2: huge effect but NOT in the reference
    # (so it is "invented"); f3: in the reference but no effect in the data ("missed"); f4: null.
    effects = [6, 6, 6, 0, 0]
    aug = _table(effects, n=15, perm=True, rng=0)
    ref = pd.DataFrame({"feature": [f"f{j}" for j in range(5)],
                        "significant_sidak": [True, True, False, True, False],
                        "significant_raw": [True, True, True, True, False]})
    truth = pd.DataFrame({"feature": ref["feature"], "true_effect": [True, True, True, False, False]})
    summary, pf = recovery.recovery(aug, ref, "d", "m", truth=truth)
    s = summary[summary.reference == "sidak"]
    assert (s["recovered"] == 2).all() and (s["missed"] == 1).all() and (s["invented"] == 1).all()
    r = summary[summary.reference == "raw"]
    assert (r["recovered"] == 3).all() and (r["missed"] == 1).all() and (r["invented"] == 0).all()
    # permuted copies of even a huge effect are not significant, and they are counted apart
    assert (summary["perm_significant"] == 0).all()
    assert set(pf.loc[pf["perm"], "feature"]) == {f"f{j}__perm" for j in range(5)}
    assert (summary["power"] == 1.0).all() and (summary["true_fdr"] == 0).all()
    assert list(summary.columns[:5]) == ["design", "method", "seed", "test", "reference"]
    assert set(summary["test"]) == {"naive"}          # no null runs given: the naive test only


def test_sidak_family_is_the_original_features():
    """Adding permuted copies must not make the correction for the real features stricter."""
    aug = _table([1.2, 0, 0, 0], n=12, seeds=(1,), perm=True, rng=3)
    plain = aug.drop(columns=[c for c in aug if c.endswith("__perm")])
    t_perm = recovery.feature_tests(aug.iloc[:, 5:].to_numpy(), aug["group"].to_numpy(), aug.columns[5:])
    t_plain = recovery.feature_tests(plain.iloc[:, 5:].to_numpy(), plain["group"].to_numpy(), plain.columns[5:])
    np.testing.assert_allclose(t_perm.loc[~t_perm.perm, "p_sidak"].to_numpy(), t_plain["p_sidak"].to_numpy())
    np.testing.assert_allclose(t_plain["p_sidak"], 1 - (1 - t_plain["p"]) ** 4)


def test_no_negative_controls_gives_nan_perm_and_summary():
    aug = _table([5, 0], n=8, seeds=(1, 2, 3), rng=1)
    ref = pd.DataFrame({"feature": ["f0", "f1"], "significant_sidak": [True, False],
                        "significant_raw": [True, False]})
    summary, pf = recovery.recovery(aug, ref, "d", "none")
    assert summary["perm_significant"].isna().all()
    sm = recovery.summarise(summary)
    assert set(sm["reference"]) == {"sidak", "raw"} and (sm["n_seeds"] == 3).all()
    assert set(sm["test"]) == {"naive"}
    assert (sm["recovered_mean"] == 1).all() and (sm["recovered_sd"] == 0).all()
    freq = recovery.feature_frequency(pf)
    assert freq.set_index("feature").loc["f0", "frequency"] == 1.0


def test_missing_reference_feature_is_an_error():
    aug = _table([1, 0], n=5, seeds=(1,), rng=2)
    ref = pd.DataFrame({"feature": ["f0"], "significant_sidak": [True], "significant_raw": [True]})
    with pytest.raises(ValueError, match="f1"):
        recovery.recovery(aug, ref, "d", "m")
