"""Calibrated discoveries: known answers, exactness on true nulls, duplication, equivalent n."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from omicsaug.augment import augment_design, method_spec
from omicsaug.design import Design, draw_subsets
from omicsaug.evaluation import calibration as cal
from omicsaug.evaluation import power, recovery
from omicsaug.evaluation.reference import anova_stat
from omicsaug.simulate import simulate_lipidomics

QUIET = logging.getLogger("omicsaug.test_calibration")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False
SIDAK_62 = -math.log10(1 - 0.95 ** (1 / 62))     # 3.08: the analytic per-test threshold


# ------------------------------------------------------------------------ known answers
def test_critical_value_and_adjusted_pvalues_agree():
    # N = 19 null maxima 1..19: the 19th smallest (19) is critical; N = 18 is too few at 5 %
    assert cal.critical_value(np.arange(1, 20), 0.05) == 19
    assert cal.critical_value(np.arange(1, 19), 0.05) == np.inf
    assert cal.critical_value(np.arange(1, 100), 0.05) == 95   # ceil(0.95 * 100)
    np.testing.assert_allclose(cal.fwer_pvalues([0.5, 2.5, 4, 5], [1, 2, 3, 4]),
                               [5 / 5, 3 / 5, 2 / 5, 1 / 5])
    np.testing.assert_allclose(cal.pooled_pvalues([2, 9], [[1, 2], [3, 4]]), [4 / 5, 1 / 5])
    # "statistic above the critical value" is exactly "adjusted p <= alpha"
    rng = np.random.default_rng(0)
    for n in (19, 20, 57, 100, 399):
        maxima = rng.gumbel(size=n).round(2)           # ties included
        stat = np.r_[rng.gumbel(size=200).round(2), maxima]
        for a in (0.05, 0.1):
            np.testing.assert_array_equal(stat > cal.critical_value(maxima, a),
                                          cal.fwer_pvalues(stat, maxima) <= a + 1e-12)


def test_null_plan_pooling_chunks_and_labels():
    pooled = cal.null_plan([1, 2, 3], 5, "auto")
    assert pooled["seed"].tolist() == [1, 2, 3, 1, 2] and pooled["null_run"].tolist() == [1, 2, 3, 4, 5]
    single = cal.null_plan([7], 4, "auto")                     # one subset: per-subset
    assert single["seed"].tolist() == [7] * 4
    per = cal.null_plan([1, 2], 3, "per_subset")
    assert len(per) == 6 and per.groupby("seed").size().tolist() == [3, 3]
    parts = [cal.chunk_of(pooled, k, 3) for k in (1, 2, 3)]
    pd.testing.assert_frame_equal(pd.concat(parts), pooled)
    y = np.repeat(["a", "b", "c"], 4)
    p1 = cal.permuted_labels(y, 42, "n6", 1, 1)
    assert sorted(p1) == sorted(y) and not (p1 == y).all()
    np.testing.assert_array_equal(p1, cal.permuted_labels(y, 42, "n6", 1, 1))
    assert not (p1 == cal.permuted_labels(y, 42, "n6", 1, 2)).all()
    with pytest.raises(ValueError, match="pooling"):
        cal.null_plan([1], 3, "sometimes")


def test_fdr_decisions_known_answer():
    t = pd.DataFrame({"feature": ["a", "b", "c", "d", "a__perm"], "perm": [False] * 4 + [True],
                      "p_perm": [0.001, 0.02, 0.03, 0.5, 0.015]})
    out = cal.fdr_decisions(t, alpha=0.05)
    # BH over the 4 originals: 0.004, 0.04, 0.04, 0.5 -> a, b, c rejected (p up to 0.03)
    np.testing.assert_allclose(out["q_fdr"][:4], [0.004, 0.04, 0.04, 0.5])
    assert out["significant_fdr"].tolist() == [True, True, True, False, True]


def test_invert_curve_and_equivalent_n():
    ns, p = [3, 4, 6, 8], [0.1, 0.2, 0.6, 0.8]
    assert power.invert_curve(ns, p, 0.4) == (5.0, "")           # halfway between 4 and 6
    assert power.invert_curve(ns, p, 0.6) == (6.0, "")
    assert power.invert_curve(ns, p, 0.05) == (3.0, "below")
    assert power.invert_curve(ns, p, 0.9) == (8.0, "above")
    assert power.invert_curve(ns, [0.1, 0.3, 0.2, 0.5], 0.25) == (3.75, "")   # made monotone
    curve = pd.DataFrame({"n_per_group": np.repeat(ns, 3), "power": np.repeat(p, 3)})
    eq = power.equivalent_n(curve, [0.4, 0.4, 0.4], n_boot=200, rng=0)
    assert eq["equivalent_n"] == eq["equivalent_n_lo"] == eq["equivalent_n_hi"] == 5.0


def test_holm_bootstrap_p_and_min_null_runs_known_answers():
    from omicsaug.evaluation import verdict

    np.testing.assert_allclose(verdict.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(verdict.holm([0.5, 0.001]), [0.5, 0.002])
    # 999 replicates above 0, one at 0: (1 + 1) / 1000 each side... the smaller, doubled
    assert verdict.bootstrap_p(np.r_[0.0, np.ones(998)]) == pytest.approx(2 * 2 / 1000)
    assert verdict.bootstrap_p(np.zeros(500)) == 1.0          # all at 0: both sides
    assert [verdict.min_null_runs(a) for a in (0.05, 0.1, 0.01)] == [19, 9, 99]


def _test(diff, reps, n_reference=5, n_null=100, n_subsets=None):
    d = np.atleast_1d(np.asarray(diff, float))
    return {"diff": d, "replicates": np.asarray(reps, float), "n_reference": n_reference,
            "n_null": n_null, "n_subsets": n_subsets or len(d)}


def test_decide_each_verdict_and_its_rule():
    """gains / loses where Holm's p <= alpha; no gain only where the simultaneous interval
    rules out a gain of the margin; undecidable otherwise, and where the test cannot work."""
    from omicsaug.evaluation import verdict

    rng = np.random.default_rng(0)
    tests = {"up": _test(0.3, rng.normal(0.3, 0.05, 2000)),
             "down": _test(-0.3, rng.normal(-0.3, 0.05, 2000)),
             "flat": _test(0.0, rng.normal(0.0, 0.02, 2000)),
             "wide": _test(0.0, rng.normal(0.0, 0.3, 2000)),
             "few_nulls": _test(0.3, rng.normal(0.3, 0.05, 2000), n_null=10),
             "no_reference": _test(0.0, np.zeros(2000), n_reference=0)}
    out = verdict.decide(tests, alpha=0.05, margin=0.1)
    assert {k: v["verdict"] for k, v in out.items()} == {
        "up": "gains", "down": "loses", "flat": "no gain", "wide": "undecidable",
        "few_nulls": "undecidable", "no_reference": "undecidable"}
    assert "at least 19" in out["few_nulls"]["verdict_test"]
    # Holm over the four testable verdicts; the interval is simultaneous at 1 - 0.05 / 4
    assert "Holm over 4 verdict(s)" in out["up"]["verdict_rule"] and "98.8 %" in out["up"]["verdict_rule"]
    assert out["up"]["verdict_p"] <= 0.05 and out["flat"]["verdict_p"] > 0.05
    assert out["up"]["power_diff_lo"] > 0 and out["wide"]["power_diff_hi"] > 0.1
    # the same "up" alone among many flat verdicts: Holm raises its p
    many = {i: _test(0.0, rng.normal(0, 0.02, 2000)) for i in range(30)}
    weak = verdict.decide({"up": _test(0.05, rng.normal(0.05, 0.022, 2000)), **many})["up"]
    alone = verdict.decide({"up": _test(0.05, rng.normal(0.05, 0.022, 2000))})["up"]
    assert alone["verdict"] == "gains" and weak["verdict"] != "gains"


def test_critical_replicates_reach_above_the_null_maximum():
    """At 20 null runs the critical value is the sample maximum; its plausible true values
    reach above it (a plain bootstrap never could) and cover the true 95 % point of the
    maxima in about 95 % of nulls (Gumbel maxima of 62 exponential statistics)."""
    rng = np.random.default_rng(1)
    big = rng.exponential(1 / np.log(10), (100_000, 62)).max(axis=1)
    q = np.quantile(big, 0.95)
    covered = 0
    for k in range(200):
        m = rng.exponential(1 / np.log(10), (20, 62)).max(axis=1)
        c = power.critical_replicates(m, 0.05, 400, rng)
        assert c.max() > m.max()
        lo, hi = np.percentile(c, [2.5, 97.5])
        covered += lo <= q <= hi
    assert 0.82 <= covered / 200 <= 1.0
    assert (power.critical_replicates(np.arange(10.0), 0.05, 50, rng) == np.inf).all()   # too few


def test_aa_identical_methods_get_no_verdict_from_noise():
    """A small A/A (the benchmark's study at 200 replicates): two methods with identical
    statistics and independent nulls of 20 runs, on one subset and on 10 subsets, get
    ``gains`` or ``loses`` at most at the nominal rate (0.05 + 2 SE); the previous rule (plain
    bootstrap of the maxima, McNemar on one subset) gave 16-36 % here."""
    from omicsaug.evaluation.aa import aa_study

    for seeds in (1, 10):
        r = aa_study(62, 20, seeds, 200, n_boot=500)
        assert r["spurious_rate"] <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / 200), r


def test_a_real_gain_is_found_and_copies_are_not_told_apart():
    """Known answer: a method whose statistics are larger by 1.5 on every subset, judged against
    a null like the baseline's, gains; a copy of the baseline with its own null does not."""
    from omicsaug.evaluation import verdict

    rng = np.random.default_rng(3)
    seeds = np.arange(1, 11)
    base = pd.DataFrame(rng.normal(2.8, 1.0, (10, 40)), index=seeds)
    null = lambda: [rng.exponential(1 / np.log(10), (100, 62)).max(axis=1)] * 10   # noqa: E731
    b = power.PowerBootstrap(base, null())
    better = power.PowerBootstrap(base + 1.5, null())
    copy = power.PowerBootstrap(base, null())
    tests = {k: verdict.paired_replicates(m, b, 1000, np.random.default_rng(4), 100)
             for k, m in (("better", better), ("copy", copy))}
    out = verdict.decide(tests)
    assert out["better"]["verdict"] == "gains" and out["better"]["power_diff_lo"] > 0
    assert out["copy"]["verdict"] in ("no gain", "undecidable")
    assert out["copy"]["power_diff_lo"] <= 0 <= out["copy"]["power_diff_hi"]


# ---------------------------------------------------------------- the whole pipeline
def _pool(n_per_group, n_effects, seed, blocks=None):
    # graded moderate effects (d from 0.6 to 2.6): some found at 6 per group, some not
    tab, truth = simulate_lipidomics(n_per_group=n_per_group, n_effects=n_effects, missing_rate=0,
                                     seed=seed, blocks=blocks,
                                     effect_size={"distribution": "uniform", "low": 0.6, "high": 2.6})
    tab = tab.rename(columns={tab.columns[0]: "sample_id", tab.columns[1]: "group"})
    tab.iloc[:, 2:] = np.log10(tab.iloc[:, 2:].to_numpy(float))
    return tab, truth




def test_null_runs_do_not_depend_on_chunks_or_batches():
    tab, _ = _pool((12, 12, 12), 0, 3, blocks={"A": 6, "B": 4})
    d = Design("n4", "sample_size", (1, 2, 3), n_per_group=4)
    subsets = draw_subsets(tab, d, base_seed=5)
    spec = method_spec({"methods": {"smote": {}}}, "smote")
    plan = cal.null_plan(d.seeds, 7, "auto")
    whole = cal.null_statistics(subsets, spec, 5, "n4", plan, True, batch=25, log=QUIET)
    parts = pd.concat([cal.null_statistics(subsets, spec, 5, "n4", cal.chunk_of(plan, k, 3), True,
                                           batch=2, log=QUIET) for k in (1, 2, 3)], ignore_index=True)
    feats = cal.null_features(whole)
    assert feats == list(tab.columns[2:])               # original features only, no __perm
    np.testing.assert_array_equal(whole[feats].to_numpy(), parts[feats].to_numpy())
    assert (whole[feats].to_numpy() > 0).all()


def test_calibration_is_exact_on_a_complete_null():
    """No effect anywhere (62 lipids, 3 groups): 100 random draws of 6 per group, each method
    judged against a pooled null of its own (negative controls on, as in the workflow). The
    calibrated family-wise error stays within alpha + 2 SE for every method, while the naive
    protocol's error on the same null runs stays >= 0.7 for the methods that add rows."""
    tab, _ = _pool((100, 100, 100), 0, 1)
    d = Design("n6", "sample_size", tuple(range(1, 101)), n_per_group=6)
    subsets = draw_subsets(tab, d, base_seed=1)
    features = list(tab.columns[2:])
    bound = 0.05 + 2 * math.sqrt(0.05 * 0.95 / len(d.seeds))
    methods = {"none": {}, "random_oversampling": {}, "smote": {}, "gmm": {},
               "genesom": {"params": {"radius": 1.355932203, "epochs": 0, "lines": 10, "columns": 16}}}
    n_null = {"none": 400, "random_oversampling": 400, "smote": 400, "gmm": 100, "genesom": 200}
    found = {}
    for m in methods:
        spec = method_spec({"methods": methods}, m)
        null = cal.NullDistribution(cal.null_statistics(
            subsets, spec, 1, "n6", cal.null_plan(d.seeds, n_null[m], "auto"), True, log=QUIET),
            "pooled")
        aug = augment_design(subsets, spec, 1, "n6", True, log=QUIET)
        fwe = np.mean([null.judge(anova_stat(t[features].to_numpy(float), t["group"].to_numpy()), s)
                       ["significant_fwer"].any() for s, t in aug.groupby("seed")])
        found[m] = (fwe, null.naive_error()["naive_familywise_error"])
    for m, (fwe, naive) in found.items():
        assert fwe <= bound, (m, found)
    for m in ("random_oversampling", "smote", "gmm"):
        assert found[m][1] >= 0.7, (m, found)           # the naive inflation stays visible
    assert found["none"][1] <= bound                    # and is absent without augmentation


def test_max_t_without_augmentation_matches_sidak():
    """With independent features and no augmentation the max-T critical value is the Šidák
    threshold (-log10 p = 3.08 for 62 features at alpha 0.05)."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((18, 62))
    sub = pd.DataFrame(X, columns=[f"f{j}" for j in range(62)])
    sub.insert(0, "group", np.repeat(["a", "b", "c"], 6))
    sub.insert(0, "sample_id", [f"s{i}" for i in range(18)])
    sub.insert(0, "seed", 1)
    spec = method_spec({"methods": {"none": {}}}, "none")
    null = cal.null_statistics(sub, spec, 0, "first6", cal.null_plan([1], 3000, "auto"), log=QUIET)
    crit = cal.NullDistribution(null, "per_subset").critical(1)
    assert abs(crit - SIDAK_62) < 0.12, crit


def test_exact_duplication_has_the_calibrated_discoveries_of_no_augmentation():
    tab, truth = _pool((30, 30, 30), 20, 2)
    d = Design("n6", "sample_size", tuple(range(1, 9)), n_per_group=6)
    subsets = draw_subsets(tab, d, base_seed=2)
    ref = pd.DataFrame({"feature": truth["feature"], "significant_sidak": truth["true_effect"],
                        "significant_raw": truth["true_effect"]})
    methods = {"none": {}, "duplicate": {}}
    pf = {}
    for m in methods:
        spec = method_spec({"methods": methods}, m)
        null = cal.NullDistribution(cal.null_statistics(
            subsets, spec, 2, "n6", cal.null_plan(d.seeds, 60, "auto"), True, log=QUIET), "pooled")
        aug = augment_design(subsets, spec, 2, "n6", True, log=QUIET)
        summary, pf[m] = recovery.recovery(aug, ref, "n6", m, null=null, truth=truth)
        naive = summary[(summary.test == "naive") & (summary.reference == "sidak")]
        pf[m]["naive_found"] = naive["significant"].sum()
    cols = ["seed", "feature", "significant_fwer", "significant_fdr"]
    pd.testing.assert_frame_equal(pf["none"][cols], pf["duplicate"][cols])
    assert pf["none"]["significant_fwer"].sum() > 0      # something real was found
    # while the naive rule finds many more features on duplicated rows
    assert pf["duplicate"]["naive_found"].iloc[0] > 2 * pf["none"]["naive_found"].iloc[0]


def _equivalent_n_of_none(seed):
    tab, truth = _pool((40, 40, 40), 27, seed)
    X, y = tab.iloc[:, 2:].to_numpy(float), tab["group"].to_numpy()
    mask = truth["true_effect"].to_numpy(bool)
    # 1000 null runs per n, as the workflow's power_curve: the curve's critical values carry
    # little noise (the interval below resamples draws and subsets, not null runs)
    curve = power.baseline_power_curve(X, y, mask, [3, 4, 5, 6, 8, 10], draws=40, n_null=1000,
                                     base_seed=seed, log=QUIET)
    s = power.summarise_curve(curve, 500, rng=0)
    assert (np.diff(s["power"]) > 0).all()                 # power grows with n
    d = Design("n6", "sample_size", tuple(range(1, 41)), n_per_group=6)
    subsets = draw_subsets(tab, d, base_seed=seed)
    spec = method_spec({"methods": {"none": {}}}, "none")
    null = cal.NullDistribution(cal.null_statistics(subsets, spec, seed, "n6",
                                                    cal.null_plan(d.seeds, 1000, "auto"), log=QUIET),
                                "pooled")
    ref = pd.DataFrame({"feature": truth["feature"], "significant_sidak": mask, "significant_raw": mask})
    aug = augment_design(subsets, spec, seed, "n6", False, log=QUIET)
    summary, _ = recovery.recovery(aug, ref, "n6", "none", null=null, truth=truth)
    method_power = summary[(summary.test == "calibrated_fwer") & (summary.reference == "sidak")]["power"]
    return power.equivalent_n(curve, method_power.to_numpy(), n_boot=500, rng=1)


def test_equivalent_n_of_no_augmentation_is_its_own_n():
    """With real effects, the unaugmented method at 6 per group is worth 6 per group: the
    baseline curve (its own random draws) passes through its calibrated power. Two pools:
    each interval holds 6 (a 95 % statement; over pools 1-8, 7 of 8 held it and the points
    averaged 6.02), and the points lie close to 6."""
    eqs = [_equivalent_n_of_none(seed) for seed in (1, 3)]
    for eq in eqs:
        assert eq["censored"] == "" and eq["equivalent_n_lo"] <= 6 <= eq["equivalent_n_hi"], eq
        assert eq["equivalent_n_hi"] - eq["equivalent_n_lo"] < 2
    assert abs(np.mean([eq["equivalent_n"] for eq in eqs]) - 6) < 0.5


# ------------------------------------------------------------------ a real snakemake run
CAL_CFG = {
    "seed": 3,
    "alpha": 0.05,
    "augmentation": {"amount": {"mode": "ratio", "ratio": 1}, "negative_controls": True},
    "calibration": {"n_null": 19, "chunks": 2,
                    "power_curve": {"n_per_group": [3, 4, 6, 8], "draws": 6, "n_null": 19}},
    "methods": {"none": {}, "duplicate": {},
                # augmented at the level the error-inflation control chooses per subset
                "ro_ctl": {"generator": "random_oversampling", "amount": {"mode": "error_control"}}},
    "error_control": {"levels": [0, 1], "n_seeds": 4, "subsets": 2, "n_boot": 1000,
                      "boruta": {"alpha": 0.05, "max_iter": 8, "n_estimators": 20}},
    "datasets": {"sim": {
        "source": "simulate_lipidomics",
        "simulate": {"n_per_group": [12, 12, 12]},
        "designs": [{"type": "first_n", "n_per_group": 6},
                    {"type": "sample_size", "n_per_group": 6, "seeds": 3}],
    }},
}


@pytest.mark.slow
def test_calibration_workflow(tmp_path):
    from conftest import explain, run_snakemake, tiny_settings, write_yaml

    cfg = {**CAL_CFG, "datasets": {"sim": {**CAL_CFG["datasets"]["sim"], **tiny_settings()}}}
    path = write_yaml(tmp_path / "cal.yaml", cfg)
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", configfile=path, timeout=400)
    assert proc.returncode == 0, explain(proc, tmp_path)
    res = tmp_path / "results" / "sim"
    cal_t = pd.read_csv(res / "report" / "calibration.tsv", sep="\t")
    for col in ("design", "method", "n_null", "critical_fwer", "naive_familywise_error",
                "naive_false_per_run", "naive_feature_error", "seconds", "verdict", "equivalent_n",
                "equivalent_n_lo", "equivalent_n_hi", "power_calibrated", "power_naive"):
        assert col in cal_t.columns, col
    assert len(cal_t) == 2 * 3 and (cal_t["n_null"] == 19).all()
    assert dict(zip(cal_t["design"], cal_t["pooling"])) == {"first6": "per_subset", "n6": "pooled"}
    by = cal_t.set_index(["design", "method"])
    assert by.loc[("n6", "none"), "verdict"] == "baseline"
    assert set(cal_t["verdict"]) <= {"baseline", "gains", "no gain", "loses", "undecidable"}
    assert {"verdict_p", "verdict_rule"} <= set(cal_t.columns)
    # the naive rule's error, measured on the null runs: inflated by copies, not without them
    for d in ("first6", "n6"):
        assert by.loc[(d, "duplicate"), "naive_false_per_run"] > by.loc[(d, "none"), "naive_false_per_run"]
        assert by.loc[(d, "duplicate"), "critical_fwer"] > by.loc[(d, "none"), "critical_fwer"]
    # two chunk files per cell, 19 null runs between them
    nulls = sorted((res / "calibration" / "n6" / "duplicate").glob("null_*.tsv.gz"))
    assert [p.name for p in nulls] == ["null_1.tsv.gz", "null_2.tsv.gz"]
    assert sum(len(pd.read_csv(p, sep="\t")) for p in nulls) == 19
    log = (tmp_path / "logs/sim/calibration/n6/duplicate/null_1.log").read_text()
    assert "null runs 10/10" in log

    rec = pd.read_csv(res / "report" / "recovery.tsv", sep="\t")
    assert set(rec["test"]) == {"naive", "calibrated_fwer", "calibrated_fdr"}
    key = ["design", "seed", "test", "reference"]
    cal_rows = rec[rec.test != "naive"].set_index(["method"] + key).sort_index()
    # exact duplication: the calibrated answer of no augmentation, while the naive one differs
    cols = ["recovered", "missed", "invented", "power", "perm_significant"]
    pd.testing.assert_frame_equal(cal_rows.loc["duplicate", cols], cal_rows.loc["none", cols])
    naive = rec[rec.test == "naive"].groupby("method")["significant"].mean()
    assert naive["duplicate"] > naive["none"]
    summ = pd.read_csv(res / "report" / "recovery_summary.tsv", sep="\t")
    assert list(summ.columns[:4]) == ["design", "method", "test", "reference"]
    freq = pd.read_csv(res / "report" / "feature_frequency.tsv", sep="\t")
    assert set(freq["test"]) == {"naive", "calibrated_fwer", "calibrated_fdr"}
    curve = pd.read_csv(res / "reference" / "power_curve.tsv", sep="\t")
    assert curve["n_per_group"].tolist() == [3, 4, 6, 8] and (curve["power_reference"] == "truth").all()
    for d in ("first6", "n6"):
        for f in ("calibrated_power.png", "recovery_heatmap.png"):
            assert (res / "report" / d / f).read_bytes()[:4] == b"\x89PNG", (d, f)
    # the error control's choice drives the augmentation: per controlled subset its own level,
    # the smallest of them for the subset it did not control (n6 has 3 seeds, 2 controlled)
    import json

    dec = json.loads((res / "error_control" / "n6" / "ro_ctl.json").read_text())
    assert sorted(dec["per_seed"]) == ["1", "2"] and dec["rule"] == "calibrated"
    aug = pd.read_csv(res / "augmented" / "n6" / "ro_ctl.tsv", sep="\t")
    for seed in (1, 2, 3):
        level = dec["per_seed"].get(str(seed), dec["chosen_level"])
        assert aug[aug.seed == seed]["synthetic"].sum() == level * 18, (seed, dec["per_seed"])
    assert (res / "error_control" / "first6" / "ro_ctl.png").read_bytes()[:4] == b"\x89PNG"
    again = run_snakemake(tmp_path, "-n", configfile=path, timeout=120)
    assert "Nothing to be done" in again.stdout + again.stderr, explain(again)


def test_power_bootstrap_carries_the_null_runs_error():
    """The critical value of N null runs is an estimate: replicates move the power even when
    the subsets are fixed; a pooled null shares one critical value per replicate."""
    rng = np.random.default_rng(0)
    null = pd.DataFrame(rng.gumbel(size=(100, 3)) + 1, columns=["a", "b", "c"])
    null.insert(0, "null_run", range(1, 101))
    null.insert(0, "seed", 1)
    nd = cal.NullDistribution(null, "pooled")
    crit = nd.critical()
    # two subsets; feature stats straddling the critical value
    stats = pd.DataFrame({"a": [crit + 0.05, crit - 0.05], "b": [crit + 2, crit + 2]}, index=[1, 2])
    pb = power.PowerBootstrap(stats, [nd.maxima] * 2)
    np.testing.assert_array_equal(pb.power(), [1.0, 0.5])
    reps = pb.replicates(300, np.random.default_rng(1))
    assert reps.shape == (300, 2)
    assert reps.mean(axis=1).min() < 0.75 < reps.mean(axis=1).max()   # the null's error shows
    # one critical value per replicate for both subsets: feature a flips together
    assert ((reps[:, 0] == 0.5) <= (reps[:, 1] == 0.5)).all()


def _copies_cell(tab, design, methods, n_null, seed):
    """Per method: a PowerBootstrap of its calibrated power on the design's subsets (statistics
    of the true-effect lipids on the augmented table, its own null of ``n_null`` runs)."""
    subsets = draw_subsets(tab, design, base_seed=seed)
    feats = [c for c in subsets.columns if c not in ("seed", "sample_id", "group", "synthetic", "parent")]
    out = {}
    for name, gen in methods.items():
        spec = method_spec({"methods": {name: {"generator": gen}}}, name)
        aug = augment_design(subsets, spec, seed, design.name, False, log=QUIET)
        stats = {s: anova_stat(t[feats].to_numpy(float), t["group"].to_numpy())
                 for s, t in aug.groupby("seed", sort=True)}
        plan = cal.null_plan(design.seeds, n_null, "auto")
        nd = cal.NullDistribution(cal.null_statistics(subsets, spec, seed, design.name, plan, log=QUIET),
                                  cal.resolve_pooling(len(design.seeds)))
        out[name] = (pd.DataFrame.from_dict(stats, orient="index", columns=feats), nd)
    return feats, out


def test_copies_of_one_generator_are_not_told_apart_at_20_null_runs():
    """Issue 28's case: random oversampling and SMOTE under other names (other random streams)
    at 20 null runs, on one subset (per-subset null) and on 10 draws (pooled): no copy gains or
    loses against another, every power-difference interval holds 0, and the copies'
    equivalent-n intervals overlap (the old rule gave one RO copy 8.0 (7.0-8.0) animals and
    another 3.0 (3.0-3.0) on the EAE first-6 subset)."""
    from omicsaug.evaluation import verdict

    tab, truth = _pool((13, 13, 13), 10, 5)
    mask = truth["true_effect"].to_numpy(bool)
    X, y = tab.iloc[:, 2:].to_numpy(float), tab["group"].to_numpy()
    curve = power.CurveBootstrap(*power.baseline_power_curve(X, y, mask, [3, 4, 5, 6, 8], draws=20,
                                                             n_null=200, base_seed=5, log=QUIET,
                                                             return_null=True))
    methods = {"ro1": "random_oversampling", "ro2": "random_oversampling", "ro3": "random_oversampling",
               "sm1": "smote", "sm2": "smote"}
    for design in (Design("first6", "first_n", (1,), n_per_group=6),
                   Design("n6", "sample_size", tuple(range(1, 11)), n_per_group=6)):
        feats, cells = _copies_cell(tab, design, methods, 20, 5)
        ref = [f for f, m in zip(feats, mask) if m]
        boots = {m: power.PowerBootstrap(st[ref], [nd.maxima] * len(st) if nd.pooling == "pooled"
                                         else [nd.maxima], nd.alpha) for m, (st, nd) in cells.items()}
        for family in (("ro1", "ro2", "ro3"), ("sm1", "sm2")):
            tests = {(a, b): verdict.paired_replicates(boots[a], boots[b], 1000,
                                                       np.random.default_rng(7), 20)
                     for i, a in enumerate(family) for b in family[i + 1:]}
            out = verdict.decide(tests)
            for key, v in out.items():
                assert v["verdict"] in ("no gain", "undecidable"), (design.name, key, v)
                assert v["power_diff_lo"] <= 0 <= v["power_diff_hi"], (design.name, key, v)
            eqs = [power.equivalent_n(curve, boots[m].power(), 500, np.random.default_rng(8),
                                      boots[m].mean_replicates(500, np.random.default_rng(9)))
                   for m in family]
            assert max(e["equivalent_n_lo"] for e in eqs) <= min(e["equivalent_n_hi"] for e in eqs), \
                (design.name, eqs)
