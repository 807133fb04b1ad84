"""Classifier and AUROC reports: trained on augmented tables, scored on original rows only.

Every score is computed on original samples the generator never saw: the samples of the full
table that are not in the design's subset (or a separate validation table where the dataset
has one). Synthetic rows are used for training only, never for scoring.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..table import GROUP, ID, PARENT, SEED, SYNTHETIC, feature_columns, held_out
from .reference import adjust, make_classifier


def _features(df):
    return feature_columns(df, controls=False)


def classifier_scores(augmented: pd.DataFrame, full: pd.DataFrame, design: str, method: str,
                      models=("rf", "svm", "knn"), seed=0) -> pd.DataFrame:
    """Balanced accuracy of each model trained on each seed's augmented table and tested on the
    full table's samples outside that seed's subset. Negative-control columns are dropped."""
    from sklearn.metrics import balanced_accuracy_score

    feats = _features(augmented)
    rows = []
    for s, tab in augmented.groupby(SEED, sort=True):
        test = held_out(full, tab.loc[~tab[SYNTHETIC].astype(bool), ID])
        if test.empty or test[GROUP].nunique() < 2:
            continue
        for m in models:
            clf = make_classifier(m, random_state=seed + int(s))
            clf.fit(tab[feats].to_numpy(float), tab[GROUP].astype(str).to_numpy())
            pred = clf.predict(test[feats].to_numpy(float))
            rows.append({"design": design, "method": method, SEED: s, "model": m,
                         "n_train": len(tab), "n_synthetic": int(tab[SYNTHETIC].sum()),
                         "n_test": len(test),
                         "balanced_accuracy": balanced_accuracy_score(test[GROUP].astype(str), pred)})
    return pd.DataFrame(rows)


def leak_free_folds(y, synthetic, parent, ids, folds=5, seed=0, X=None, neighbours=2):
    """CV splits for tuning on an augmented table without leaking the validation rows.

    Folds are drawn over the original rows only (stratified); each validation fold holds
    original rows only, and a synthetic row trains only in folds whose validation rows do not
    include its parent (``parent``: the original ID it was made from, "" when the method has
    none). A synthetic row without a parent (SMOTE: two parents; GMM, GANs: the whole class)
    gets as proxy parents its ``neighbours`` nearest original rows of the same class
    (standardised features ``X``), which for SMOTE are the two rows it lies between; it trains
    only in folds that validate none of them. Without ``X`` it always trains. What a
    generator learned from the whole class (GMM, GANs) no split can remove.
    Returns a list of (train indices, validation indices).
    """
    from scipy.spatial.distance import cdist

    y = np.asarray(y)
    synthetic = np.asarray(synthetic, bool)
    parent = np.asarray(parent, dtype=object)
    ids = np.asarray(ids, dtype=object)
    orig = np.flatnonzero(~synthetic)
    syn = np.flatnonzero(synthetic)
    proxies = {j: {parent[j]} for j in syn}
    if X is not None and neighbours > 0:
        X = np.asarray(X, float)
        sd = X[orig].std(axis=0)
        Z = (X - X[orig].mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        for c in np.unique(y[syn]):
            lone = syn[(y[syn] == c) & (parent[syn] == "")]
            pool = orig[y[orig] == c]
            if not len(lone) or not len(pool):
                continue
            d2 = cdist(Z[lone], Z[pool], "sqeuclidean")        # lone x pool, no d-sized cube
            near = np.argsort(d2, axis=1, kind="stable")[:, :neighbours]
            for j, nn in zip(lone, near):
                proxies[j] = set(ids[pool[nn]])
    out = []
    for tr, va in _stratified(y[orig], folds, seed).split(orig, y[orig]):
        held = set(ids[orig[va]])
        keep = np.array([j for j in syn if not (proxies[j] & held)], dtype=int)
        out.append((np.sort(np.r_[orig[tr], keep]).astype(int), orig[va]))
    return out


def paper_grid() -> dict:
    """The HGB grid of Cusworth et al. (2024): the config's default ``evaluation.auroc.grid``
    (5 learning rates x 5 leaf sizes)."""
    from ..config import defaults

    return defaults()["defaults"]["evaluation"]["auroc"]["grid"]


def _stratified(y, folds, seed):
    """Shuffled stratified k-fold, k cut to the smallest class."""
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(int(min(folds, pd.Series(y).value_counts().min())), shuffle=True,
                           random_state=seed)


def tuned_hgb(X, y, seed=0, grid=None, folds=5, n_jobs=1, cv=None):
    """HistGradientBoostingClassifier tuned by stratified k-fold CV (``grid``: default
    :func:`paper_grid`).

    ``n_jobs`` worker processes share the grid x folds fits (joblib; identical results for
    any ``n_jobs``), each boosting with one OpenMP thread: at a few hundred rows a fit is too
    small to split across threads, and OpenMP's one-thread-per-core default spin-waits on a
    shared machine (one fit went from 0.2 s to 60 s that way). ``cv``: explicit splits (e.g.
    :func:`leak_free_folds`) instead of stratified k-fold over all rows.
    """
    from joblib import parallel_config
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GridSearchCV
    from threadpoolctl import threadpool_limits

    search = GridSearchCV(HistGradientBoostingClassifier(random_state=seed),
                          grid or paper_grid(), scoring="roc_auc",
                          cv=cv if cv is not None else _stratified(y, folds, seed),
                          n_jobs=max(1, int(n_jobs)), error_score=0.5)
    with threadpool_limits(limits=1, user_api="openmp"), parallel_config("loky", inner_max_num_threads=1):
        return search.fit(X, y)


def stability_selection(X, y, features, repeats=10, test_size=0.25, cv=10, top_fraction=0.25,
                        seed=0):
    """LASSO and elastic-net stability selection (Cusworth et al. 2024, after [42] there).

    ``repeats`` times: a stratified split keeps ``1 - test_size`` of the rows; on them an
    L1 (LASSO) and an elastic-net (l1_ratio 0.5) logistic regression, penalty chosen by
    ``cv``-fold CV, each select the features with non-zero coefficients. Kept: the features
    selected by both methods, ranked by how often (LASSO + EN counts), the top ``top_fraction``
    of all features (all of them when fewer qualify). Returns (kept feature names, table of
    per-feature counts).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X, float)
    y = np.asarray(y)
    counts = {"lasso": np.zeros(X.shape[1], int), "elastic_net": np.zeros(X.shape[1], int)}
    for r in range(repeats):
        Xtr, _, ytr, _ = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed + r)
        Xtr = StandardScaler().fit_transform(Xtr)
        k = int(min(cv, pd.Series(ytr).value_counts().min()))
        for name, l1 in (("lasso", 1.0), ("elastic_net", 0.5)):
            model = LogisticRegressionCV(Cs=10, l1_ratios=(l1,), solver="saga", scoring="neg_log_loss",
                                         cv=StratifiedKFold(k, shuffle=True, random_state=seed + r),
                                         max_iter=2000, use_legacy_attributes=False,
                                         random_state=seed + r)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(Xtr, ytr)
            counts[name] += (np.abs(np.atleast_2d(model.coef_)).max(axis=0) > 1e-8)
    table = pd.DataFrame({"feature": list(features), **counts})
    table["both"] = (table["lasso"] > 0) & (table["elastic_net"] > 0)
    table["score"] = table["lasso"] + table["elastic_net"]
    n_keep = max(1, int(np.ceil(top_fraction * len(table))))
    ranked = table[table["both"]].sort_values("score", ascending=False, kind="stable")
    kept = ranked["feature"].head(n_keep).tolist() or list(features)
    table["kept"] = table["feature"].isin(kept)
    return kept, table


