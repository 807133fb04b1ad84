"""The full-data reference: per-feature tests, multiple-testing corrections, cross-validated
classifiers, and the failure point (how the findings fade as the sample size shrinks).

The tests (:func:`anova`, :func:`anova_stat`, :func:`adjust`) are also the ones every
augmented table is judged by (:mod:`.recovery`, :mod:`.calibration`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from ..design import Design, draw_indices
from ..errors import InputError
from ..table import GROUP, SEED


def _groups(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    labels = pd.unique(y)
    if len(labels) < 2:
        raise ValueError("ANOVA needs at least two groups")
    return X, [X[y == g] for g in labels]


def _anova_f(X, y, welch=False):
    """F statistic and its degrees of freedom per column (see :func:`anova`)."""
    X, parts = _groups(X, y)
    k = len(parts)
    n = np.array([len(p) for p in parts], dtype=float)
    means = np.stack([p.mean(axis=0) for p in parts])
    with np.errstate(divide="ignore", invalid="ignore"):
        if not welch:
            N = n.sum()
            grand = X.mean(axis=0)
            ssb = (n[:, None] * (means - grand) ** 2).sum(axis=0)
            ssw = sum(((p - m) ** 2).sum(axis=0) for p, m in zip(parts, means))
            dfb, dfw = k - 1, N - k
            F = (ssb / dfb) / (ssw / dfw)
            df2 = np.full(X.shape[1], dfw)
        else:
            if (n < 2).any():
                raise ValueError("Welch's ANOVA needs at least 2 samples per group")
            var = np.stack([p.var(axis=0, ddof=1) for p in parts])
            w = n[:, None] / var
            sw = w.sum(axis=0)
            mw = (w * means).sum(axis=0) / sw
            a = (w * (means - mw) ** 2).sum(axis=0) / (k - 1)
            lam = (((1 - w / sw) ** 2) / (n[:, None] - 1)).sum(axis=0)
            b = 1 + 2 * (k - 2) / (k ** 2 - 1) * lam
            F = a / b
            df2 = (k ** 2 - 1) / (3 * lam)
    return np.asarray(F, dtype=float), k - 1, np.asarray(df2, dtype=float)


def anova(X, y, welch=False):
    """One-way ANOVA per column of ``X`` (vectorised over features).

    Classic Fisher ANOVA by default (identical to ``scipy.stats.f_oneway``); ``welch=True``
    gives Welch's heteroscedastic ANOVA (Welch 1951). Returns (F, p) arrays. A feature that
    is constant in every group has F = nan and p = 1; one that is constant within groups but
    differs between them has F = inf and p = 0.
    """
    F, df1, df2 = _anova_f(X, y, welch)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(sps.f.sf(F, df1, df2), dtype=float)
    p[np.isnan(F)] = 1.0
    p[np.isposinf(F)] = 0.0
    return F, p


def anova_stat(X, y, welch=False):
    """-log10 of the ANOVA p-value per column, computed from the log survival function so that
    it keeps its order where p underflows to 0 (F = inf gives inf, a constant feature 0).

    For Fisher's ANOVA on one table every feature has the same degrees of freedom, so this
    statistic orders features exactly as F does; with Welch it puts features with different
    degrees of freedom on one scale. It is the statistic of the calibrated tests
    (:mod:`.calibration`).
    """
    F, df1, df2 = _anova_f(X, y, welch)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = -np.asarray(sps.f.logsf(F, df1, df2), dtype=float) / np.log(10)
    s[np.isnan(F)] = 0.0
    s[np.isposinf(F)] = np.inf
    return np.maximum(s, 0.0)


def adjust(p, method):
    """Adjust p-values: ``sidak`` (1 - (1 - p)^m) or ``bh`` (Benjamini-Hochberg), statsmodels."""
    p = np.asarray(p, dtype=float)
    sm = {"sidak": "sidak", "bh": "fdr_bh", "bonferroni": "bonferroni", "holm": "holm"}[method]
    return multipletests(p, method=sm)[1]


def univariate(X, y, features, welch=False, alpha=0.05) -> pd.DataFrame:
    """Per-feature one-way ANOVA with Šidák and BH adjustment, group means and eta squared.

    Columns: feature, F, p, p_sidak, p_bh, significant_raw, significant_sidak, significant_bh,
    eta_squared, mean_<group> for every group.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    F, p = anova(X, y, welch=welch)
    out = pd.DataFrame({"feature": list(features), "F": F, "p": p,
                        "p_sidak": adjust(p, "sidak"), "p_bh": adjust(p, "bh")})
    out["significant_raw"] = out["p"] < alpha
    out["significant_sidak"] = out["p_sidak"] < alpha
    out["significant_bh"] = out["p_bh"] < alpha
    grand = X.mean(axis=0)
    sst = ((X - grand) ** 2).sum(axis=0)
    ssb = sum((y == g).sum() * (X[y == g].mean(axis=0) - grand) ** 2 for g in pd.unique(y))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["eta_squared"] = np.where(sst > 0, ssb / sst, 0.0)
    for g in pd.unique(y):
        out[f"mean_{g}"] = X[y == g].mean(axis=0)
    return out


