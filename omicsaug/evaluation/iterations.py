"""The WGAN paper's AUROC protocol (Cusworth, Gkoutos, Acharjee 2024): one real draw per
experiment cell, iterations of new synthetic rows on it.

"Five-fold cross validation was used to tune the hyperparameters ... 100 classifiers were
produced, using the corresponding hyperparameters, generating new data (balancing) for each
iteration." Per (cell, method, subset) the generators were fitted once (the augment job
keeps every seed's fit), HistGradientBoosting is tuned once (on iteration 0's table, with
the configured leak-free or leaky folds), and every iteration draws new synthetic rows from
the same fit (``Generator.reseed``), refits the classifier with the tuned hyper-parameters
and scores it on the validation rows. The spread over iterations is generator and
classifier randomness only: it says nothing about other studies' samples (that is the
``draws`` protocol's spread).

A method in ``hold_seed`` draws its rows with the same seed in every iteration, as the
paper's SMOTE and random oversampling did (their SD of exactly 0). Identical training tables
are scored once and the score reused (HistGradientBoosting with a fixed ``random_state`` is
deterministic), which is exact and saves the refits of ``none`` and held methods.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..augment import _add_synthetic, _seed_table, spec_for_seed
from ..table import GROUP, ID, SEED, SYNTHETIC, feature_columns, held_out
from ..utils import derive_seed, get_logger


def regenerate(gen, originals: pd.DataFrame, spec: dict, seed: int, where="") -> pd.DataFrame:
    """One iteration's augmented table: ``originals`` (one subset's rows of the augmented
    table, original rows only) plus fresh synthetic rows from the fitted ``gen`` restarted
    at ``seed``; the same columns as the augment job's table."""
    s = originals[SEED].iloc[0]
    names = feature_columns(originals)
    X = originals[names].to_numpy(float)
    y = originals[GROUP].astype(str).to_numpy()
    gen.reseed(seed)
    X_all, y_all, syn, parent, names = _add_synthetic(gen, X, y, names, spec_for_seed(spec, s), where)
    return _seed_table(s, originals[ID].astype(str).to_numpy(), X_all, y_all, syn, parent, names)


def _sweeps(spec: dict, multipliers) -> bool:
    """Whether ``spec`` is swept over ``multipliers`` (an expand-mode method)."""
    return bool(multipliers) and spec["amount"].get("mode") == "expand"


def sweep_specs(spec: dict, multipliers) -> list[tuple[str, dict]]:
    """(row name, spec) per amount: an expand-mode method with ``multipliers`` becomes one
    entry per multiplier (``<method>_x<m>``, sampled from the same fitted generators);
    every other method is itself."""
    if _sweeps(spec, multipliers):
        return [(f"{spec['name']}_x{m:g}", {**spec, "amount": {**spec["amount"], "multiplier": float(m)}})
                for m in multipliers]
    return [(spec["name"], spec)]


def _digest(table: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes()).hexdigest()


def _score(X, y, Xt, yt, params, seed):
    from sklearn.metrics import roc_auc_score

    from .classify import _hgb_fit

    return float(roc_auc_score(yt, _hgb_fit(X, y, params, seed).predict_proba(Xt)[:, 1]))


def auroc_iterations(augmented: pd.DataFrame, fits: dict, spec: dict, design: str, positive: str,
                     validation: pd.DataFrame | None = None, full: pd.DataFrame | None = None,
                     base_seed=0, seed=0, iterations=100, hold=False, multipliers=(), grid=None,
                     folds=5, n_jobs=1, tuning="grouped", params=None, log=None) -> pd.DataFrame:
    """AUROC rows of one (design, method) under the paper protocol: per subset (seed) of
    ``augmented`` and per amount (:func:`sweep_specs`), tune once on iteration 0, then
    ``iterations`` rounds of regenerate + refit + score. ``fits``: seed -> fitted generator
    (the augment job's). ``base_seed`` seeds the iterations' rows, ``seed`` the classifier.
    ``tuning``/``params`` as :func:`.classify.auroc_scores` (``originals``: ``params``, the
    design's one search on its original rows, else searched here).
    Columns as :func:`.classify.auroc_scores` plus ``iteration`` and ``protocol``.
    """
    from joblib import Parallel, delayed, parallel_config

    from .classify import auroc_scores, tune_on_originals

    log = log or get_logger()
    if tuning == "originals" and params is None:   # one search for every amount and iteration
        params = tune_on_originals(augmented, positive, seed=seed, grid=grid, folds=folds, n_jobs=n_jobs)
    rows = []
    for s, tab in augmented.groupby(SEED, sort=True):
        originals = tab[~tab[SYNTHETIC].astype(bool)]
        gen = fits[int(s)]
        test = validation if validation is not None else held_out(full, originals[ID])
        for name, sp in sweep_specs(spec, multipliers):
            tables = [regenerate(gen, originals, sp, derive_seed(base_seed, design, int(s), name,
                                                                 "iteration", 0 if hold else i),
                                 f", design {design}, seed {s}, iteration {i}")
                      for i in range(int(iterations))]
            tuned = auroc_scores(tables[0], design, name, positive, validation=test, seed=seed,
                                 grid=grid, folds=folds, n_jobs=n_jobs, tuning=tuning, params=params)
            if tuned.empty:
                continue
            best = tuned.iloc[0]
            hp = {"learning_rate": float(best["learning_rate"]),
                  "min_samples_leaf": int(best["min_samples_leaf"])}
            feats = feature_columns(tables[0], controls=False)
            yt = (test[GROUP].astype(str) == positive).astype(int).to_numpy()
            Xt = test[feats].to_numpy(float)
            digests = [_digest(t) for t in tables]
            todo = {d: i for i, d in reversed(list(enumerate(digests)))}  # first of each table
            todo.pop(digests[0])
            with parallel_config("loky", inner_max_num_threads=1):
                scores = Parallel(n_jobs=max(1, int(n_jobs)))(
                    delayed(_score)(tables[i][feats].to_numpy(float),
                                    (tables[i][GROUP].astype(str) == positive).astype(int).to_numpy(),
                                    Xt, yt, hp, seed + int(s)) for i in todo.values())
            by = {digests[0]: float(best["auroc"]), **dict(zip(todo, scores))}
            for i, t in enumerate(tables):
                a = by[digests[i]]
                rows.append({**best.to_dict(), "method": name, "iteration": i, "auroc": a,
                             "auc_diff": a - 0.5, "n_train": len(t), "protocol": "paper"})
            au = [by[d] for d in digests]
            log.info("%s %s seed %s: %s (lr %g, leaf %d, inner-CV AUROC %.3f), %d "
                     "iterations (%d distinct tables): AUROC %.3f +- %.3f", design, name, s,
                     "the design's tuning on its real rows" if tuning == "originals" else "tuned once",
                     hp["learning_rate"], hp["min_samples_leaf"], best["cv_auroc"],
                     len(tables), len(by), np.mean(au), np.std(au, ddof=1) if len(au) > 1 else 0.0)
    return pd.DataFrame(rows)


