"""Verdicts: does a method gain power over the unaugmented baseline, with a stated error rate?

Each method is judged against its own finite permutation null; comparing two methods is a
second inference on top of two Monte-Carlo nulls, so its error needs its own control:

- **Both nulls' Monte-Carlo error.** The paired power difference (method - baseline, on the
  same subsets) is bootstrapped with the subsets resampled and each method's critical value
  drawn from its plausible true values (:func:`.power.critical_replicates`: a Gumbel tail, so
  the critical value of 20 null runs can lie above their maximum).
- **A test per verdict**: the two-sided bootstrap p of "difference = 0" (replicates at exactly
  0 count against both signs, so a discrete power is not over-counted).
- **Multiplicity**: Holm over the family of verdicts of one dataset (every design and method),
  and the reported interval is the simultaneous (Bonferroni) one at ``1 - alpha / K``.
- **``undecidable``, never a silent ``no gain``**: ``no gain`` is said only when the
  simultaneous interval rules out a gain of ``margin`` or more (power difference, default
  0.1); a comparison whose interval leaves a larger gain open, that has no reference feature,
  or whose null is too small for any discovery (:func:`min_null_runs`), is ``undecidable``.

The rule's false-verdict rate is measured by an A/A study (two methods with identical
statistics and independent nulls: ``benchmarks/aa_verdicts.py``, ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import math

import numpy as np

VERDICTS = ("gains", "loses", "no gain", "undecidable")


def min_null_runs(alpha: float) -> int:
    """The fewest null runs that allow one max-T discovery at level ``alpha``:
    ``ceil(1 / alpha) - 1`` (19 at 0.05), since the smallest permutation p is 1 / (N + 1)."""
    return math.ceil(1 / alpha - 1e-9) - 1


def paired_replicates(a, b, n_boot: int, rng, n_null: int | None = None) -> dict:
    """The paired comparison of two :class:`.power.PowerBootstrap` (method ``a``, baseline
    ``b``) on their common subsets: the observed mean difference and ``n_boot`` bootstrap
    replicates of it (the same resampled subsets for both; each method's critical value drawn
    on its own). ``n_null``: the smaller null of the two (for :func:`decide`)."""
    common = np.intersect1d(a.seeds, b.seeds)
    ia, ib = np.searchsorted(a.seeds, common), np.searchsorted(b.seeds, common)
    diff = (a.power()[ia] - b.power()[ib]) if len(common) else np.array([])
    out = {"diff": diff, "n_reference": min(a.n_reference, b.n_reference), "n_null": n_null,
           "n_subsets": len(common), "replicates": None}
    if len(common) and out["n_reference"]:
        d = a.replicates(n_boot, rng)[:, ia] - b.replicates(n_boot, rng)[:, ib]
        idx = rng.integers(0, d.shape[1], d.shape)
        out["replicates"] = np.take_along_axis(d, idx, axis=1).mean(axis=1)
    return out


def bootstrap_p(replicates) -> float:
    """Two-sided bootstrap p of "the difference is 0": twice the smaller share of replicates
    on either side, counting replicates at 0 on both sides (+1 in numerator and denominator)."""
    r = np.asarray(replicates, float)
    lower = (1 + np.count_nonzero(r <= 0)) / (len(r) + 1)
    upper = (1 + np.count_nonzero(r >= 0)) / (len(r) + 1)
    return float(min(1.0, 2 * min(lower, upper)))


def holm(p) -> np.ndarray:
    """Holm's step-down adjusted p-values (monotone, capped at 1)."""
    p = np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    k = len(p)
    adj = np.maximum.accumulate((k - np.arange(k)) * p[order])
    out = np.empty(k)
    out[order] = np.minimum(adj, 1.0)
    return out


def decide(tests: dict, alpha=0.05, margin=0.1) -> dict:
    """The verdicts of one family (one dataset): ``tests`` maps a key to the output of
    :func:`paired_replicates`. Returns per key ``power_diff``, ``power_diff_lo`` / ``_hi``
    (simultaneous interval), ``verdict``, ``verdict_p`` (Holm-adjusted), ``verdict_test`` and
    ``verdict_rule``."""
    floor = min_null_runs(alpha)
    out, testable = {}, {}
    for key, t in tests.items():
        d = np.asarray(t["diff"], float)
        row = {"power_diff": float(d.mean()) if len(d) else np.nan, "power_diff_lo": np.nan,
               "power_diff_hi": np.nan, "verdict_p": np.nan, "verdict": "undecidable"}
        if not t["n_subsets"]:
            row["verdict_test"] = "no common subsets with the baseline"
        elif not t["n_reference"]:
            row["verdict_test"] = "no reference features to measure power on"
        elif t["n_null"] is not None and t["n_null"] < floor:
            row["verdict_test"] = f"{t['n_null']} null runs: at least {floor} are needed for a discovery"
        else:
            row["verdict_test"] = (f"paired bootstrap over {t['n_subsets']} subset(s) and both "
                                   "methods' null runs (Gumbel tail)")
            testable[key] = bootstrap_p(t["replicates"])
        out[key] = row
    k = len(testable)
    level = 1 - alpha / max(k, 1)
    rule = (f"Holm over {k} verdict(s) at alpha {alpha:g}; interval simultaneous "
            f"{100 * level:.3g} %; no gain: interval below +{margin:g}")
    for (key, p), adj in zip(testable.items(), holm(list(testable.values()))):
        row = out[key]
        lo, hi = np.percentile(tests[key]["replicates"], [50 * (1 - level), 50 * (1 + level)])
        row.update(power_diff_lo=float(lo), power_diff_hi=float(hi), verdict_p=float(adj))
        if adj <= alpha:
            row["verdict"] = "gains" if np.median(tests[key]["replicates"]) > 0 else "loses"
        elif hi < margin:
            row["verdict"] = "no gain"
    for row in out.values():
        row["verdict_rule"] = rule
    return out


__all__ = ["VERDICTS", "bootstrap_p", "decide", "holm", "min_null_runs", "paired_replicates"]
