"""Error-inflation control for augmentation: permuted negative controls + Boruta.

Loetsch, Himmelspach & Kringel (2025, iScience) and Loetsch et al. (2026, Pharmacol Res)
guard genESOM augmentation with "dimensionality modulation": a permuted copy
``<feature>__perm`` of every feature (each column shuffled independently, so it keeps its
marginal but loses any link to the class) is added before generation. Whatever
importance such a copy gains is a false positive by construction. The augmentation level
is raised stepwise and feature selection (Boruta) is repeated on random training splits;
the authors judged by eye where the permuted copies start to be selected. This module
automates that judgement with an explicit, checkable rule (see
:func:`error_inflation_control`). It works with any registered generator.

Boruta: the ``boruta`` package (BorutaPy 0.4.3) with a scikit-learn random forest. It
runs unchanged with numpy 2 (checked: its code no longer uses the removed ``np.int`` /
``np.float`` / ``np.bool`` aliases), so no compatibility shim is needed.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .augment import PERM_SUFFIX, add_permuted_copies
from .generators import get_generator
from .utils import derive_seed, get_logger, make_rng

__all__ = ["boruta_select", "bootstrap_threshold", "error_inflation_control"]


def boruta_select(X, y, random_state, alpha=1e-4, max_iter=100, n_estimators="auto",
                  max_depth=None, max_features="sqrt", n_jobs=1):
    """Boolean mask of the features Boruta confirms (tentative ones count as not selected).

    BorutaPy with a ``RandomForestClassifier`` (default ``max_features="sqrt"``, ranger's
    ``mtry``),
    shadow features compared by their maximum importance (``perc=100``) and the
    Bonferroni-only test (``two_step=False``), matching R's ``Boruta`` defaults that the
    authors used (there with ``pValue = 1e-4``, ``maxRuns = 100``).
    """
    from boruta import BorutaPy
    from sklearn.ensemble import RandomForestClassifier

    rf = RandomForestClassifier(n_estimators=100 if n_estimators == "auto" else n_estimators,
                                max_depth=max_depth, max_features=max_features, n_jobs=n_jobs,
                                random_state=random_state)
    sel = BorutaPy(rf, n_estimators=n_estimators, perc=100, alpha=alpha, two_step=False,
                   max_iter=max_iter, random_state=random_state, verbose=0)
    sel.fit(np.asarray(X, float), np.asarray(y))
    return np.asarray(sel.support_, dtype=bool)


def bootstrap_threshold(true, perm, n_boot=100_000, quantile=0.95, rng=None):
    """Upper ``quantile`` of ``n_boot`` bootstrap differences ``true* - perm*``.

    ``true*`` is drawn with replacement from the per-feature ``true`` values and ``perm*``
    independently from the ``perm`` values (the authors' null of "no difference between a
    feature and a permuted feature"). A feature is important when its own
    ``true - perm`` exceeds this threshold.
    """
    rng = np.random.default_rng(rng)
    true, perm = np.asarray(true, float), np.asarray(perm, float)
    diffs = rng.choice(true, n_boot, replace=True) - rng.choice(perm, n_boot, replace=True)
    return float(np.quantile(diffs, quantile))


def _check_levels(levels):
    lv = [float(v) for v in levels]
    if not lv or lv[0] != 0 or any(b <= a for a, b in zip(lv, lv[1:])) or min(lv) < 0:
        raise ValueError(f"levels must be strictly increasing, start at 0 and be >= 0; got {levels!r}")
    return [int(v) if float(v).is_integer() else v for v in lv]


def error_inflation_control(X, y, features, levels=(0, 1, 2, 5), n_seeds=100,
                            train_fraction=0.67, generator="genesom", generator_params=None,
                            alpha=1e-4, max_iter=100, n_estimators="auto", max_depth=None,
                            max_features="sqrt", n_boot=100_000, quantile=0.95, tolerance=0, stop_early=True,
                            n_jobs=1, random_state=0, log=None):
    """Choose the largest augmentation level at which no negative control is inflated.

    For every level ``k`` in ``levels`` (0 = no synthetic rows, only the permuted copies)
    and every seed ``b = 1..n_seeds``:

    1. a stratified ``train_fraction`` training split of ``(X, y)`` (scikit-learn);
    2. a permuted copy ``<feature>__perm`` of every feature on the training rows
       (:func:`omicsaug.augment.add_permuted_copies`);
    3. for ``k > 0``: ``generator`` fitted to the widened training rows, ``k`` synthetic
       rows per training row and class (genESOM: one shared radius for all classes);
    4. Boruta (:func:`boruta_select`) on the training rows plus synthetic rows.

    The split and the permutation depend on ``b`` only, so the levels are compared on the
    same splits (paired). Per level, ``true[f]`` counts the seeds in which feature ``f``
    was confirmed and ``perm[f]`` those in which its permuted copy was.

    Importance (the authors' rule): ``threshold`` = the ``quantile`` (95 %) of ``n_boot``
    (100,000) bootstrap differences of ``true`` minus independently resampled ``perm``
    values (:func:`bootstrap_threshold`); feature ``f`` is important at that level when
    ``true[f] - perm[f] > threshold``.

    Stop rule (automated, checkable): the *limit of alpha-error inflation* is
    ``limit = max_f perm[f]`` at level 0, the most often any permuted copy was confirmed
    without augmentation. Level ``k`` **fails** when ``max_f perm[f] > limit + tolerance``
    at that level, i.e. some permuted copy is confirmed in strictly more seeds than any
    was without augmentation. The levels are tried in increasing order and the chosen
    level is the largest one such that it and every lower level pass (level 0 always
    passes); with ``stop_early`` no level beyond the first failing one is computed.
    A chosen level of 0 means: do not augment.

    Parameters
    ----------
    X : array (n, p)
    y : array (n,)
    features : list of str (p)
    levels : sequence of numbers, default (0, 1, 2, 5)
        Synthetic rows per original row; must start at 0 and increase.
    n_seeds : int, default 100
        Splits per level (authors: 100).
    train_fraction : float, default 0.67
    generator : str, default "genesom"
        Any registered generator.
    generator_params : dict or None
        Its hyper-parameters (e.g. ``{"radius": 1.355932203}``).
    alpha, max_iter : float, int, default 1e-4, 100
        Boruta's p-value and maximum number of runs (authors: 1e-4, 100).
    n_estimators : int or "auto", default "auto"
        Trees per forest (BorutaPy's "auto" scales with the number of features).
    max_depth : int or None
    max_features : "sqrt", int, float or None, default "sqrt"
        Split candidates per node of the forest (R ranger's default ``mtry``: sqrt).
    n_boot, quantile : int, float, default 100_000, 0.95
    tolerance : int, default 0
        Extra selections a permuted copy may gain over the limit before a level fails.
    stop_early : bool, default True
    n_jobs : int, default 1
        Random-forest threads.
    random_state : int, default 0
    log : logging.Logger or None

    Returns
    -------
    decision : dict
        ``chosen_level``, ``limit`` (count) and ``limit_frequency``, ``tolerance``,
        ``n_seeds``, ``levels`` (per computed level: ``level``, ``max_perm``,
        ``max_perm_feature`` (None when no copy was selected), ``threshold``, ``n_important``, ``passed``),
        ``stopped_at`` (first failing level or None) and ``reason`` (one sentence).
    evidence : pandas.DataFrame
        One row per (level, feature): ``level``, ``feature``, ``true``, ``perm`` (counts),
        ``true_freq``, ``perm_freq``, ``diff``, ``threshold``, ``important``, ``n_seeds``.

    References
    ----------
    Loetsch J, Himmelspach A, Kringel D (2025). iScience (negative controls, Boruta).
    Kursa MB, Rudnicki WR (2010). J Stat Softw 36(11) (Boruta).
    """
    from sklearn.model_selection import train_test_split

    log = log or get_logger()
    X = np.asarray(X, float)
    y = np.asarray(y).astype(str)
    features = [str(f) for f in features]
    if X.ndim != 2 or X.shape[1] != len(features) or len(y) != len(X):
        raise ValueError(f"X {X.shape}, y ({len(y)}) and features ({len(features)}) do not match")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values: impute first")
    levels = _check_levels(levels)
    if not (isinstance(n_seeds, (int, np.integer)) and n_seeds >= 1):
        raise ValueError(f"n_seeds must be a positive integer, got {n_seeds!r}")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    generator_params = dict(generator_params or {})
    p = X.shape[1]

    splits = []
    for b in range(n_seeds):
        tr, _ = train_test_split(np.arange(len(X)), train_size=train_fraction, stratify=y,
                                 random_state=derive_seed(random_state, "split", b))
        Xw, _ = add_permuted_copies(X[tr], features, make_rng(random_state, "perm", b))
        splits.append((Xw, y[tr]))

    rows, summary = [], []
    limit = None
    stopped_at = None
    for k in levels:
        t0 = time.perf_counter()
        true = np.zeros(p, int)
        perm = np.zeros(p, int)
        for b, (Xw, yt) in enumerate(splits):
            Xa, ya = Xw, yt
            if k > 0:
                gen = get_generator(generator, random_state=derive_seed(random_state, "gen", k, b),
                                    **generator_params).fit(Xw, yt)
                cls, cnt = np.unique(yt, return_counts=True)
                Xn, yn = gen.sample({c: int(round(k * m)) for c, m in zip(cls, cnt)})
                Xa, ya = np.vstack([Xw, Xn]), np.concatenate([yt, np.asarray(yn).astype(str)])
            sel = boruta_select(Xa, ya, derive_seed(random_state, "boruta", k, b), alpha=alpha,
                                max_iter=max_iter, n_estimators=n_estimators,
                                max_depth=max_depth, max_features=max_features, n_jobs=n_jobs)
            true += sel[:p]
            perm += sel[p:]
        thr = bootstrap_threshold(true, perm, n_boot, quantile,
                                  make_rng(random_state, "bootstrap", str(k)))
        diff = true - perm
        important = diff > thr
        mp = int(perm.max())
        if limit is None:
            limit = mp
        passed = mp <= limit + tolerance
        summary.append({"level": k, "max_perm": mp,
                        "max_perm_feature": (features[int(perm.argmax())] + PERM_SUFFIX) if mp else None,
                        "threshold": thr, "n_important": int(important.sum()), "passed": bool(passed)})
        rows.append(pd.DataFrame({"level": k, "feature": features, "true": true, "perm": perm,
                                  "true_freq": true / n_seeds, "perm_freq": perm / n_seeds,
                                  "diff": diff, "threshold": thr, "important": important,
                                  "n_seeds": n_seeds}))
        log.info("error control level %s: %d important, max perm selections %d (limit %d) -> %s "
                 "in %.1f s", k, important.sum(), mp, limit, "pass" if passed else "FAIL",
                 time.perf_counter() - t0)
        if not passed:
            stopped_at = k
            if stop_early:
                break

    chosen = 0
    for s in summary:
        if not s["passed"]:
            break
        chosen = s["level"]
    if stopped_at is None:
        reason = (f"no permuted copy was confirmed in more than {limit + tolerance} of {n_seeds} "
                  f"seeds at any level up to {summary[-1]['level']}; chose the largest level")
    else:
        f = next(s for s in summary if s["level"] == stopped_at)
        reason = (f"at level {stopped_at} {f['max_perm_feature']} was confirmed in {f['max_perm']} "
                  f"of {n_seeds} seeds, above the limit of {limit} (+{tolerance}) set by the "
                  f"permuted copies without augmentation; chose the level before it")
    decision = {"chosen_level": chosen, "limit": int(limit), "limit_frequency": limit / n_seeds,
                "tolerance": tolerance, "n_seeds": int(n_seeds), "levels": summary,
                "stopped_at": stopped_at, "reason": reason, "generator": generator,
                "generator_params": generator_params}
    return decision, pd.concat(rows, ignore_index=True)
