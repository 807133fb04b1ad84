"""The A/A study of the verdict rule: how often two methods with identical statistics, each
judged against its own independent permutation null, get ``gains`` or ``loses``.

One replicate: a table with known effects (Gaussian rows with latent-factor correlation,
``n_per_group`` per group; a tenth of the features shifted by log-normal sizes, so that the
calibrated power at 6 per group lies between 0 and 1 and the critical value matters), ``seeds``
subsets of it, the same observed statistics for both "methods", and for each its own null of
``n_null`` label permutations (pooled over the subsets when there are several, per subset
otherwise, as the workflow pools). The verdict is :func:`.verdict.decide` on
:func:`.verdict.paired_replicates`, exactly as the calibration report calls them.
Used by ``benchmarks/aa_verdicts.py`` and by a small A/A in the test suite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..utils import make_rng
from .power import PowerBootstrap
from .reference import anova_stat
from .verdict import decide, paired_replicates


def _effects(rng, n_features, effect_fraction=0.1, median=1.5):
    """The true-effect mask and signed log-normal sizes (SDs) of one A/A data set."""
    effect = np.zeros(n_features, bool)
    effect[rng.choice(n_features, max(1, int(effect_fraction * n_features)), replace=False)] = True
    size = rng.lognormal(np.log(median), 0.5, effect.sum()) * rng.choice([-1, 1], effect.sum())
    return effect, size


def _rows(rng, n_features, y, effect, size):
    """Rows with block correlation (one factor per 10 features); the last group shifted."""
    f = rng.standard_normal((len(y), -(-n_features // 10)))
    load = rng.uniform(0.3, 0.8, n_features)
    X = f[:, np.arange(n_features) // 10] * load \
        + rng.standard_normal((len(y), n_features)) * np.sqrt(1 - load ** 2)
    X[np.ix_(y == y[-1], effect)] += size
    return X


def aa_replicate(n_features: int, n_null: int, seeds: int, rep: int, n_per_group=6, n_groups=3,
                 alpha=0.05, n_boot=1000, margin=0.1, base_seed=0) -> str:
    """The verdict of one A/A replicate (``gains``, ``loses``, ``no gain`` or ``undecidable``)."""
    rng = make_rng(base_seed, "aa", n_features, n_null, seeds, rep)
    y = np.repeat(np.arange(n_groups), n_per_group)
    effect, size = _effects(rng, n_features)
    subsets = [_rows(rng, n_features, y, effect, size) for _ in range(seeds)]
    stats = pd.DataFrame([anova_stat(X, y)[effect] for X in subsets], index=np.arange(1, seeds + 1))
    boots = []
    for arm in ("a", "b"):          # independent nulls: run r permutes subset r mod seeds
        prng = make_rng(base_seed, "aa-null", arm, n_features, n_null, seeds, rep)
        maxima = np.array([anova_stat(subsets[r % seeds], prng.permutation(y)).max()
                           for r in range(n_null)])
        boots.append(PowerBootstrap(stats, [maxima] * seeds, alpha))
    test = paired_replicates(boots[0], boots[1], n_boot,
                             make_rng(base_seed, "aa-boot", n_features, n_null, seeds, rep), n_null)
    return decide({0: test}, alpha, margin)[0]["verdict"]


def aa_study(n_features: int, n_null: int, seeds: int, replicates: int, **kw) -> dict:
    """Verdict counts over ``replicates`` A/A replicates and the spurious rate (gains + loses)."""
    v = pd.Series([aa_replicate(n_features, n_null, seeds, r, **kw) for r in range(replicates)])
    counts = v.value_counts()
    spurious = int(counts.get("gains", 0) + counts.get("loses", 0))
    return {"features": n_features, "n_null": n_null, "seeds": seeds, "replicates": replicates,
            "spurious": spurious, "spurious_rate": spurious / replicates,
            "no_gain": int(counts.get("no gain", 0)), "undecidable": int(counts.get("undecidable", 0))}


__all__ = ["aa_replicate", "aa_study"]
