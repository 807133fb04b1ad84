"""Realism check: does a simulated (or plasmode) table behave like a real reference table?

Compares the properties that decide how hard a table is for tests and generators: the
correlation inside feature blocks, the tails of the features, how missingness relates to
abundance, and how many features a full-sample test finds. Computed on the analysis scale
(after the log transform, before imputation) so that a simulated table and the real
reference go through the same code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io import feature_columns

STATISTICS = {
    "mean_abs_r_within_blocks": "mean |Pearson r| over feature pairs in the same block "
                                "(pairwise complete)",
    "kurtosis_q75": "75th percentile of the features' excess kurtosis",
    "kurtosis_q90": "90th percentile of the features' excess kurtosis",
    "missing_vs_mean_spearman": "Spearman correlation of a feature's missing fraction with its "
                                "mean (negative: a detection limit)",
    "missing_fraction": "fraction of missing cells",
    "fraction_significant_sidak": "fraction of features significant at the full sample size "
                                  "(ANOVA, Sidak, the reference stage)",
}

# The EAE lipidomics data (Loetsch et al. 2026, raw table, log10, this project's missForest
# for the reference test); blocks = tissue prefix (PL, CEREB, PFC, HPC). Recomputed from the
# data by tests/test_realism.py, so these numbers cannot drift from the code.
REFERENCES = {
    "eae_lipidomics": {
        "mean_abs_r_within_blocks": 0.3056,
        "kurtosis_q75": 0.7026,
        "kurtosis_q90": 1.7241,
        "missing_vs_mean_spearman": -0.2710,
        "missing_fraction": 0.0527,
        "fraction_significant_sidak": 5 / 62,
    },
}
TOLERANCE = 0.5   # "within 50 % of the reference value"


def prefix_blocks(features) -> list[str]:
    """Block of each feature from its name: the part before the first '_' (EAE: tissue)."""
    return [str(f).split("_", 1)[0] if "_" in str(f) else "all" for f in features]


def statistics(transformed: pd.DataFrame, blocks=None, univariate: pd.DataFrame | None = None,
               alpha: float = 0.05) -> dict:
    """Realism statistics of a sample table on the analysis scale (missing cells allowed).

    ``blocks``: one label per feature (default: all one block); ``univariate``: the
    reference-stage table (column ``significant_sidak``) for the fraction significant.
    """
    from scipy import stats as ss

    feats = feature_columns(transformed)
    X = transformed[feats].astype(float)
    blocks = np.asarray(blocks if blocks is not None else ["all"] * len(feats))
    rs = []
    for b in pd.unique(blocks):
        cols = [f for f, bb in zip(feats, blocks) if bb == b]
        if len(cols) < 2:
            continue
        C = X[cols].corr(min_periods=3).to_numpy()
        rs.append(np.abs(C[np.triu_indices_from(C, 1)]))
    r = np.concatenate(rs) if rs else np.array([np.nan])
    kurt = np.array([ss.kurtosis(X[c].dropna()) if X[c].notna().sum() > 3 else np.nan
                     for c in feats])
    miss = X.isna().mean().to_numpy()
    spear = (float(ss.spearmanr(miss, X.mean().to_numpy()).statistic)
             if miss.std() > 0 else float("nan"))
    out = {"mean_abs_r_within_blocks": float(np.nanmean(r)),
           "kurtosis_q75": float(np.nanquantile(kurt, 0.75)),
           "kurtosis_q90": float(np.nanquantile(kurt, 0.90)),
           "missing_vs_mean_spearman": spear,
           "missing_fraction": float(X.isna().to_numpy().mean())}
    if univariate is not None:
        out["fraction_significant_sidak"] = float(univariate["significant_sidak"].astype(bool).mean())
    return out


def compare(observed: dict, reference: dict | str, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """One row per statistic: the table's value, the reference value, the relative
    difference |observed - reference| / |reference| and whether it is within ``tolerance``."""
    name = reference if isinstance(reference, str) else "table"
    ref = REFERENCES[reference] if isinstance(reference, str) else reference
    rows = []
    for key, what in STATISTICS.items():
        if key not in observed or key not in ref:
            continue
        o, r = observed[key], ref[key]
        rel = abs(o - r) / abs(r) if r and np.isfinite(o) else float("nan")
        rows.append({"statistic": key, "value": o, "reference": r, "reference_source": name,
                     "relative_difference": rel, "within_tolerance": bool(rel <= tolerance),
                     "description": what})
    return pd.DataFrame(rows)