TUNINGS = ("grouped", "augmented", "originals")


def _hgb_fit(X, y, params, seed):
    """HistGradientBoosting at fixed hyper-parameters, one OpenMP thread."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        return HistGradientBoostingClassifier(random_state=seed, **params).fit(X, y)


def cv_auroc_at(X, y, params, cv, seed=0) -> float:
    """Mean AUROC over the splits ``cv`` (train, validation indices) of HGB at the fixed
    ``params`` (what a grid search scores for one grid point); folds whose validation rows
    hold one class only are skipped (NaN when all are)."""
    from sklearn.metrics import roc_auc_score

    X, y = np.asarray(X, float), np.asarray(y)
    scores = []
    for tr, va in cv:
        if len(np.unique(y[va])) < 2 or len(np.unique(y[tr])) < 2:
            continue
        model = _hgb_fit(X[tr], y[tr], params, seed)
        scores.append(roc_auc_score(y[va], model.predict_proba(X[va])[:, 1]))
    return float(np.mean(scores)) if scores else float("nan")


def tune_on_originals(augmented: pd.DataFrame, positive: str, seed=0, grid=None, folds=5, n_jobs=1,
                      selected: dict | None = None) -> dict:
    """``tuning: originals``: per repeat (seed) of ``augmented``, HGB tuned by stratified
    k-fold CV on the repeat's original rows only (synthetic rows never enter the search,
    so nothing leaks). Every method of a design shares its subsets' original rows, so one
    search serves them all. Returns ``{seed: {"learning_rate", "min_samples_leaf",
    "cv_originals"}}`` (``cv_originals``: the search's best CV AUROC)."""
    all_feats = _features(augmented)
    out = {}
    for s, tab in augmented.groupby(SEED, sort=True):
        feats = selected[s] if selected is not None else all_feats
        orig = tab[~tab[SYNTHETIC].astype(bool)]
        y = (orig[GROUP].astype(str) == positive).astype(int).to_numpy()
        if len(np.unique(y)) < 2:
            continue
        m = tuned_hgb(orig[feats].to_numpy(float), y, seed=seed + int(s), grid=grid, folds=folds,
                      n_jobs=n_jobs)
        out[int(s)] = {"learning_rate": float(m.best_params_["learning_rate"]),
                       "min_samples_leaf": int(m.best_params_["min_samples_leaf"]),
                       "cv_originals": float(m.best_score_)}
    return out


def originals_of(augmented: pd.DataFrame) -> dict:
    """Per repeat (seed) the sorted IDs of its original rows."""
    orig = augmented[~augmented[SYNTHETIC].astype(bool)]
    return {int(s): tuple(sorted(g[ID].astype(str))) for s, g in orig.groupby(SEED, sort=True)}


def shared_originals(tables) -> None:
    """Raise unless every table holds the same original rows per repeat (the methods of one
    design share its subsets), which ``tuning: originals`` relies on to search once."""
    ref = originals_of(tables[0]) if tables else {}
    for t in tables[1:]:
        if originals_of(t) != ref:
            raise ValueError("tuning 'originals' searches once per design: every method's table "
                             "must hold the same original rows per seed")


def design_tuning(tables, positive: str, tuning: str, seed=0, grid=None, folds=5, n_jobs=1,
                  selected: dict | None = None) -> dict | None:
    """The hyper-parameters every method of one design trains with under ``tuning:
    originals`` (:func:`tune_on_originals` on the real rows the ``tables`` share, checked by
    :func:`shared_originals`); None for the per-method tunings."""
    if tuning != "originals" or not tables:
        return None
    shared_originals(tables)
    return tune_on_originals(tables[0], positive, seed=seed, grid=grid, folds=folds, n_jobs=n_jobs,
                             selected=selected)


def auroc_scores(augmented: pd.DataFrame, design: str, method: str, positive: str,
                 validation: pd.DataFrame | None = None, full: pd.DataFrame | None = None,
                 seed=0, grid=None, folds=5, n_jobs=1, selected: dict | None = None,
                 tuning="grouped", params: dict | None = None) -> pd.DataFrame:
    """AUROC per repeat (= seed): tuned HGB trained on the augmented table, scored on the
    validation table (or, without one, on the full table's samples outside the subset).

    ``selected`` maps a seed to the features to use (stability selection on that seed's
    original rows, see :func:`stability_selection`); ``n_jobs`` = processes per grid search.
    ``tuning``: ``grouped`` (default) tunes with :func:`leak_free_folds` (validation folds of
    original rows, a synthetic row never trains against its parent); ``augmented`` tunes by
    stratified k-fold over all rows, synthetic ones included (the paper's code; leaky);
    ``originals`` tunes on the original rows only (:func:`tune_on_originals`; ``params``: its
    result, when already computed for these subsets) and trains on the augmented table
    with those hyper-parameters.
    ``cv_auroc`` is the tuning's best inner-CV AUROC (``originals``: the leak-free
    :func:`leak_free_folds` CV AUROC of the augmented table at the chosen hyper-parameters,
    the method's own inner estimate): ``cv_auroc - auroc`` is its optimism.
    """
    if tuning not in TUNINGS:
        raise ValueError(f"tuning must be one of {', '.join(TUNINGS)}, got {tuning!r}")
    from sklearn.metrics import roc_auc_score

    if tuning == "originals" and params is None:
        params = tune_on_originals(augmented, positive, seed=seed, grid=grid, folds=folds,
                                   n_jobs=n_jobs, selected=selected)
    all_feats = _features(augmented)
    rows = []
    for s, tab in augmented.groupby(SEED, sort=True):
        feats = selected[s] if selected is not None else all_feats
        test = validation if validation is not None else held_out(full, tab.loc[~tab[SYNTHETIC].astype(bool), ID])
        y = (tab[GROUP].astype(str) == positive).astype(int).to_numpy()
        yt = (test[GROUP].astype(str) == positive).astype(int).to_numpy()
        if len(np.unique(yt)) < 2:
            continue
        X = tab[feats].to_numpy(float)
        cv = None
        if tuning in ("grouped", "originals") and SYNTHETIC in tab:
            cv = leak_free_folds(y, tab[SYNTHETIC].astype(bool).to_numpy(),
                                 tab[PARENT].fillna("").astype(str).to_numpy() if PARENT in tab
                                 else np.full(len(tab), ""), tab[ID].astype(str).to_numpy(),
                                 folds=folds, seed=seed + int(s), X=X)
        if tuning == "originals":
            if int(s) not in params:
                continue
            hp = {k: params[int(s)][k] for k in ("learning_rate", "min_samples_leaf")}
            model = _hgb_fit(X, y, hp, seed + int(s))
            if cv is None:
                cv = list(_stratified(y, folds, seed + int(s)).split(X, y))
            inner = cv_auroc_at(X, y, hp, cv, seed + int(s))
        else:
            model = tuned_hgb(X, y, seed=seed + int(s), grid=grid, folds=folds, n_jobs=n_jobs, cv=cv)
            hp, inner = model.best_params_, float(model.best_score_)
        prob = model.predict_proba(test[feats].to_numpy(float))[:, 1]
        rows.append({"design": design, "method": method, "repeat": int(s),
                     "auroc": roc_auc_score(yt, prob), "auc_diff": roc_auc_score(yt, prob) - 0.5,
                     "learning_rate": hp["learning_rate"],
                     "min_samples_leaf": hp["min_samples_leaf"],
                     "cv_auroc": inner, "tuning": tuning,
                     "iteration": 0, "protocol": "draws",
                     "n_train": len(tab), "n_test": len(test), "n_features": len(feats)})
    return pd.DataFrame(rows)


def best_of(auroc: pd.DataFrame, groups: dict) -> pd.DataFrame:
    """The paper's per-cell choice among a method's variants (e.g. a GAN's alpha pairs).

    For each ``name: [methods]`` of ``groups`` and each design: ``<name>_best_optimistic``
    repeats the rows of the variant with the best mean validation AUROC (the paper's choice:
    chosen on the data it is scored on, so optimistic), ``<name>_best_innercv`` those of the
    variant with the best mean inner-CV AUROC of its tuning (chosen on the training rows
    only, unbiased). ``chosen`` names the variant. Returns the extra rows.
    """
    out = []
    for name, members in (groups or {}).items():
        for d, g in auroc[auroc["method"].isin(members)].groupby("design", sort=False):
            means = g.groupby("method", sort=False)[["auroc", "cv_auroc"]].mean()
            for label, col in (("optimistic", "auroc"), ("innercv", "cv_auroc")):
                pick = means[col].idxmax()
                rows = g[g["method"] == pick].copy()
                rows["chosen"] = pick
                rows["method"] = f"{name}_best_{label}"
                out.append(rows)
    return pd.concat(out, ignore_index=True) if out else auroc.iloc[:0].assign(chosen=pd.Series(dtype=str))


def compare_methods(auroc: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Pairwise AUROC comparisons of methods within each design cell, BH-adjusted over all
    comparisons.

    All methods of a design share each repeat's subset and the same test rows, so the
    comparison is paired: per pair of methods, the mean of the per-repeat differences
    (``method_a - method_b``) with a t interval at ``level``, and the paired t-test
    (``paired = True``, ``n_pairs`` repeats in common). Where the two methods share fewer
    than two repeats the comparison falls back to Welch's unpaired t-test
    (``paired = False``, interval from Welch's degrees of freedom).

    Under the paper protocol (``iteration`` column) a pair is one (repeat, iteration): both
    methods' rows of one iteration share the real draw. With one draw per cell the interval
    then covers generator and classifier randomness only, not other draws of real samples;
    the ``interval`` column says which.
    """
    rows = []
    key = ["repeat", "iteration"] if "iteration" in auroc else ["repeat"]
    for d, g in auroc.groupby("design", sort=False):
        methods = list(pd.unique(g["method"]))
        by = {m: g[g["method"] == m].set_index(key)["auroc"] for m in methods}
        draws = g["repeat"].nunique()
        covers = ("draws of real samples" if "iteration" not in g or g["iteration"].nunique() == 1
                  else f"generator and classifier randomness on {draws} real draw(s)"
                  if draws < 2 else "draws of real samples and generator randomness")
        for a, b in itertools.combinations(methods, 2):
            va, vb = by[a], by[b]
            common = va.index.intersection(vb.index)
            row = {"design": d, "method_a": a, "method_b": b, "mean_a": va.mean(), "mean_b": vb.mean(),
                   "interval": covers}
            if len(common) >= 2:
                diff = (va.loc[common] - vb.loc[common]).to_numpy(float)
                n = len(diff)
                mean, se = diff.mean(), diff.std(ddof=1) / np.sqrt(n)
                q = sps.t.ppf(0.5 + level / 2, n - 1)
                if se > 0:
                    t = mean / se
                    p = 2 * sps.t.sf(abs(t), n - 1)
                else:   # identical differences: no spread to test against
                    t, p = (0.0, 1.0) if mean == 0 else (np.sign(mean) * np.inf, 0.0)
                row.update(mean_difference=mean, ci_low=mean - q * se, ci_high=mean + q * se,
                           t=t, p=p, n_pairs=n, paired=True)
            elif len(va) >= 2 and len(vb) >= 2:
                res = sps.ttest_ind(va, vb, equal_var=False)
                ci = res.confidence_interval(level)
                row.update(mean_difference=va.mean() - vb.mean(), ci_low=ci.low, ci_high=ci.high,
                           t=res.statistic, p=res.pvalue, n_pairs=0, paired=False)
            else:
                row.update(mean_difference=va.mean() - vb.mean(), ci_low=np.nan, ci_high=np.nan,
                           t=np.nan, p=np.nan, n_pairs=len(common), paired=False)
            rows.append(row)
    out = pd.DataFrame(rows)
    if not out.empty:
        ok = out["p"].notna()
        out["p_bh"] = np.nan
        if ok.any():
            out.loc[ok, "p_bh"] = adjust(out.loc[ok, "p"].to_numpy(), "bh")
    return out