def count_significant(X, y, alpha=0.05, correction="sidak", welch=False) -> int:
    _, p = anova(X, y, welch=welch)
    if correction != "none":
        p = adjust(p, correction)
    return int((p < alpha).sum())


# ---------------------------------------------------------------------- classifiers
def make_classifier(name, random_state=None, n_jobs=1):
    """Random forest, SVM (RBF) or kNN; SVM and kNN on standardised features."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if name == "rf":
        return RandomForestClassifier(n_estimators=300, random_state=random_state, n_jobs=n_jobs)
    if name == "svm":
        return make_pipeline(StandardScaler(), SVC(kernel="rbf", C=1.0, gamma="scale"))
    if name == "knn":
        return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=3))
    raise ValueError(f"unknown classifier {name!r}; use rf, svm or knn")


def cross_validated_accuracy(X, y, models=("rf", "svm", "knn"), folds=5, repeats=5,
                             seed=0, n_jobs=1) -> pd.DataFrame:
    """Repeated stratified k-fold balanced accuracy per model.

    ``folds`` is clipped to the smallest class size. Returns one row per
    (model, repeat, fold) with columns model, repeat, fold, balanced_accuracy.
    """
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold

    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    k = int(min(folds, pd.Series(y).value_counts().min()))
    if k < 2:
        raise ValueError("cross-validation needs at least 2 samples in every class")
    rows = []
    for r in range(repeats):
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed + r)
        for f, (tr, te) in enumerate(cv.split(X, y)):
            for m in models:
                clf = make_classifier(m, random_state=seed + r, n_jobs=n_jobs)
                clf.fit(X[tr], y[tr])
                rows.append({"model": m, "repeat": r, "fold": f,
                             "balanced_accuracy": balanced_accuracy_score(y[te], clf.predict(X[te]))})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- failure point
def failure_point(X, y, n_values, seeds, alpha=0.05, base_seed=0, correction="sidak",
                  welch=False) -> tuple[pd.DataFrame, pd.DataFrame, int | None]:
    """Significant-feature counts as the per-group sample size shrinks.

    For each n (per group) and seed, draw a stratified subset without replacement, run the
    per-feature ANOVA and count features with adjusted p < alpha. Returns
    (draws, summary, n_min): ``n_min`` is the smallest n at which at least half of the
    draws keep one or more significant features, and every larger n does too; None when
    no n qualifies.
    """
    X = np.asarray(X, float)
    y = np.asarray(y).astype(str)
    df = pd.DataFrame({GROUP: y})
    smallest = int(df[GROUP].value_counts().min())
    n_values = sorted({int(v) for v in n_values if 2 <= int(v) <= smallest})
    if not n_values:
        raise InputError(f"no n per group between 2 and the smallest group size ({smallest}).",
                         key="failure_point.n_per_group", fix="list sizes the data can supply.")
    rows = []
    for n in n_values:
        d = Design(f"fp_n{n}", "sample_size", tuple(seeds), n_per_group=n)
        for s in seeds:
            idx = draw_indices(df, d, s, base_seed)
            rows.append({"n_per_group": n, SEED: s,
                         "n_significant": count_significant(X[idx], y[idx], alpha, correction, welch)})
    draws = pd.DataFrame(rows)
    summ = draws.groupby("n_per_group")["n_significant"].agg(
        mean="mean", median="median", sd="std", min="min", max="max",
        fraction_with_any=lambda v: float((v > 0).mean())).reset_index()
    ok = summ["fraction_with_any"] >= 0.5
    n_min = None
    for i in range(len(summ) - 1, -1, -1):
        if not ok.iloc[i]:
            break
        n_min = int(summ["n_per_group"].iloc[i])
    return draws, summ, n_min
