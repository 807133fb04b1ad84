"""Calibrated discoveries after augmentation: every method judged against its own permutation null.

A one-way ANOVA on original + synthetic rows treats synthetic rows as independent samples; for
every method that adds rows it is anti-conservative (the papers' "naive" protocol). Under the
null hypothesis of no group effect the group labels of a subset are exchangeable, so the
*whole* pipeline that follows the labels (negative controls, generator fit, sampling, the test)
can be re-run on label-permuted copies of the subset; the statistics of those null runs are the
method's own null distribution, whatever the generator does to the rows.

Statistic: ``-log10 p`` of the ANOVA on the augmented table (:func:`omicsaug.stats.anova_stat`;
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
never on the method, so every method sees the same null labels (paired null runs).

References: Westfall PH, Young SS (1993) Resampling-Based Multiple Testing. Wiley.
Phipson B, Smyth GK (2010) Stat Appl Genet Mol Biol 9:39. Benjamini Y, Hochberg Y (1995)
JRSS B 57:289-300.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from .augment import PERM_SUFFIX, augment_design, spec_for_seed
from .design import SEED, Design, draw_indices
from .io import GROUP, ID
from .stats import adjust, anova_stat
from .utils import get_logger, make_rng

NULL_RUN = "null_run"
POOLINGS = ("auto", "per_subset", "pooled")
TESTS = ("naive", "calibrated_fwer", "calibrated_fdr")
_EPS = 1e-12


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
                    negative_controls=False, welch=False, batch=25, log=None) -> pd.DataFrame:
    """Run the whole augment + test pipeline on label-permuted copies of the design's subsets.

    For each row of ``plan`` (subset ``seed``, ``null_run``): permute that subset's labels
    (:func:`permuted_labels`), augment it with the method exactly as the augment stage does
    (negative controls, generator fit with its own seed, the configured amount:
    :func:`omicsaug.augment.augment_design`, which also stacks WGAN fits), and record the
    statistic of every original feature. Runs are done ``batch`` at a time to bound memory.

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
    out, done = [], 0
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
        log.info("%s %s null runs %d/%d (%.2f s per run; largest statistic so far %.2f)", design,
                 spec["name"], done, len(plan), sec, float(np.max(np.vstack(stats))))
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
                             "significant_fwer": p_fwer <= self.alpha + _EPS})

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
    sig[orig] = q[orig] <= alpha + _EPS
    rejected = t.loc[orig, "p_perm"].to_numpy()[sig[orig]]
    if (~orig).any():
        thr = rejected.max() if len(rejected) else -np.inf
        # BH threshold of the originals: the k-th smallest p with p_(k) <= k alpha / m
        sig[~orig] = t.loc[~orig, "p_perm"].to_numpy() <= thr
    t["significant_fdr"] = sig
    return t


def load_null(files, pooling: str, alpha=0.05) -> NullDistribution:
    """The null runs of one (design, method) from its chunk files."""
    from .utils import read_tsv

    null = pd.concat([read_tsv(f) for f in files], ignore_index=True)
    return NullDistribution(null.sort_values([SEED, NULL_RUN], kind="stable").reset_index(drop=True),
                            pooling, alpha)


# --------------------------------------------------------------- baseline power over n
def power_reference(univariate: pd.DataFrame, truth: pd.DataFrame | None, features) -> tuple[np.ndarray, str]:
    """What power is measured against: the simulated truth where there is one, else the
    full-data Šidák-significant features (the raw-significant ones when there are none).
    Returns (boolean mask over ``features``, name)."""
    features = list(features)
    if truth is not None:
        t = truth.set_index("feature")["true_effect"].astype(bool)
        return t.reindex(features).fillna(False).to_numpy(bool), "truth"
    ref = univariate.set_index("feature")
    for name, col in (("sidak", "significant_sidak"), ("raw", "significant_raw")):
        mask = ref[col].astype(bool).reindex(features).fillna(False).to_numpy(bool)
        if mask.any():
            return mask, name
    return np.zeros(len(features), bool), "sidak"

