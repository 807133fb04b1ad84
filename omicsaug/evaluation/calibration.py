"""Calibrated discoveries after augmentation: every method judged against its own permutation null.

A one-way ANOVA on original + synthetic rows treats synthetic rows as independent samples; for
every method that adds rows it is anti-conservative (the papers' "naive" protocol). Under the
null hypothesis of no group effect the group labels of a subset are exchangeable, so the
*whole* pipeline that follows the labels (negative controls, generator fit, sampling, the test)
can be re-run on label-permuted copies of the subset; the statistics of those null runs are the
method's own null distribution, whatever the generator does to the rows.

Statistic: ``-log10 p`` of the ANOVA on the augmented table (:func:`.reference.anova_stat`;
the same order as F for Fisher's ANOVA, one scale for Welch's).

- **Family-wise error** (Westfall & Young 1993, max-T): the maximum statistic over the original
  features in each of N null runs; a feature's adjusted p-value is
  ``(1 + #{null maxima >= its statistic}) / (N + 1)`` and it is a discovery when that is
  <= alpha, i.e. when its statistic exceeds the ``ceil((1 - alpha)(N + 1))``-th smallest null
  maximum (``critical``; infinite when N < 1 / alpha - 1, so no discovery is possible).
- **False-discovery rate**: permutation p-values pooled over the original features
  (``(1 + #{null statistics >= s}) / (N m + 1)``; per-feature null p-values need N >> m / alpha
  runs to pass Benjamini-Hochberg at all), then Benjamini-Hochberg.
- **Pooling**: ``per_subset`` permutes the labels of the analysed subset itself (exact for that
  subset; the default for designs with one subset: ``first_n``, ``full``); ``pooled`` spreads
  the N null runs over the design's subsets (run r uses subset ``seeds[(r - 1) % S]``) and
  uses one critical value for all of them: exact for the error rate averaged over the draws
  (the draws are exchangeable), S times cheaper (the default for designs with many seeds).

The label permutation of a null run depends on the design, the subset and the run number only,
never on the method, so every method sees the same null labels (paired null runs). What the
calibrated tests are worth (power, the unaugmented baseline's power curve, equivalent n, the
per-method table) is :mod:`.power`.

References: Westfall PH, Young SS (1993) Resampling-Based Multiple Testing. Wiley.
Phipson B, Smyth GK (2010) Stat Appl Genet Mol Biol 9:39. Benjamini Y, Hochberg Y (1995)
JRSS B 57:289-300.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from ..augment import augment_design, spec_for_seed, stack_size
from ..table import GROUP, ID, SEED
from ..utils import get_logger, make_rng, read_tsv
from .reference import adjust, anova_stat

NULL_RUN = "null_run"
POOLINGS = ("auto", "per_subset", "pooled")
TESTS = ("naive", "calibrated_fwer", "calibrated_fdr")
#: tolerance of the p <= alpha decisions (p-values are ratios of counts)
EPS = 1e-12


# ------------------------------------------------------------------------ the null runs
def resolve_pooling(n_subsets: int, pooling: str = "auto") -> str:
    """``auto``: per-subset for a design with one subset, pooled over its seeds otherwise."""
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    if pooling == "auto":
        return "per_subset" if n_subsets == 1 else "pooled"
    return pooling


def null_plan(seeds, n_null: int, pooling: str) -> pd.DataFrame:
    """The null runs of one (design, method): columns ``seed`` (the subset whose labels are
    permuted) and ``null_run`` (1..n_null, counted per subset when per-subset)."""
    seeds = [int(s) for s in seeds]
    if n_null < 1:
        raise ValueError(f"n_null must be >= 1, got {n_null}")
    pooling = resolve_pooling(len(seeds), pooling)
    if pooling == "pooled":
        rows = [(seeds[(r - 1) % len(seeds)], r) for r in range(1, n_null + 1)]
    else:
        rows = [(s, r) for s in seeds for r in range(1, n_null + 1)]
    return pd.DataFrame(rows, columns=[SEED, NULL_RUN])


def chunk_of(plan: pd.DataFrame, chunk: int, chunks: int) -> pd.DataFrame:
    """Rows of ``plan`` done by job ``chunk`` (1-based) of ``chunks``: contiguous slices, so
    a cluster runs the null runs of one cell side by side (results do not depend on it)."""
    if not 1 <= chunk <= chunks:
        raise ValueError(f"chunk must lie in 1..{chunks}, got {chunk}")
    edges = np.linspace(0, len(plan), chunks + 1).round().astype(int)
    return plan.iloc[edges[chunk - 1]:edges[chunk]]


def permuted_labels(y, base_seed: int, design: str, seed: int, run: int) -> np.ndarray:
    """The labels of subset ``seed`` permuted for null run ``run`` (group sizes kept); the same
    permutation for every method."""
    y = np.asarray(y)
    return y[make_rng(base_seed, "null", design, int(seed), int(run)).permutation(len(y))]


def null_statistics(subsets: pd.DataFrame, spec: dict, base_seed: int, design: str, plan: pd.DataFrame,
                    negative_controls=False, welch=False, batch=None, log=None) -> pd.DataFrame:
    """Run the whole augment + test pipeline on label-permuted copies of the design's subsets.

    For each row of ``plan`` (subset ``seed``, ``null_run``): permute that subset's labels
    (:func:`permuted_labels`), augment it with the method exactly as the augment stage does
    (negative controls, generator fit with its own seed, the configured amount:
    :func:`omicsaug.augment.augment_design`, which also stacks WGAN fits), and record the
    statistic of every original feature. Runs are done ``batch`` at a time (default: as many as
    the method fits together, at most 25, which bounds memory); a progress line follows a
    batch when 10 s have passed since the last one, and the last batch. Batching changes no
    number: every run's generator seed derives from its (subset, run) key.

    Returns one row per null run: ``seed``, ``null_run``, ``seconds`` (fit + sample + test),
    then one column per original feature (``-log10 p`` on the augmented null table).
    """
    log = log or get_logger()
    features = [c for c in subsets.columns if c not in (SEED, ID, GROUP)]
    by_seed = {int(s): t.reset_index(drop=True) for s, t in subsets.groupby(SEED, sort=False)}
    if spec["amount"].get("mode") == "error_control":
        # the level the control chose for a subset serves its null runs too (the choice itself,
        # which saw the real labels, is not re-made per null run: README)
        spec = {**spec, "amount": {**spec["amount"], "levels": {
            _key(s, r): spec_for_seed(spec, s)["amount"]["ratio"]
            for s, r in zip(plan[SEED], plan[NULL_RUN])}}}
    if batch is None:
        batch = min(25, stack_size(subsets, list(by_seed), features, spec, negative_controls))
    out, done, last, top = [], 0, time.perf_counter(), -np.inf
    for start in range(0, len(plan), batch):
        part = plan.iloc[start:start + batch]
        tables = []
        for s, r in zip(part[SEED], part[NULL_RUN]):
            t = by_seed[int(s)].copy()
            t[GROUP] = permuted_labels(t[GROUP].to_numpy(), base_seed, design, s, r)
            # a key unique to (subset, run), whatever the chunking: the generator seed derives
            # from it, so a null run gives the same rows in any job
            t[SEED] = _key(s, r)
            tables.append(t)
        t0 = time.perf_counter()
        aug = augment_design(pd.concat(tables, ignore_index=True), spec, base_seed, f"{design}/null",
                             negative_controls, log=_Quiet(log))
        stats = [anova_stat(tab[features].to_numpy(float), tab[GROUP].to_numpy(), welch)
                 for _, tab in aug.groupby(SEED, sort=False)]
        sec = (time.perf_counter() - t0) / len(part)
        block = pd.DataFrame(np.vstack(stats), columns=features)
        block.insert(0, "seconds", sec)
        block.insert(0, NULL_RUN, part[NULL_RUN].to_numpy())
        block.insert(0, SEED, part[SEED].to_numpy())
        out.append(block)
        done += len(part)
        top = max(top, float(np.max(block[features].to_numpy())))
        if time.perf_counter() - last < 10 and done < len(plan):
            continue
        last = time.perf_counter()
        log.info("%s %s null runs %d/%d (%.2f s per run; largest statistic so far %.2f)", design,
                 spec["name"], done, len(plan), sec, top)
    return pd.concat(out, ignore_index=True)


def _key(seed, run) -> int:
    return int(seed) * 1_000_000 + int(run)


class _Quiet:
    """A logger that drops augment_design's per-seed lines (null runs report per batch)."""

    def __init__(self, log):
        self.log = log

    def info(self, *a, **k):
        pass

    def warning(self, *a, **k):
        self.log.warning(*a, **k)


