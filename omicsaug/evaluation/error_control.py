"""Error-inflation control for augmentation: permuted negative controls + Boruta.

Loetsch, Himmelspach & Kringel (2025, iScience) and Loetsch et al. (2026, Pharmacol Res)
guard genESOM augmentation with "dimensionality modulation": a permuted copy
``<feature>__perm`` of every feature (each column shuffled independently, so it keeps its
marginal but loses any link to the class) is added before generation. Whatever
importance such a copy gains is a false positive by construction. The augmentation level
is raised stepwise and feature selection (Boruta) is repeated on random training splits;
the authors judged by eye where the permuted copies start to be selected. This module
automates that judgement with one of three explicit, checkable rules (``rule``; see
:func:`error_inflation_control`):

- ``authors``: faithful to the authors' code (``analyze_variable_importance.R``): at each level
  the *limit of alpha-error inflation* is the largest Boruta importance (``maxImp``) reached by
  any permuted copy over all splits; a level fails when its limit rises above the limit without
  augmentation. Feature importance uses their paired bootstrap (both resamples drawn after the
  same ``set.seed``, so the positions of ``true`` and ``perm`` are paired).
- ``count``: this project's own earlier rule: a level fails when a permuted copy is confirmed in
  more splits than any permuted copy was without augmentation.
- ``calibrated`` (default): per split, the highest hit rate of any permuted copy (the fraction
  of Boruta's runs in which it beat the best shadow feature, Boruta's own yardstick) at level k
  minus that at level 0 (the same split), tested one-sided by an exact paired sign-flip test;
  levels are tested in increasing order and the first with p <= ``stop_alpha`` stops. At a
  level that adds no inflation the paired differences are symmetric about 0, so the chance of
  stopping there is at most ``stop_alpha``.

It works with any registered generator.

Boruta: the ``boruta`` package (BorutaPy 0.4.3) with a scikit-learn random forest. It
runs unchanged with numpy 2 (checked: its code no longer uses the removed ``np.int`` /
``np.float`` / ``np.bool`` aliases), so no compatibility shim is needed.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..augment import add_permuted_copies, n_new_per_class
from ..generators import get_generator
from ..table import GROUP, ID, PERM_SUFFIX, SEED
from ..utils import derive_seed, get_logger, make_rng

__all__ = ["RULES", "boruta_select", "bootstrap_threshold", "error_inflation_control",
           "sign_flip_pvalue", "control_subsets"]

RULES = ("calibrated", "authors", "count")


def _recording_boruta():
    """BorutaPy that also keeps, per run, the importance of the best shadow feature (the bar
    every feature must clear), which BorutaPy computes but does not store."""
    from boruta import BorutaPy

    class RecordingBoruta(BorutaPy):
        def fit(self, X, y):
            self.shadow_max_history_ = []
            return super().fit(X, y)

        def _assign_hits(self, hit_reg, cur_imp, imp_sha_max):
            self.shadow_max_history_.append(float(imp_sha_max))
            return super()._assign_hits(hit_reg, cur_imp, imp_sha_max)

    return RecordingBoruta


def boruta_select(X, y, random_state, alpha=1e-4, max_iter=100, n_estimators="auto",
                  max_depth=None, max_features="sqrt", n_jobs=1, return_importance=False):
    """Boolean mask of the features Boruta confirms (tentative ones count as not selected).

    With ``return_importance`` returns (mask, max_importance, hit_rate): each feature's largest
    importance over Boruta's runs (R Boruta's ``maxImp``; here BorutaPy's impurity
    importance) and the fraction of the runs in which it was still in play where it beat the
    best shadow feature (Boruta's own yardstick: a feature is confirmed when that happens
    more often than chance allows).

    BorutaPy with a ``RandomForestClassifier`` (default ``max_features="sqrt"``, ranger's
    ``mtry``),
    shadow features compared by their maximum importance (``perc=100``) and the
    Bonferroni-only test (``two_step=False``), matching R's ``Boruta`` defaults that the
    authors used (there with ``pValue = 1e-4``, ``maxRuns = 100``).
    """
    from sklearn.ensemble import RandomForestClassifier

    BorutaPy = _recording_boruta()
    rf = RandomForestClassifier(n_estimators=100 if n_estimators == "auto" else n_estimators,
                                max_depth=max_depth, max_features=max_features, n_jobs=n_jobs,
                                random_state=random_state)
    sel = BorutaPy(rf, n_estimators=n_estimators, perc=100, alpha=alpha, two_step=False,
                   max_iter=max_iter, random_state=random_state, verbose=0)
    sel.fit(np.asarray(X, float), np.asarray(y))
    support = np.asarray(sel.support_, dtype=bool)
    if not return_importance:
        return support
    hist = np.asarray(sel.importance_history_, float)[1:]   # the first row is all zeros
    sha = np.asarray(sel.shadow_max_history_, float)[: len(hist), None]
    seen = np.isfinite(hist)
    n_seen = seen.sum(axis=0)
    imp = np.where(n_seen > 0, np.where(seen, hist, -np.inf).max(axis=0, initial=-np.inf), 0.0)
    hits = np.where(seen, hist > sha, False).sum(axis=0)
    return support, np.maximum(imp, 0.0), hits / np.maximum(n_seen, 1)


def bootstrap_threshold(true, perm, n_boot=100_000, quantile=0.95, rng=None, paired=True):
    """Upper ``quantile`` of ``n_boot`` bootstrap differences ``true* - perm*``.

    ``paired`` (the authors' code: both samples drawn after the same ``set.seed``, so they
    take the same positions): ``true*`` and ``perm*`` are the values of the same resampled
    feature. ``paired=False``: drawn independently from the two vectors. A feature is
    important when its own ``true - perm`` exceeds this threshold.
    """
    rng = np.random.default_rng(rng)
    true, perm = np.asarray(true, float), np.asarray(perm, float)
    if paired:
        if len(true) != len(perm):
            raise ValueError("a paired bootstrap needs one perm value per feature")
        idx = rng.integers(0, len(true), n_boot)
        diffs = true[idx] - perm[idx]
    else:
        diffs = rng.choice(true, n_boot, replace=True) - rng.choice(perm, n_boot, replace=True)
    return float(np.quantile(diffs, quantile))


def sign_flip_pvalue(d, n_flips=20_000, rng=None) -> float:
    """One-sided p-value of an exact paired sign-flip test that the differences ``d`` are
    centred above 0: the fraction of sign assignments whose mean is at least the observed one
    (all 2^B of them for B <= 16 pairs, else ``n_flips`` random ones with the +1 correction)."""
    d = np.asarray(d, float)
    obs = d.mean() - 1e-12 * max(1.0, np.abs(d).max(initial=0))
    B = len(d)
    if B <= 16:
        signs = 1 - 2 * ((np.arange(2 ** B)[:, None] >> np.arange(B)) & 1)
        return float(((signs * d).mean(axis=1) >= obs).mean())
    signs = np.random.default_rng(rng).choice([-1.0, 1.0], (n_flips, B))
    return float((1 + ((signs * d).mean(axis=1) >= obs).sum()) / (n_flips + 1))


def _check_levels(levels):
    lv = [float(v) for v in levels]
    if not lv or lv[0] != 0 or any(b <= a for a, b in zip(lv, lv[1:])) or min(lv) < 0:
        raise ValueError(f"levels must be strictly increasing, start at 0 and be >= 0; got {levels!r}")
    return [int(v) if float(v).is_integer() else v for v in lv]


def error_inflation_control(X, y, features, levels=(0, 1, 2, 5), n_seeds=100,
                            train_fraction=0.67, generator="genesom", generator_params=None,
                            alpha=1e-4, max_iter=100, n_estimators="auto", max_depth=None,
                            max_features="sqrt", n_boot=100_000, quantile=0.95, tolerance=0,
                            stop_early=True, rule="calibrated", stop_alpha=0.05, n_jobs=1,
                            random_state=0, log=None):
    """Choose the largest augmentation level at which no negative control is inflated.

    For every level ``k`` in ``levels`` (0 = no synthetic rows, only the permuted copies)
    and every seed ``b = 1..n_seeds``:

    1. a stratified ``train_fraction`` training split of ``(X, y)`` (scikit-learn);
    2. a permuted copy ``<feature>__perm`` of every feature on the training rows
       (:func:`omicsaug.augment.add_permuted_copies`);
    3. for ``k > 0``: ``generator`` fitted to the widened training rows, ``k`` synthetic
       rows per training row and class (genESOM: one shared radius for all classes);
    4. Boruta (:func:`boruta_select`) on the training rows plus synthetic rows: which features
       it confirms, each feature's largest importance over its runs (``maxImp``) and its hit
       rate (the fraction of runs in which it beat the best shadow feature).

    The split and the permutation depend on ``b`` only, so the levels are compared on the
    same splits (paired). Per level, ``true[f]`` counts the seeds in which feature ``f``
    was confirmed and ``perm[f]`` those in which its permuted copy was; ``I_k[b]`` is the
    largest importance of any permuted copy in split ``b`` and ``T_k[b]`` the highest hit
    rate of any permuted copy (Boruta's yardstick: a copy is confirmed when it beats the best
    shadow more often than chance allows).

    Importance (the authors' rule): ``threshold`` = the ``quantile`` (95 %) of ``n_boot``
    (100,000) paired bootstrap differences ``true - perm`` (:func:`bootstrap_threshold`);
    feature ``f`` is important at that level when ``true[f] - perm[f] > threshold``.

    Stop rules (``rule``); level 0 always passes:

    - ``calibrated``: level ``k`` fails when the exact one-sided paired sign-flip test of
      ``T_k[b] - T_0[b]`` over the splits gives p <= ``stop_alpha``
      (:func:`sign_flip_pvalue`). Levels are tested in increasing order and the first failure
      stops, so at a level that adds no inflation (the paired differences are then symmetric
      about 0) the chance of stopping is at most ``stop_alpha``.
    - ``authors``: the limit of alpha-error inflation of a level is ``max_b I_k[b]``, the
      dashed line of the authors' importance plots; level ``k`` fails when it is larger than
      level 0's limit (a permuted copy reaches an importance none reached without
      augmentation).
    - ``count`` (this project's rule): ``limit = max_f perm[f]`` at level 0; level ``k``
      fails when ``max_f perm[f] > limit + tolerance``.

    The chosen level is the largest one such that it and every lower level pass; with
    ``stop_early`` no level beyond the first failing one is computed. A chosen level of 0
    means: do not augment.

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
        ``count`` rule: extra selections a permuted copy may gain over the limit.
    stop_early : bool, default True
    rule : {"calibrated", "authors", "count"}, default "calibrated"
    stop_alpha : float, default 0.05
        ``calibrated`` rule: the test level.
    n_jobs : int, default 1
        Random-forest threads.
    random_state : int, default 0
    log : logging.Logger or None

    Returns
    -------
    decision : dict
        ``chosen_level``, ``rule``, ``limit`` (count) and ``limit_frequency``,
        ``importance_limit`` (level 0), ``tolerance``, ``stop_alpha``, ``n_seeds``,
        ``levels`` (per computed level: ``level``, ``max_perm``, ``max_perm_feature`` (None
        when no copy was selected), ``importance_limit``, ``p_inflation`` (calibrated test;
        None at level 0), ``threshold``, ``n_important``, ``passed``), ``stopped_at`` (first
        failing level or None) and ``reason`` (one sentence).
    evidence : pandas.DataFrame
        One row per (level, feature): ``level``, ``feature``, ``true``, ``perm`` (counts),
        ``true_freq``, ``perm_freq``, ``diff``, ``threshold``, ``important``, ``n_seeds``,
        ``max_importance``, ``perm_max_importance`` (largest over the splits).

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
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
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
    limit = imp_limit0 = T0 = None
    stopped_at = None
    for k in levels:
        t0 = time.perf_counter()
        true = np.zeros(p, int)
        perm = np.zeros(p, int)
        imp_true = np.zeros(p)
        imp_perm = np.zeros(p)
        T = np.zeros(n_seeds)      # per split: the best hit rate of a permuted copy
        Imax = np.zeros(n_seeds)   # per split: the largest importance of a permuted copy
        for b, (Xw, yt) in enumerate(splits):
            Xa, ya = Xw, yt
            if k > 0:
                gen = get_generator(generator, random_state=derive_seed(random_state, "gen", k, b),
                                    **generator_params).fit(Xw, yt)
                cls, cnt = np.unique(yt, return_counts=True)
                Xn, yn = gen.sample(n_new_per_class(dict(zip(cls, cnt)), "ratio", k))  # one rounding rule
                Xa, ya = np.vstack([Xw, Xn]), np.concatenate([yt, np.asarray(yn).astype(str)])
            sel, imp, hit_rate = boruta_select(Xa, ya, derive_seed(random_state, "boruta", k, b), alpha=alpha,
                                     max_iter=max_iter, n_estimators=n_estimators,
                                     max_depth=max_depth, max_features=max_features, n_jobs=n_jobs,
                                     return_importance=True)
            true += sel[:p]
            perm += sel[p:]
            imp_true = np.maximum(imp_true, imp[:p])
            imp_perm = np.maximum(imp_perm, imp[p:])
            T[b] = hit_rate[p:].max()
            Imax[b] = imp[p:].max()
        thr = bootstrap_threshold(true, perm, n_boot, quantile,
                                  make_rng(random_state, "bootstrap", str(k)))
        diff = true - perm
        important = diff > thr
        mp = int(perm.max())
        p_infl = None
        if limit is None:
            limit, imp_limit0, T0 = mp, float(Imax.max()), T.copy()
        if k == levels[0]:
            passed = True
        elif rule == "count":
            passed = mp <= limit + tolerance
        elif rule == "authors":
            passed = float(Imax.max()) <= imp_limit0
        else:
            p_infl = sign_flip_pvalue(T - T0, rng=make_rng(random_state, "signflip", str(k)))
            passed = p_infl > stop_alpha
        summary.append({"level": k, "max_perm": mp,
                        "max_perm_feature": (features[int(perm.argmax())] + PERM_SUFFIX) if mp else None,
                        "importance_limit": float(Imax.max()), "perm_hit_rate": float(T.mean()),
                        "p_inflation": p_infl,
                        "threshold": thr, "n_important": int(important.sum()), "passed": bool(passed)})
        rows.append(pd.DataFrame({"level": k, "feature": features, "true": true, "perm": perm,
                                  "true_freq": true / n_seeds, "perm_freq": perm / n_seeds,
                                  "diff": diff, "threshold": thr, "important": important,
                                  "n_seeds": n_seeds, "max_importance": imp_true,
                                  "perm_max_importance": imp_perm}))
        log.info("error control (%s rule) level %s: %d important, max perm selections %d (limit %d), "
                 "largest perm importance %.4f (level 0: %.4f)%s -> %s in %.1f s", rule, k,
                 important.sum(), mp, limit, Imax.max(), imp_limit0,
                 "" if p_infl is None else f", sign-flip p {p_infl:.3g}", "pass" if passed else "FAIL",
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
    top = summary[-1]["level"]
    if stopped_at is None:
        if rule == "count":
            reason = (f"no permuted copy was confirmed in more than {limit + tolerance} of "
                      f"{n_seeds} seeds at any level up to {top}")
        elif rule == "authors":
            reason = (f"no permuted copy's importance exceeded the limit without augmentation "
                      f"({imp_limit0:.4g}) at any level up to {top}")
        else:
            reason = (f"the permuted copies' importance did not rise significantly (paired "
                      f"sign-flip test, alpha {stop_alpha}) at any level up to {top}")
        reason += "; chose the largest level"
    else:
        f = next(s for s in summary if s["level"] == stopped_at)
        if rule == "count":
            reason = (f"at level {stopped_at} {f['max_perm_feature']} was confirmed in "
                      f"{f['max_perm']} of {n_seeds} seeds, above the limit of {limit} "
                      f"(+{tolerance}) set by the permuted copies without augmentation")
        elif rule == "authors":
            reason = (f"at level {stopped_at} a permuted copy reached importance "
                      f"{f['importance_limit']:.4g}, above the limit of alpha-error inflation "
                      f"without augmentation ({imp_limit0:.4g})")
        else:
            reason = (f"at level {stopped_at} the permuted copies beat Boruta's shadows more "
                      f"often than at level 0 on the same splits (paired sign-flip p = {f['p_inflation']:.3g} "
                      f"<= {stop_alpha})")
        reason += "; chose the level before it"
    decision = {"chosen_level": chosen, "rule": rule, "limit": int(limit),
                "limit_frequency": limit / n_seeds, "importance_limit": imp_limit0,
                "tolerance": tolerance, "stop_alpha": stop_alpha, "n_seeds": int(n_seeds),
                "levels": summary, "stopped_at": stopped_at, "reason": reason,
                "generator": generator, "generator_params": generator_params}
    return decision, pd.concat(rows, ignore_index=True)


def control_subsets(subsets: pd.DataFrame, n_subsets=None, random_state=0, log=None, **kwargs):
    """:func:`error_inflation_control` on each of the first ``n_subsets`` seeds of a design
    (all when None). Returns (decision, evidence): ``decision`` holds ``per_seed`` (seed ->
    chosen level), ``seed_decisions`` (each seed's full decision) and, for the seeds not
    controlled, ``chosen_level`` = the smallest level chosen for any controlled seed (the
    conservative design-wide choice); ``evidence`` gains a ``seed`` column.
    """
    log = log or get_logger()
    seeds = list(pd.unique(subsets[SEED]))
    seeds = seeds[: n_subsets] if n_subsets else seeds
    features = [c for c in subsets.columns if c not in (SEED, ID, GROUP)]
    per, decisions, evidence = {}, {}, []
    for i, s in enumerate(seeds):
        sub = subsets[subsets[SEED] == s]
        d, ev = error_inflation_control(sub[features].to_numpy(float), sub[GROUP].to_numpy(str),
                                        features, random_state=derive_seed(random_state, int(s)),
                                        log=log, **kwargs)
        per[int(s)], decisions[int(s)] = d["chosen_level"], d
        ev.insert(0, "seed", int(s))
        evidence.append(ev)
        log.info("error control seed %s (%d/%d): level %s (%s)", s, i + 1, len(seeds),
                 d["chosen_level"], d["reason"])
    first = decisions[int(seeds[0])]
    decision = {**{k: v for k, v in first.items() if k not in ("chosen_level", "reason")},
                "chosen_level": min(per.values()), "per_seed": per,
                "seeds_controlled": len(seeds), "first_seed": int(seeds[0]),
                "reason": (first["reason"] if len(seeds) == 1 else
                           f"levels chosen per seed: {per}; for other seeds the smallest, "
                           f"{min(per.values())}"),
                "seed_decisions": decisions}
    return decision, pd.concat(evidence, ignore_index=True)