def baseline_power_curve(X, y, reference, n_values, draws=50, n_null=100, alpha=0.05, base_seed=0,
                         welch=False, log=None) -> pd.DataFrame:
    """Power of the unaugmented calibrated test as a function of n per group.

    For each n: ``draws`` stratified random subsets of n per group (the failure-point draws:
    :func:`omicsaug.design.draw_indices`), a pooled max-T null of ``n_null`` label
    permutations of those subsets, and per draw the calibrated (family-wise) discoveries.
    ``reference`` is a boolean mask over the features (the simulated truth or the full-data
    reference set); power = discovered reference features / reference size.

    Returns one row per (n, draw): ``n_per_group``, ``seed``, ``power``, ``discoveries``,
    ``false_discoveries`` (outside the reference), ``critical``.
    """
    log = log or get_logger()
    X = np.asarray(X, float)
    y = np.asarray(y).astype(str)
    ref = np.asarray(reference, bool)
    n_ref = int(ref.sum())
    df = pd.DataFrame({GROUP: y})
    smallest = int(df[GROUP].value_counts().min())
    rows = []
    for n in sorted({int(v) for v in n_values}):
        if not 2 <= n <= smallest:
            log.warning("power curve: n = %d per group skipped (groups have %d to %d samples)", n,
                        2, smallest)
            continue
        d = Design(f"power_n{n}", "sample_size", tuple(range(1, draws + 1)), n_per_group=n)
        idx = {s: draw_indices(df, d, s, base_seed) for s in d.seeds}
        maxima = np.empty(n_null)
        for r in range(1, n_null + 1):
            s = d.seeds[(r - 1) % draws]
            yp = permuted_labels(y[idx[s]], base_seed, d.name, s, r)
            maxima[r - 1] = anova_stat(X[idx[s]], yp, welch).max()
        crit = critical_value(maxima, alpha)
        for s in d.seeds:
            found = fwer_pvalues(anova_stat(X[idx[s]], y[idx[s]], welch), maxima) <= alpha + _EPS
            tp = int((found & ref).sum())
            rows.append({"n_per_group": n, SEED: s, "power": tp / n_ref if n_ref else np.nan,
                         "discoveries": int(found.sum()), "false_discoveries": int((found & ~ref).sum()),
                         "critical": crit})
        log.info("power curve n = %d: mean power %.3f over %d draws (critical -log10 p %.2f, "
                 "%d null runs)", n, np.mean([r["power"] for r in rows[-draws:]]), draws, crit, n_null)
    return pd.DataFrame(rows)


def summarise_curve(curve: pd.DataFrame, n_boot=1000, rng=None) -> pd.DataFrame:
    """Mean power per n with a 95 % bootstrap interval over draws."""
    rng = np.random.default_rng(rng)
    out = []
    for n, g in curve.groupby("n_per_group", sort=True):
        v = g["power"].to_numpy(float)
        boot = rng.choice(v, (n_boot, len(v)), replace=True).mean(axis=1)
        out.append({"n_per_group": int(n), "draws": len(v), "power": v.mean(),
                    "power_lo": np.percentile(boot, 2.5), "power_hi": np.percentile(boot, 97.5),
                    "discoveries": g["discoveries"].mean(),
                    "false_discoveries": g["false_discoveries"].mean(),
                    "critical": g["critical"].iloc[0]})
    return pd.DataFrame(out)


def invert_curve(ns, power, value) -> tuple[float, str]:
    """The n at which a (made monotone) power curve reaches ``value``, by linear interpolation.

    Returns (n, censoring): censoring is ``below`` when ``value`` is at or below the curve's
    first point (n is then the smallest n), ``above`` when it exceeds the last point (n is the
    largest n), else ``''``.
    """
    ns = np.asarray(ns, float)
    p = np.maximum.accumulate(np.asarray(power, float))
    if value <= p[0]:
        return float(ns[0]), ("below" if value < p[0] or len(ns) == 1 else "")
    if value > p[-1]:
        return float(ns[-1]), "above"
    i = int(np.argmax(p >= value))
    if p[i] == p[i - 1]:
        return float(ns[i - 1]), ""
    return float(ns[i - 1] + (value - p[i - 1]) / (p[i] - p[i - 1]) * (ns[i] - ns[i - 1])), ""