# ------------------------------------------------------------------ calibrated decisions
def null_features(null: pd.DataFrame) -> list[str]:
    return [c for c in null.columns if c not in (SEED, NULL_RUN, "seconds")]


def critical_value(maxima, alpha=0.05) -> float:
    """The ``ceil((1 - alpha)(N + 1))``-th smallest of N null maxima (inf when that exceeds N):
    a statistic strictly above it has a max-T adjusted p-value <= alpha."""
    m = np.sort(np.asarray(maxima, float))
    k = math.ceil((1 - alpha) * (len(m) + 1) - 1e-9)
    return float(m[k - 1]) if 1 <= k <= len(m) else np.inf


def fwer_pvalues(stat, maxima) -> np.ndarray:
    """Max-T adjusted p-values ``(1 + #{maxima >= stat}) / (N + 1)``."""
    m = np.sort(np.asarray(maxima, float))
    ge = len(m) - np.searchsorted(m, np.asarray(stat, float), side="left")
    return (1 + ge) / (len(m) + 1)


def pooled_pvalues(stat, null_values) -> np.ndarray:
    """Permutation p-values against null statistics pooled over features:
    ``(1 + #{null >= stat}) / (M + 1)`` for M null values."""
    v = np.sort(np.asarray(null_values, float).ravel())
    ge = len(v) - np.searchsorted(v, np.asarray(stat, float), side="left")
    return (1 + ge) / (len(v) + 1)


