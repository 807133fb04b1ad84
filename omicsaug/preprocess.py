"""Feature filtering, log transform and missForest imputation.

missForest (Stekhoven & Buehlmann 2012, Bioinformatics 28:112) imputes each feature with
missing values by a random forest trained on the other features, iterating until the
imputations stop changing. The Python port ``missingpy`` is unmaintained and fails to
import with scikit-learn >= 0.24 (it imports ``sklearn.neighbors.base``, which no longer
exists), so :class:`MissForest` rebuilds it from scikit-learn's ``IterativeImputer`` with a
``RandomForestRegressor`` estimator: mean initial fill, features visited in order of
increasing missingness, only features with missing values modelled, seeded forests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, SimpleImputer

from .config import fill_defaults
from .errors import InputError
from .io import GROUP, ID, feature_columns

TRANSFORMS = ("log10", "log2", "none")


# ------------------------------------------------------------------------- filtering
def filter_missing(df: pd.DataFrame, max_missing: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop features whose fraction of missing values exceeds ``max_missing``.

    Returns the filtered table and a report (feature, missing_fraction, kept).
    """
    feats = feature_columns(df)
    frac = df[feats].isna().mean()
    keep = frac <= max_missing
    report = pd.DataFrame({"feature": feats, "missing_fraction": frac.values,
                           "kept_missing_filter": keep.values})
    return df[[ID, GROUP, *[f for f, k in zip(feats, keep) if k]]], report


def top_k_variance(df: pd.DataFrame, k: int | None) -> tuple[pd.DataFrame, pd.Series]:
    """Keep the ``k`` features with the largest variance (of observed values), in file order."""
    feats = feature_columns(df)
    var = df[feats].var(skipna=True, ddof=1)
    if k is None or k >= len(feats):
        return df, var
    keep = set(var.sort_values(ascending=False, kind="stable").index[:k])
    return df[[ID, GROUP, *[f for f in feats if f in keep]]], var


def log_transform(df: pd.DataFrame, transform: str, offset: float = 0.0, file=None) -> pd.DataFrame:
    """Apply ``log10``/``log2`` (after adding ``offset``) or nothing; refuse values <= 0."""
    if transform not in TRANSFORMS:
        raise InputError(f"unknown transform {transform!r}.", key="transform",
                         fix=f"use one of {list(TRANSFORMS)}.")
    if transform == "none":
        return df.copy()
    feats = feature_columns(df)
    X = df[feats].to_numpy(dtype=float) + offset
    bad = np.nan_to_num(X, nan=1.0) <= 0
    if bad.any():
        cols = [feats[j] for j in np.flatnonzero(bad.any(axis=0))]
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(
            f"{int(bad.sum())} value(s) <= 0 before the {transform} transform in {len(cols)} "
            f"column(s), first {cols[0]!r} at sample {df[ID].iloc[i]!r} "
            f"(value {float(df[feats[j]].iloc[i])!r}).", file=file, column=cols[0],
            fix="set 'transform: none' if the data are already on a log scale, or set "
                "'log_offset' to a pseudo-count larger than the most negative value.")
    fn = np.log10 if transform == "log10" else np.log2
    out = df.copy()
    out[feats] = fn(X)
    return out


# ------------------------------------------------------------------------ imputation
class MissForest:
    """missForest imputation on top of scikit-learn's ``IterativeImputer``.

    Parameters
    ----------
    n_estimators : int, default 100
        Trees per forest (missForest's ``ntree``).
    max_iter : int, default 5
        Maximum imputation rounds. missForest stops when the change between rounds grows,
        usually after 4-5 rounds; ``IterativeImputer``'s tolerance rule rarely fires with
        forests, so the cap does the stopping (each round costs one forest per feature).
    tol : float, default 1e-3
        Stop when the largest change of an imputed value is below ``tol`` times the largest
        absolute observed value (``IterativeImputer``'s criterion).
    random_state : int or None
        Seed of the forests and of the visiting order tie-breaks.
    n_jobs : int, default 1
        Threads per forest.
    """

    def __init__(self, n_estimators=100, max_iter=5, tol=1e-3, random_state=None, n_jobs=1):
        self.n_estimators = n_estimators
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _imputer(self):
        rf = RandomForestRegressor(n_estimators=self.n_estimators, max_features="sqrt",
                                   random_state=self.random_state,
                                   n_jobs=self.n_jobs)
        return IterativeImputer(estimator=rf, max_iter=self.max_iter, tol=self.tol,
                                initial_strategy="mean", imputation_order="ascending",
                                skip_complete=True, random_state=self.random_state,
                                keep_empty_features=False)

    def fit_transform(self, X):
        X = np.asarray(X, dtype=float)
        empty = np.isnan(X).all(axis=0)
        if empty.any():
            raise ValueError(f"{int(empty.sum())} feature(s) have no observed value; filter them "
                             "first (filter.max_missing < 1).")
        self.imputer_ = self._imputer()
        if not np.isnan(X).any():
            self.imputer_ = SimpleImputer(strategy="mean").fit(X)
            return X.copy()
        return self.imputer_.fit_transform(X)

    def transform(self, X):
        return self.imputer_.transform(np.asarray(X, dtype=float))


