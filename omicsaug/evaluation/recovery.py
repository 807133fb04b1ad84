"""Significance recovery: which reference findings does augmentation recover, which does it invent.

For every (design, method, seed) the augmented table (original + synthetic rows) gets the same
per-feature test as the full-data reference (one-way ANOVA; Welch as configured), judged three
ways (column ``test``):

- ``naive``: the papers' protocol. The ANOVA p of the augmented table, Šidák-adjusted over the
  *original* feature family (m = number of original features, as in the reference); each
  ``<feature>__perm`` negative control is judged with the same m. Synthetic rows count as
  independent samples, so this rule is anti-conservative for every method that adds rows: its
  error on the method's own null runs is reported beside it (:mod:`.calibration`).
- ``calibrated_fwer``: max-T against the method's own permutation null (family-wise error).
- ``calibrated_fdr``: pooled permutation p-values of that null, Benjamini-Hochberg.

Against a reference set R and the set A of features significant after augmentation:
recovered = |A ∩ R|, missed = |R \\ A|, invented = |A \\ R|; recovery rate = recovered / |R|,
false-negative rate = missed / |R|, false-positive rate = invented / (m - |R|). Reference sets
(column ``reference``): ``sidak`` and ``raw`` (Šidák- or raw-significant in the full data, which
contain the subset's own rows) and ``heldout`` (the same ANOVA + Šidák on the samples *not* in
the subset, where every group keeps enough of them). Where the data come with a ground truth
(the simulators), A is also scored against it: ``power`` and the true false-discovery
proportion ``true_fdr`` (the same on every reference row of a test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..table import GROUP, ID, SEED, SYNTHETIC, feature_columns, held_out, is_control
from .reference import adjust, anova, anova_stat

REFERENCE_SETS = {"sidak": "significant_sidak", "raw": "significant_raw"}
#: per-feature decision column of each test
DECISION = {"naive": "significant", "calibrated_fwer": "significant_fwer",
            "calibrated_fdr": "significant_fdr"}


def feature_tests(X, y, features, welch=False, alpha=0.05) -> pd.DataFrame:
    """ANOVA p per column; Šidák/BH over the original features only (perm copies use the same m).
    ``stat`` is -log10 p (:func:`.reference.anova_stat`), the calibrated tests' statistic."""
    features = list(features)
    _, p = anova(X, y, welch=welch)
    is_perm = np.array([is_control(f) for f in features])
    m = int((~is_perm).sum())
    p_sidak = -np.expm1(m * np.log1p(-np.clip(p, 0, 1 - 1e-16)))
    p_sidak = np.where(p >= 1, 1.0, np.clip(p_sidak, 0, 1))
    p_bh = np.full(len(p), np.nan)
    p_bh[~is_perm] = adjust(p[~is_perm], "bh")
    return pd.DataFrame({"feature": features, "perm": is_perm, "p": p, "p_sidak": p_sidak,
                         "p_bh": p_bh, "significant": p_sidak < alpha,
                         "stat": anova_stat(X, y, welch)})


def compare_sets(found: set, reference: set, n_features: int) -> dict:
    rec, mis, inv = found & reference, reference - found, found - reference
    nr = len(reference)
    return {"n_reference": nr, "significant": len(found), "recovered": len(rec), "missed": len(mis),
            "invented": len(inv),
            "recovery_rate": len(rec) / nr if nr else np.nan,
            "false_negative_rate": len(mis) / nr if nr else np.nan,
            "false_positive_rate": len(inv) / (n_features - nr) if n_features > nr else np.nan}


def heldout_reference(full: pd.DataFrame, subset_ids, features, welch=False, alpha=0.05,
                      min_per_group=3) -> set | None:
    """Šidák-significant features of the samples *not* in the subset (same ANOVA as the
    reference), or None when a group keeps fewer than ``min_per_group`` of them."""
    held = held_out(full, subset_ids)
    counts = held[GROUP].value_counts()
    if len(counts) < full[GROUP].nunique() or counts.min() < max(2, min_per_group):
        return None
    _, p = anova(held[list(features)].to_numpy(float), held[GROUP].to_numpy(str), welch)
    return set(np.asarray(features)[adjust(p, "sidak") < alpha])