def equivalent_n(curve: pd.DataFrame, method_power, n_boot=1000, rng=None, sampler=None) -> dict:
    """A method's equivalent n: the n per group at which the unaugmented baseline's calibrated
    power curve reaches the method's mean calibrated power (``method_power``: one value per
    seed of the design). The 95 % interval bootstraps the curve's draws (within each n) and the
    method's seeds together; ``sampler(rng)``, when given, draws the method's bootstrap mean
    power instead (:class:`PowerBootstrap`: seeds and null runs resampled together).
    ``censored`` says when the point lies outside the curve's n range.
    """
    rng = np.random.default_rng(rng)
    mp = np.asarray(method_power, float)
    mp = mp[np.isfinite(mp)]
    groups = [(int(n), g["power"].to_numpy(float)) for n, g in curve.groupby("n_per_group", sort=True)]
    if not len(mp) or not groups:
        return {"equivalent_n": np.nan, "equivalent_n_lo": np.nan, "equivalent_n_hi": np.nan,
                "censored": "no curve" if not groups else "no power"}
    ns = [n for n, _ in groups]
    point, cens = invert_curve(ns, [v.mean() for _, v in groups], mp.mean())
    boot = np.empty(n_boot)
    for b in range(n_boot):
        cur = [rng.choice(v, len(v), replace=True).mean() for _, v in groups]
        v = sampler(rng) if sampler is not None else rng.choice(mp, len(mp), replace=True).mean()
        boot[b] = invert_curve(ns, cur, v)[0]
    return {"equivalent_n": point, "equivalent_n_lo": float(np.percentile(boot, 2.5)),
            "equivalent_n_hi": float(np.percentile(boot, 97.5)), "censored": cens}


def paired_verdict(diff, discordant=None, level=0.95, boot=None) -> dict:
    """``gains`` / ``no gain`` / ``loses`` against the unaugmented baseline.

    ``diff``: per-seed differences (method - none) in calibrated power on the same subsets.
    With two or more seeds: an interval of the mean difference, from ``boot`` (bootstrap
    replicates of the mean difference, e.g. subsets and both methods' null runs resampled
    together: :class:`PowerBootstrap`) when given, else a paired t interval; ``gains`` when it
    lies above 0, ``loses`` when below. With one subset there is no sampling interval over
    subsets: the features found by only one of the two (``discordant`` = (method only, none
    only), among the reference features) decide by an exact McNemar (binomial) test at
    1 - ``level``; ``boot`` then gives the interval of the null runs' Monte-Carlo error only.
    """
    from scipy import stats as sps

    d = np.asarray(diff, float)
    d = d[np.isfinite(d)]
    out = {"power_diff": float(d.mean()) if len(d) else np.nan, "power_diff_lo": np.nan,
           "power_diff_hi": np.nan, "verdict_test": ""}
    if boot is not None:
        lo, hi = np.percentile(np.asarray(boot, float), [50 - 50 * level, 50 + 50 * level])
        out.update(power_diff_lo=float(lo), power_diff_hi=float(hi))
    if len(d) >= 2 and boot is not None:
        out["verdict_test"] = f"paired bootstrap over {len(d)} subsets and the null runs"
        v = "gains" if out["power_diff_lo"] > 0 else "loses" if out["power_diff_hi"] < 0 else "no gain"
    elif len(d) >= 2:
        sd = d.std(ddof=1)
        h = sps.t.ppf(0.5 + level / 2, len(d) - 1) * sd / math.sqrt(len(d)) if sd > 0 else 0.0
        out.update(power_diff_lo=d.mean() - h, power_diff_hi=d.mean() + h,
                   verdict_test=f"paired t over {len(d)} subsets")
        v = "gains" if d.mean() - h > 0 else "loses" if d.mean() + h < 0 else "no gain"
    elif discordant is not None:
        b, c = (int(x) for x in discordant)
        p = sps.binomtest(b, b + c, 0.5).pvalue if b + c else 1.0
        out["verdict_test"] = f"exact McNemar on one subset ({b} vs {c} features, p = {p:.3g})"
        v = "no gain" if p > 1 - level else ("gains" if b > c else "loses")
    else:
        v = "no gain"
    out["verdict"] = v
    return out


# --------------------------------------------------------------- the per-method table
def seed_power(recovery_table: pd.DataFrame) -> pd.DataFrame:
    """Power per (design, method, test, seed): against the truth (column ``power``) where the
    table has it, else the recovery rate against the Šidák reference (raw when that is empty).
    Columns design, method, test, seed, power, power_reference."""
    r = recovery_table
    if "power" in r and r["power"].notna().any():
        t = r[r["reference"] == r["reference"].iloc[0]]
        out = t[["design", "method", "test", SEED, "power"]].copy()
        out["power_reference"] = "truth"
        return out.reset_index(drop=True)
    parts = []
    for (design, method, test), g in r.groupby(["design", "method", "test"], sort=False):
        ref = "sidak" if (g.loc[g["reference"] == "sidak", "n_reference"] > 0).any() else "raw"
        t = g[g["reference"] == ref][["design", "method", "test", SEED, "recovery_rate"]]
        parts.append(t.rename(columns={"recovery_rate": "power"}).assign(power_reference=ref))
    return pd.concat(parts, ignore_index=True)


