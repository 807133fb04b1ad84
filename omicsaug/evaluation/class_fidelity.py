"""Class fidelity: do a method's synthetic rows keep their class?

Per augmented subset: a classifier trained on the real rows (L2 logistic regression on
standardised features) predicts the synthetic rows' class (``accuracy``; ``chance`` is the
share of the most frequent synthetic class, what predicting one class would score); the
correlation over features of the synthetic and the real between-class mean differences
(``mean_diff_correlation``, where two classes got synthetic rows); and the share of the
real difference the synthetic class means keep (``difference_kept``: the least-squares
slope of mean_syn[c] - mean_real[k] on mean_real[c] - mean_real[k] over features, for
each class c with rows and each other class k; 1 = the class means are where the real ones
are, 0.5 = half-way to the other class, as rows drawn from the pooled table would be).
A generator that ignores the class dilutes every difference. Flagged (``flagged``) when the
accuracy exceeds chance by less than ``MIN_ACCURACY_GAIN``, the correlation is below
``MIN_CORRELATION`` or the kept share below ``MIN_KEPT``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..table import GROUP, SEED, SYNTHETIC, feature_columns

MIN_ACCURACY_GAIN = 0.10
MIN_CORRELATION = 0.5
MIN_KEPT = 0.75


def class_fidelity(X_real, y_real, X_syn, y_syn, seed=0) -> dict:
    """The class-fidelity figures of one augmented subset (see the module docstring)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_real, X_syn = np.asarray(X_real, float), np.asarray(X_syn, float)
    y_real, y_syn = np.asarray(y_real).astype(str), np.asarray(y_syn).astype(str)
    out = {"n_synthetic": int(len(X_syn)), "accuracy": np.nan, "chance": np.nan,
           "mean_diff_correlation": np.nan, "difference_kept": np.nan, "flagged": False}
    classes = np.unique(y_real)
    if len(X_syn) == 0 or len(classes) < 2:
        return out
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=seed))
    clf.fit(X_real, y_real)
    out["accuracy"] = float((clf.predict(X_syn) == y_syn).mean())
    out["chance"] = float(pd.Series(y_syn).value_counts(normalize=True).iloc[0])
    sd = X_real.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    real_mean = {c: X_real[y_real == c].mean(axis=0) / sd for c in classes}
    syn_classes = [c for c in np.unique(y_syn) if c in real_mean]
    syn_mean = {c: X_syn[y_syn == c].mean(axis=0) / sd for c in syn_classes}
    cors, kept = [], []
    for c in syn_classes:
        for k in classes:
            if k == c:
                continue
            b = real_mean[c] - real_mean[k]
            if b @ b > 0:
                kept.append(float((syn_mean[c] - real_mean[k]) @ b / (b @ b)))
            if k in syn_mean and str(k) > str(c):
                a = syn_mean[c] - syn_mean[k]
                if a.std() > 0 and b.std() > 0:
                    cors.append(float(np.corrcoef(a, b)[0, 1]))
    out["mean_diff_correlation"] = float(np.mean(cors)) if cors else np.nan
    out["difference_kept"] = float(np.mean(kept)) if kept else np.nan
    out["flagged"] = bool(out["accuracy"] < out["chance"] + MIN_ACCURACY_GAIN
                          or (cors and out["mean_diff_correlation"] < MIN_CORRELATION)
                          or (kept and out["difference_kept"] < MIN_KEPT))
    return out


def augmented_fidelity(table: pd.DataFrame, design: str, method: str, seed=0, log=None) -> pd.DataFrame:
    """One row per seed of an augmented long table (the augment job's output); negative-control
    columns are left out. Logs a WARNING per flagged seed."""
    feats = feature_columns(table, controls=False)
    rows = []
    for s, t in table.groupby(SEED, sort=True):
        syn = t[SYNTHETIC].astype(bool).to_numpy()
        r = class_fidelity(t.loc[~syn, feats].to_numpy(float), t.loc[~syn, GROUP],
                           t.loc[syn, feats].to_numpy(float), t.loc[syn, GROUP], seed=seed)
        rows.append({"design": design, "method": method, "seed": int(s), **r})
        if r["flagged"] and log is not None:
            log.warning("%s %s seed %s: synthetic rows lose their class (accuracy %.2f vs chance "
                        "%.2f; mean-difference correlation %.2f; difference kept %.2f)", design,
                        method, s, r["accuracy"], r["chance"], r["mean_diff_correlation"],
                        r["difference_kept"])
    return pd.DataFrame(rows, columns=["design", "method", "seed", "n_synthetic", "accuracy",
                                       "chance", "mean_diff_correlation", "difference_kept",
                                       "flagged"])