def recovery(augmented: pd.DataFrame, reference: pd.DataFrame, design: str, method: str,
             welch=False, alpha=0.05, reference_sets=("sidak", "raw"), truth: pd.DataFrame | None = None,
             null=None, full: pd.DataFrame | None = None, heldout_min_per_group=3):
    """Score one augmented table (all seeds) against the full-data reference.

    ``null``: the method's :class:`.calibration.NullDistribution` for this design
    (adds the ``calibrated_fwer`` and ``calibrated_fdr`` tests); ``full``: the full imputed
    sample table (adds the ``heldout`` reference where the left-out samples suffice).

    Returns (summary, per_feature): summary has one row per (seed, test, reference set) with
    columns design, method, seed, test, reference, recovered, missed, invented,
    perm_significant (NaN when there are no negative controls), rates, and truth scores when
    ``truth`` is given; per_feature has one row per (seed, feature) with p, p_sidak, the naive
    decision ``significant``, ``stat`` and, with a null, ``p_fwer``, ``p_perm``, ``q_fdr``,
    ``significant_fwer`` and ``significant_fdr``.
    """
    from .calibration import fdr_decisions

    feats = feature_columns(augmented)
    originals = feature_columns(augmented, controls=False)
    has_perm = len(originals) < len(feats)
    ref = reference.set_index("feature")
    missing = set(originals) - set(ref.index)
    if missing:
        raise ValueError(f"features missing from the reference: {sorted(missing)[:5]}")
    ref_sets = {r: set(ref.index[ref[REFERENCE_SETS[r]].astype(bool)]) for r in reference_sets}
    true_set = set(truth.loc[truth["true_effect"].astype(bool), "feature"]) if truth is not None else None
    tests = ["naive"] + (["calibrated_fwer", "calibrated_fdr"] if null is not None else [])
    rows, per_feature = [], []
    for s, tab in augmented.groupby(SEED, sort=True):
        t = feature_tests(tab[feats].to_numpy(float), tab[GROUP].to_numpy(), feats, welch, alpha)
        if null is not None:
            j = null.judge(t["stat"].to_numpy(), s)
            t[["p_fwer", "p_perm", "significant_fwer"]] = j[["p_fwer", "p_perm", "significant_fwer"]]
            t = fdr_decisions(t, alpha)
        t.insert(0, SEED, s)
        per_feature.append(t)
        sets = dict(ref_sets)
        if full is not None:
            ids = tab.loc[~tab[SYNTHETIC].astype(bool), ID] if SYNTHETIC in tab else tab[ID]
            held = heldout_reference(full, ids, originals, welch, alpha, heldout_min_per_group)
            if held is not None:
                sets["heldout"] = held
        for test in tests:
            sig = t[DECISION[test]].astype(bool)
            found = set(t.loc[sig & ~t["perm"], "feature"])
            n_perm = int((sig & t["perm"]).sum()) if has_perm else np.nan
            for r, rs in sets.items():
                row = {"design": design, "method": method, SEED: s, "test": test, "reference": r,
                       **compare_sets(found, rs, len(originals)), "perm_significant": n_perm,
                       "n_rows": len(tab),
                       "n_synthetic": int(tab[SYNTHETIC].sum()) if SYNTHETIC in tab else 0}
                if true_set is not None:
                    tp = len(found & true_set)
                    row.update({"true_positives": tp, "false_positives": len(found - true_set),
                                "power": tp / len(true_set) if true_set else np.nan,
                                "true_fdr": (len(found) - tp) / len(found) if found else 0.0})
                rows.append(row)
    pf = pd.concat(per_feature, ignore_index=True)
    pf.insert(0, "method", method)
    pf.insert(0, "design", design)
    return pd.DataFrame(rows), pf


def summarise(recovery_table: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd and a 95 % interval (2.5th-97.5th percentile over seeds) per design, method, test
    and reference set; with a ground truth, power and true FDR come first."""
    # against the simulated truth first where there is one
    cols = [c for c in ("power", "true_fdr", "recovered", "missed", "invented", "perm_significant",
                        "recovery_rate", "false_positive_rate", "false_negative_rate")
            if c in recovery_table]
    keys = ["design", "method", "test", "reference"] if "test" in recovery_table else \
        ["design", "method", "reference"]
    g = recovery_table.groupby(keys, sort=False)
    parts = []
    for c in cols:
        a = g[c].agg(mean="mean", sd="std", lo=lambda v: np.nanpercentile(v, 2.5) if v.notna().any() else np.nan,
                     hi=lambda v: np.nanpercentile(v, 97.5) if v.notna().any() else np.nan)
        a.columns = [f"{c}_{k}" for k in a.columns]
        parts.append(a)
    out = pd.concat(parts, axis=1).reset_index()
    out.insert(len(keys), "n_seeds", g.size().to_numpy())
    out.insert(len(keys) + 1, "n_reference", g["n_reference"].mean().to_numpy())
    return out


def feature_frequency(per_feature: pd.DataFrame) -> pd.DataFrame:
    """Fraction of seeds in which each feature is significant, per design, method and test
    (long: columns design, method, test, feature, frequency)."""
    parts = []
    for test, col in DECISION.items():
        if col not in per_feature:
            continue
        sub = per_feature[per_feature[col].notna()]
        f = sub.groupby(["design", "method", "feature"], sort=False)[col].mean().reset_index()
        f.insert(2, "test", test)
        parts.append(f.rename(columns={col: "frequency"}))
    return pd.concat(parts, ignore_index=True)