class _Lines:
    """A worker's log lines, passed back to the job's log (workers do not share it)."""

    def __init__(self):
        self.lines = []

    def info(self, msg, *args):
        self.lines.append(msg % args if args else msg)


def _unit(table, fit_path, spec, multipliers, hold, kw):
    from ..utils import load_fit

    log = _Lines()
    out = auroc_iterations(table, load_fit(fit_path)["fits"], spec, hold=hold,
                           multipliers=multipliers, n_jobs=1, log=log, **kw)
    return out, log.lines


def auroc_paper_job(tables, fit_paths, specs, methods, design, positive, *, hold_seed=(),
                    multipliers=(), n_jobs=1, log=None, **kw) -> pd.DataFrame:
    """:func:`auroc_iterations` for every method of one design (the AUROC job of protocol
    ``paper``), its units spread over ``n_jobs`` worker processes.

    A unit is one (method, amount): an expand-mode method with ``multipliers`` gives one
    unit per multiplier. Each unit tunes on one core and refits its iterations on it, so
    both cores stay busy through the whole job (a grid search or the refits of one method
    shared over two workers left one idle at every method's start and end); the units
    start with those that refit (the longest), the tuning-only ones (``none``, held seeds)
    fill the end. Every unit's numbers depend on its own seeds only: the table is the same
    for any ``n_jobs`` (rows in method order, then multiplier order).

    With ``tuning="originals"`` the grid search runs once for the design, on the original
    rows its methods share (over ``n_jobs`` processes), before the units; each unit then
    only refits with those hyper-parameters.
    """
    from joblib import Parallel, delayed, parallel_config

    from .classify import design_tuning

    log = log or get_logger()
    if kw.get("params") is None:
        kw = {**kw, "params": design_tuning(tables, positive, kw.get("tuning", "grouped"),
                                            seed=kw.get("seed", 0), grid=kw.get("grid"),
                                            folds=kw.get("folds", 5), n_jobs=n_jobs)}
        for s, p in (kw["params"] or {}).items():
            log.info("%s seed %s: HGB tuned once for every method on the original rows "
                     "(lr %g, leaf %d, CV AUROC %.3f)", design, s, p["learning_rate"],
                     p["min_samples_leaf"], p["cv_originals"])
    units = []
    for table, fit, spec, method in zip(tables, fit_paths, specs, methods):
        hold = method in set(hold_seed)
        per = [(m,) for m in multipliers] if _sweeps(spec, multipliers) else [()]
        for m in per:
            units.append((table, fit, spec, tuple(m), hold, method))
    refits = [i for i, u in enumerate(units) if not u[4] and u[5] != "none"]
    order = refits + [i for i in range(len(units)) if i not in refits]
    args = {**kw, "design": design, "positive": positive}
    if int(n_jobs) <= 1:
        done = {i: _unit(*units[i][:5], args) for i in order}
    else:
        with parallel_config("loky", inner_max_num_threads=1):
            res = Parallel(n_jobs=int(n_jobs), batch_size=1, pre_dispatch="all")(
                delayed(_unit)(*units[i][:5], args) for i in order)
        done = dict(zip(order, res))
    parts = []
    for i in range(len(units)):
        out, lines = done[i]
        for line in lines:
            log.info(line)
        parts.append(out)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
