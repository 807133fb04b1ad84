"""Significance recovery: which reference findings does augmentation recover, which does it invent.

For every (design, method, seed) the augmented table (original + synthetic rows) gets the same
per-feature test as the full-data reference (one-way ANOVA; Welch as configured). Decisions
after augmentation use the Šidák correction over the *original* feature family (m = number of
original features, as in the reference); each ``<feature>__perm`` negative control is judged
with the same m, so a permuted copy that becomes significant is a false positive by
construction, on the same footing as a real feature.

Against a reference set R (Šidák- or raw-significant in the full data) and the set A of
features significant after augmentation: recovered = |A ∩ R|, missed = |R \\ A|,
invented = |A \\ R|; recovery rate = recovered / |R|, false-negative rate = missed / |R|,
false-positive rate = invented / (m - |R|). Where the data come with a ground truth (the
simulators), A is also scored against it: power and the true false-discovery proportion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .augment import PERM_SUFFIX, SYNTHETIC
from .design import SEED
from .io import GROUP, ID
from .stats import adjust, anova

REFERENCE_SETS = {"sidak": "significant_sidak", "raw": "significant_raw"}
META = (SEED, ID, GROUP, SYNTHETIC, "parent")


def feature_tests(X, y, features, welch=False, alpha=0.05) -> pd.DataFrame:
    """ANOVA p per column; Šidák/BH over the original features only (perm copies use the same m)."""
    features = list(features)
    _, p = anova(X, y, welch=welch)
    is_perm = np.array([f.endswith(PERM_SUFFIX) for f in features])
    m = int((~is_perm).sum())
    p_sidak = -np.expm1(m * np.log1p(-np.clip(p, 0, 1 - 1e-16)))
    p_sidak = np.where(p >= 1, 1.0, np.clip(p_sidak, 0, 1))
    p_bh = np.full(len(p), np.nan)
    p_bh[~is_perm] = adjust(p[~is_perm], "bh")
    return pd.DataFrame({"feature": features, "perm": is_perm, "p": p, "p_sidak": p_sidak,
                         "p_bh": p_bh, "significant": p_sidak < alpha})


def compare_sets(found: set, reference: set, n_features: int) -> dict:
    rec, mis, inv = found & reference, reference - found, found - reference
    nr = len(reference)
    return {"n_reference": nr, "significant": len(found), "recovered": len(rec), "missed": len(mis),
            "invented": len(inv),
            "recovery_rate": len(rec) / nr if nr else np.nan,
            "false_negative_rate": len(mis) / nr if nr else np.nan,
            "false_positive_rate": len(inv) / (n_features - nr) if n_features > nr else np.nan}


def recovery(augmented: pd.DataFrame, reference: pd.DataFrame, design: str, method: str,
             welch=False, alpha=0.05, reference_sets=("sidak", "raw"), truth: pd.DataFrame | None = None):
    """Score one augmented table (all seeds) against the full-data reference.

    Returns (summary, per_feature): summary has one row per (seed, reference set) with columns
    design, method, seed, reference, recovered, missed, invented, perm_significant (NaN when
    there are no negative controls), rates, and truth scores when ``truth`` is given;
    per_feature has one row per (seed, feature) with p, p_sidak and the decision.
    """
    feats = [c for c in augmented.columns if c not in META]
    originals = [f for f in feats if not f.endswith(PERM_SUFFIX)]
    has_perm = len(originals) < len(feats)
    ref = reference.set_index("feature")
    missing = set(originals) - set(ref.index)
    if missing:
        raise ValueError(f"features missing from the reference: {sorted(missing)[:5]}")
    ref_sets = {r: set(ref.index[ref[REFERENCE_SETS[r]].astype(bool)]) for r in reference_sets}
    true_set = set(truth.loc[truth["true_effect"].astype(bool), "feature"]) if truth is not None else None
    rows, per_feature = [], []
    for s, tab in augmented.groupby(SEED, sort=True):
        t = feature_tests(tab[feats].to_numpy(float), tab[GROUP].to_numpy(), feats, welch, alpha)
        t.insert(0, SEED, s)
        per_feature.append(t)
        found = set(t.loc[t["significant"] & ~t["perm"], "feature"])
        n_perm = int((t["significant"] & t["perm"]).sum()) if has_perm else np.nan
        for r, rs in ref_sets.items():
            row = {"design": design, "method": method, SEED: s, "reference": r,
                   **compare_sets(found, rs, len(originals)), "perm_significant": n_perm,
                   "n_rows": len(tab), "n_synthetic": int(tab[SYNTHETIC].sum()) if SYNTHETIC in tab else 0}
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
    """Mean, sd and a 95 % interval (2.5th-97.5th percentile over seeds) per design, method, reference."""
    cols = [c for c in ("recovered", "missed", "invented", "perm_significant", "recovery_rate",
                        "false_positive_rate", "false_negative_rate", "power", "true_fdr")
            if c in recovery_table]
    g = recovery_table.groupby(["design", "method", "reference"], sort=False)
    parts = []
    for c in cols:
        a = g[c].agg(mean="mean", sd="std", lo=lambda v: np.nanpercentile(v, 2.5) if v.notna().any() else np.nan,
                     hi=lambda v: np.nanpercentile(v, 97.5) if v.notna().any() else np.nan)
        a.columns = [f"{c}_{k}" for k in a.columns]
        parts.append(a)
    out = pd.concat(parts, axis=1).reset_index()
    out.insert(3, "n_seeds", g.size().to_numpy())
    out.insert(4, "n_reference", g["n_reference"].first().to_numpy())
    return out


def feature_frequency(per_feature: pd.DataFrame) -> pd.DataFrame:
    """Fraction of seeds in which each feature is significant, per design and method (wide)."""
    f = per_feature.groupby(["design", "method", "feature"], sort=False)["significant"].mean()
    return f.reset_index().rename(columns={"significant": "frequency"})