def _discordant(per_feature, design, method, baseline, reference_features):
    """Reference features found (calibrated, family-wise) by the method only / the baseline only."""
    pf = per_feature[(per_feature["design"] == design) & per_feature["feature"].isin(reference_features)]
    a = pf[pf["method"] == method].set_index(["seed", "feature"])["significant_fwer"].astype(bool)
    b = pf[pf["method"] == baseline].set_index(["seed", "feature"])["significant_fwer"].astype(bool)
    a, b = a.align(b, join="inner")
    return int((a & ~b).sum()), int((~a & b).sum())


class PowerBootstrap:
    """A method's calibrated power per subset, and bootstrap replicates of it in which the null
    runs are resampled too: the critical value of N null runs is itself an estimate (on the
    EAE 6-per-group draws its bootstrap sd is about 0.2 in -log10 p at N = 100, enough to move
    the unaugmented power between 0.36 and 0.55), so intervals that ignore it are too narrow.

    ``stats``: subsets x reference features, the statistic of each on the augmented table.
    """

    def __init__(self, stats: pd.DataFrame, nd: NullDistribution):
        self.stats = stats
        self.seeds = stats.index.to_numpy()
        self.alpha = nd.alpha
        if nd.pooling == "pooled":
            self.maxima = [nd.maxima] * len(self.seeds)
        else:
            self.maxima = [nd.maxima[nd.null[SEED].to_numpy() == int(s)] for s in self.seeds]

    @classmethod
    def of(cls, per_feature, design, method, nd, reference_features):
        pf = per_feature[(per_feature["design"] == design) & (per_feature["method"] == method)
                         & per_feature["feature"].isin(set(reference_features))]
        return cls(pf.pivot(index=SEED, columns="feature", values="stat").sort_index(), nd)

    def power(self, rng=None) -> np.ndarray:
        """Per-subset power; with ``rng``, each subset's null maxima resampled first (one draw
        per null, shared by the subsets of a pooled null)."""
        if self.stats.shape[1] == 0:
            return np.full(len(self.seeds), np.nan)
        cache = {}
        crit = []
        for m in self.maxima:
            if id(m) not in cache:
                cache[id(m)] = critical_value(m if rng is None else rng.choice(m, len(m)), self.alpha)
            crit.append(cache[id(m)])
        return (self.stats.to_numpy(float) > np.asarray(crit)[:, None]).mean(axis=1)

    def sampler(self, rng) -> float:
        """One bootstrap replicate of the mean power: subsets and null runs resampled."""
        p = self.power(rng)
        return float(p[rng.integers(0, len(p), len(p))].mean())


def paired_bootstrap(a: PowerBootstrap, b: PowerBootstrap, n_boot=1000, rng=None) -> np.ndarray:
    """Bootstrap replicates of the mean paired power difference a - b: the same resampled
    subsets for both, each method's null runs resampled on their own."""
    rng = np.random.default_rng(rng)
    common = np.intersect1d(a.seeds, b.seeds)
    ia, ib = np.searchsorted(a.seeds, common), np.searchsorted(b.seeds, common)
    out = np.empty(n_boot)
    for k in range(n_boot):
        d = a.power(rng)[ia] - b.power(rng)[ib]
        out[k] = d[rng.integers(0, len(d), len(d))].mean()
    return out