def make_imputer(method="missforest", **params):
    if method == "missforest":
        return MissForest(**params)
    if method == "mean":
        return SimpleImputer(strategy="mean")
    raise InputError(f"unknown imputation method {method!r}.", key="impute.method",
                     fix="use 'missforest' or 'mean'.")


def impute_table(df: pd.DataFrame, imputer) -> pd.DataFrame:
    feats = feature_columns(df)
    out = df.copy()
    out[feats] = imputer.fit_transform(df[feats].to_numpy(dtype=float))
    return out


def nrmse(true, imputed) -> float:
    """Normalised RMSE of Oba et al. / Stekhoven & Buehlmann: sqrt(mean((t-i)^2) / var(t))."""
    true, imputed = np.asarray(true, float), np.asarray(imputed, float)
    return float(np.sqrt(np.mean((true - imputed) ** 2) / np.var(true)))


def imputation_quality(X, imputer_factory, fraction=0.05, repeats=3, rng=None,
                       name="missForest") -> pd.DataFrame:
    """Mask ``fraction`` of the observed cells, re-impute, and score the masked cells.

    The NRMSE is computed on per-feature standardised values so that features with large
    variance do not dominate. Column-mean imputation is scored on the same masks as a baseline.
    Returns one row per (repeat, method) plus the masked cells of the first repeat
    (columns ``true``/``imputed``) for the scatter plot.
    """
    rng = np.random.default_rng(rng)
    X = np.asarray(X, dtype=float)
    obs = np.argwhere(~np.isnan(X))
    sd = np.nanstd(X, axis=0)
    sd[sd == 0] = 1.0
    mu = np.nanmean(X, axis=0)
    rows, cells = [], []
    for r in range(repeats):
        k = max(1, int(round(fraction * len(obs))))
        pick = obs[rng.choice(len(obs), size=k, replace=False)]
        Xm = X.copy()
        Xm[pick[:, 0], pick[:, 1]] = np.nan
        # a feature must keep one observed value
        for j in np.flatnonzero(np.isnan(Xm).all(axis=0)):
            i = pick[pick[:, 1] == j][0, 0]
            Xm[i, j] = X[i, j]
            pick = pick[~((pick[:, 0] == i) & (pick[:, 1] == j))]
        truth = (X[pick[:, 0], pick[:, 1]] - mu[pick[:, 1]]) / sd[pick[:, 1]]
        for label, imp in ((name, imputer_factory()), ("column mean", SimpleImputer())):
            Xi = imp.fit_transform(Xm)
            est = (Xi[pick[:, 0], pick[:, 1]] - mu[pick[:, 1]]) / sd[pick[:, 1]]
            rows.append({"repeat": r, "method": label, "n_masked": len(pick), "nrmse": nrmse(truth, est)})
            if r == 0:
                cells.append(pd.DataFrame({"method": label, "feature_index": pick[:, 1],
                                           "true": truth, "imputed": est}))
    return pd.DataFrame(rows), pd.concat(cells, ignore_index=True)


def preprocess(df: pd.DataFrame, *, transform="none", log_offset=0.0, max_missing=0.5,
               top_k=None, file=None):
    """Filter and transform (no imputation). Returns (table, per-feature report)."""
    filt, report = filter_missing(df, max_missing)
    logged = log_transform(filt, transform, log_offset, file=file)
    # a feature with one observed value (or none) carries no information and breaks the
    # tests (zero variance): dropped, recorded, and said (run())
    feats = feature_columns(logged)
    const = [f for f in feats if logged[f].nunique(dropna=True) <= 1]
    logged = logged.drop(columns=const)
    final, var = top_k_variance(logged, top_k)
    report["constant"] = report["feature"].isin(const)
    report["variance"] = report["feature"].map(var)
    report["kept"] = report["feature"].isin(feature_columns(final))
    return final, report