class NullDistribution:
    """The null runs of one (design, method), ready to judge observed statistics.

    ``null``: the table of :func:`null_statistics` (all chunks). With ``pooling="per_subset"``
    each subset is judged against its own null runs; with ``pooled`` against all of them.
    """

    def __init__(self, null: pd.DataFrame, pooling: str, alpha=0.05):
        self.null, self.pooling, self.alpha = null, pooling, alpha
        self.features = null_features(null)
        self._values = null[self.features].to_numpy(float)
        self._max = self._values.max(axis=1)

    @property
    def maxima(self) -> np.ndarray:
        """The largest statistic over the original features, per null run."""
        return self._max

    def _rows(self, seed):
        if self.pooling == "pooled":
            return np.ones(len(self.null), bool)
        rows = self.null[SEED].to_numpy() == int(seed)
        if not rows.any():
            raise ValueError(f"no null runs for subset {seed}")
        return rows

    def n_null(self) -> int:
        """Null runs behind each decision (per subset when per-subset)."""
        if self.pooling == "pooled":
            return len(self.null)
        return int(self.null.groupby(SEED).size().min())

    def critical(self, seed=None) -> float:
        return critical_value(self._max[self._rows(seed)], self.alpha)

    def judge(self, stat, seed) -> pd.DataFrame:
        """Calibrated decisions for one subset's observed statistics (array over the columns
        of the augmented table, permuted copies included): ``stat``, ``p_fwer``, ``p_perm``
        (pooled permutation p) and ``significant_fwer``; :func:`fdr_decisions` adds the FDR
        ones. Permuted copies are judged against the same null as the originals (as the naive
        rule judges them with the originals' Šidák m)."""
        rows = self._rows(seed)
        stat = np.asarray(stat, float)
        p_fwer = fwer_pvalues(stat, self._max[rows])
        p_perm = pooled_pvalues(stat, self._values[rows])
        return pd.DataFrame({"stat": stat, "p_fwer": p_fwer, "p_perm": p_perm,
                             "significant_fwer": p_fwer <= self.alpha + EPS})

    def naive_error(self, alpha=None, m=None) -> dict:
        """The naive rule's error on the null runs (no effect is real in any of them):
        ``naive_familywise_error`` (runs with >= 1 Šidák discovery among the original
        features) with its binomial standard error, ``naive_false_per_run`` and
        ``naive_feature_error`` (fraction of (run, feature) pairs with raw p < alpha)."""
        alpha = self.alpha if alpha is None else alpha
        m = m or len(self.features)
        with np.errstate(over="ignore"):
            p = 10.0 ** (-self._values)
        p_sidak = -np.expm1(m * np.log1p(-np.clip(p, 0, 1 - 1e-16)))
        hits = p_sidak < alpha
        any_hit = hits.any(axis=1)
        n = len(any_hit)
        fwe = float(any_hit.mean())
        return {"naive_familywise_error": fwe,
                "naive_familywise_error_se": math.sqrt(fwe * (1 - fwe) / n) if n else np.nan,
                "naive_false_per_run": float(hits.sum(axis=1).mean()),
                "naive_feature_error": float((p < alpha).mean())}


def fdr_decisions(table: pd.DataFrame, alpha=0.05) -> pd.DataFrame:
    """Add ``q_fdr`` (BH over the original features of one subset) and ``significant_fdr``
    to a :meth:`NullDistribution.judge` table that has a ``perm`` column; a permuted copy is
    significant when its ``p_perm`` is at most the largest p of an original feature that BH
    rejects (the originals' threshold)."""
    t = table.copy()
    orig = ~t["perm"].to_numpy()
    q = np.full(len(t), np.nan)
    q[orig] = adjust(t.loc[orig, "p_perm"].to_numpy(), "bh")
    t["q_fdr"] = q
    sig = np.zeros(len(t), bool)
    sig[orig] = q[orig] <= alpha + EPS
    rejected = t.loc[orig, "p_perm"].to_numpy()[sig[orig]]
    if (~orig).any():
        thr = rejected.max() if len(rejected) else -np.inf
        # BH threshold of the originals: the k-th smallest p with p_(k) <= k alpha / m
        sig[~orig] = t.loc[~orig, "p_perm"].to_numpy() <= thr
    t["significant_fdr"] = sig
    return t


def load_null(files, pooling: str, alpha=0.05) -> NullDistribution:
    """The null runs of one (design, method) from its chunk files."""
    null = pd.concat([read_tsv(f) for f in files], ignore_index=True)
    return NullDistribution(null.sort_values([SEED, NULL_RUN], kind="stable").reset_index(drop=True),
                            pooling, alpha)


__all__ = ["NULL_RUN", "POOLINGS", "TESTS", "NullDistribution", "chunk_of", "critical_value",
           "fdr_decisions", "fwer_pvalues", "load_null", "null_features", "null_plan",
           "null_statistics", "permuted_labels", "pooled_pvalues", "resolve_pooling"]