def calibration_table(recovery_table: pd.DataFrame, per_feature: pd.DataFrame, nulls: dict,
                      curve: pd.DataFrame, design_n: dict, baseline: str | None,
                      reference_features=(), alpha=0.05, n_boot=1000, seed=0, log=None) -> pd.DataFrame:
    """One row per (design, method) with the method's calibration, power and worth.

    ``nulls``: {(design, method): {"files": [...], "pooling": ...}}; ``curve``: the baseline
    power-curve draws (:func:`baseline_power_curve`); ``design_n``: n per group of each
    balanced design (None otherwise); ``baseline``: the unaugmented method's name;
    ``reference_features``: what power is measured against (:func:`power_reference`), for the
    one-subset McNemar verdict.

    Columns: design, method, pooling, n_null, critical_fwer (the max-T critical value of the
    statistic -log10 p on the augmented table; per-subset: median over subsets),
    critical_fwer_p (the same as a naive p threshold) beside sidak_p (the analytic Šidák
    threshold), naive_familywise_error (+ _se), naive_false_per_run, naive_feature_error,
    seconds (null runs), power_reference, power_calibrated, power_naive, discoveries_calibrated,
    discoveries_naive (mean per subset), power_diff (+ _lo, _hi: against the baseline, paired),
    verdict, verdict_test, n_per_group, equivalent_n (+ _lo, _hi, _censored). The intervals
    resample the subsets and the null runs together (:class:`PowerBootstrap`).
    """
    log = log or get_logger()
    power = seed_power(recovery_table)
    disc = recovery_table[recovery_table["reference"] == recovery_table["reference"].iloc[0]]
    ref_name = power["power_reference"].iloc[0] if len(power) else "sidak"
    rows = []
    for k, ((design, method), cell) in enumerate(nulls.items()):
        nd = load_null(cell["files"], cell["pooling"], alpha)
        m = len(nd.features)
        crit = nd.critical() if nd.pooling == "pooled" else \
            float(np.median([nd.critical(s) for s in pd.unique(nd.null[SEED])]))
        row = {"design": design, "method": method, "pooling": nd.pooling, "n_null": nd.n_null(),
               "critical_fwer": crit, "critical_fwer_p": 10.0 ** -crit,
               "sidak_p": -math.expm1(math.log1p(-alpha) / m), **nd.naive_error(alpha, m),
               "seconds": float(nd.null["seconds"].sum())}
        pw = power[(power["design"] == design) & (power["method"] == method)]
        boot_m = PowerBootstrap.of(per_feature, design, method, nd, reference_features)
        cal_p = pd.Series(boot_m.power(), index=boot_m.seeds)
        d = disc[(disc["design"] == design) & (disc["method"] == method)]
        row.update(power_reference=ref_name, power_calibrated=cal_p.mean(),
                   power_naive=pw.loc[pw["test"] == "naive", "power"].mean(),
                   discoveries_calibrated=d.loc[d["test"] == "calibrated_fwer", "significant"].mean(),
                   discoveries_naive=d.loc[d["test"] == "naive", "significant"].mean())
        if baseline is None or method == baseline or (design, baseline) not in nulls:
            row.update(power_diff=0.0 if method == baseline else np.nan, power_diff_lo=np.nan,
                       power_diff_hi=np.nan, verdict="baseline" if method == baseline else "",
                       verdict_test="" if method == baseline else "no calibrated baseline")
        else:
            nb = load_null(nulls[(design, baseline)]["files"], nulls[(design, baseline)]["pooling"], alpha)
            boot_b = PowerBootstrap.of(per_feature, design, baseline, nb, reference_features)
            a, b = cal_p.align(pd.Series(boot_b.power(), index=boot_b.seeds), join="inner")
            boot = paired_bootstrap(boot_m, boot_b, n_boot, make_rng(seed, "verdict", design, method))
            row.update(paired_verdict((a - b).to_numpy(), _discordant(
                per_feature, design, method, baseline, reference_features) if len(a) == 1 else None,
                boot=boot))
        n = design_n.get(design)
        row["n_per_group"] = n if n is not None else np.nan
        if n is not None and len(curve) and len(cal_p):
            eq = equivalent_n(curve, cal_p.to_numpy(), n_boot, make_rng(seed, "equivalent_n", design, method),
                              sampler=boot_m.sampler)
        else:
            eq = {"equivalent_n": np.nan, "equivalent_n_lo": np.nan, "equivalent_n_hi": np.nan,
                  "censored": "imbalance design: no balanced baseline curve" if n is None else "no curve"}
        row.update({"equivalent_n": eq["equivalent_n"], "equivalent_n_lo": eq["equivalent_n_lo"],
                    "equivalent_n_hi": eq["equivalent_n_hi"], "equivalent_n_censored": eq["censored"]})
        rows.append(row)
        log.info("%s %s: critical -log10 p %.2f (Šidák %.2f), naive FWE on nulls %.2f, calibrated "
                 "power %.3f (naive %.3f), %s, equivalent n %.2f", design, method, crit,
                 -math.log10(row["sidak_p"]), row["naive_familywise_error"], row["power_calibrated"],
                 row["power_naive"], row["verdict"], row["equivalent_n"])
    return pd.DataFrame(rows)


__all__ = ["NULL_RUN", "POOLINGS", "TESTS", "NullDistribution", "baseline_power_curve", "chunk_of",
           "critical_value", "equivalent_n", "fdr_decisions", "fwer_pvalues", "invert_curve",
           "null_plan", "null_statistics", "paired_verdict", "permuted_labels", "pooled_pvalues",
           "resolve_pooling", "summarise_curve", "PowerBootstrap", "paired_bootstrap"]