def imputer_factory(impute: dict, base_seed: int, n_jobs: int = 1):
    """``factory(key) -> imputer`` seeded from the config seed and ``key`` (e.g. a subset seed).

    ``impute``: a dataset's resolved ``impute`` settings (:func:`omicsaug.config.dataset`;
    ``n_estimators`` and ``max_iter`` are read for missforest only). ``n_jobs`` threads per
    forest; worth it from about 100 samples on (below that, thread start-up costs more than
    the trees). Results do not depend on ``n_jobs``.
    """
    from .utils import derive_seed

    method = impute["method"]

    def factory(key="full"):
        if method == "missforest":
            return MissForest(n_estimators=impute["n_estimators"],
                              max_iter=impute["max_iter"],
                              random_state=derive_seed(base_seed, "impute", key), n_jobs=n_jobs)
        if method in ("mean", "none"):
            return SimpleImputer(strategy="mean")
        raise InputError(f"unknown imputation method {method!r}.", key="impute.method",
                         fix="use missforest, mean or none.")
    return factory


def run(samples: pd.DataFrame, spec: dict, base_seed: int, file=None, log=None, threads=1):
    """The preprocessing stage: filter, transform, impute, score the imputation.

    ``spec``: the dataset's resolved settings (:func:`omicsaug.config.dataset`: the config's
    defaults filled in). Returns dict of tables: transformed (with missing values), imputed, features,
    quality, cells.
    """
    from .utils import get_logger, make_rng

    log = log or get_logger()
    spec = fill_defaults(spec, "dataset")   # keys a hand-made spec leaves out: the schema's
    flt = spec["filter"]
    transformed, report = preprocess(samples, transform=spec["transform"],
                                     log_offset=spec["log_offset"],
                                     max_missing=flt["max_missing"],
                                     top_k=flt["top_k_variance"], file=file)
    feats = feature_columns(transformed)
    X = transformed[feats].to_numpy(dtype=float)
    from .utils import say

    for what, sel in (("all missing", report["missing_fraction"] >= 1.0),
                      ("constant", report["constant"])):
        names = report.loc[sel, "feature"].tolist()
        if names:
            say(f"{file or spec.get('name')}: {len(names)} {what} feature(s) dropped: "
                f"{', '.join(map(str, names[:10]))}{' ...' if len(names) > 10 else ''} "
                "(recorded in preprocess/features.tsv)", log)
    log.info("%d samples, %d of %d features kept, %.2f %% missing", len(transformed), len(feats),
             len(report), 100 * np.isnan(X).mean())
    impute = spec["impute"]
    if impute["method"] == "none" and np.isnan(X).any():
        raise InputError("the table has missing values but 'impute.method' is none.", file=file,
                         key="impute.method", fix="use missforest (default) or mean.")
    factory = imputer_factory(impute, base_seed, n_jobs=threads if len(X) >= 100 else 1)
    imputed = impute_table(transformed, factory("full"))
    log.info("imputed %d cells with %s", int(np.isnan(X).sum()), impute["method"])
    # the configured imputer, named as configured (none: the data are complete; the check
    # then scores the column mean it would fall back to, beside the column-mean baseline)
    label = {"missforest": "missForest", "mean": "mean (configured)",
             "none": "none (check: column mean)"}.get(impute["method"], str(impute["method"]))
    quality, cells = imputation_quality(X, lambda: factory("quality"),
                                        fraction=impute["quality_fraction"],
                                        repeats=impute["quality_repeats"],
                                        rng=make_rng(base_seed, "imputation_quality"), name=label)
    for m, v in quality.groupby("method")["nrmse"].mean().items():
        log.info("imputation NRMSE %s: %.3f", m, v)
    cells["feature"] = [feats[j] for j in cells["feature_index"]]
    return {"transformed": transformed, "imputed": imputed, "features": report,
            "quality": quality, "cells": cells}


def apply_to(table: pd.DataFrame, spec: dict, features, file=None) -> pd.DataFrame:
    """Bring a second table (e.g. a validation set) into the analysed feature space: the same
    transform, the same kept features; any missing value gets that feature's mean in this table
    (a validation table is never imputed from the training data's model)."""
    spec = fill_defaults(spec, "dataset")
    missing = [f for f in features if f not in table.columns]
    if missing:
        raise InputError(f"{len(missing)} analysed feature(s) missing, e.g. {missing[:3]}.", file=file,
                         fix="the validation table needs the same feature columns as the main table.")
    out = log_transform(table[[ID, GROUP, *features]] if GROUP in table else table[[ID, *features]],
                        spec["transform"], spec["log_offset"], file=file)
    out[list(features)] = out[list(features)].fillna(out[list(features)].mean())
    return out
