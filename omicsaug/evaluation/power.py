"""What calibrated discoveries are worth: power, the unaugmented baseline's power curve over n,
a method's equivalent n, and the per-method table.

Power is measured against the simulated truth where there is one, else the full-data
reference set (:func:`power_reference`). The baseline curve (:func:`baseline_power_curve`)
is the calibrated (max-T) power of the unaugmented test over n per group; a method's
equivalent n inverts it at the method's calibrated power (:func:`equivalent_n`; against a
full-data reference only up to the design's n: :func:`curve_limit`). Intervals resample the
subsets and carry the Monte-Carlo error of each finite null (:func:`critical_replicates`,
:class:`PowerBootstrap`, :class:`CurveBootstrap`), since the critical value of N null runs is
itself an estimate. The verdict against the baseline is :mod:`.verdict`; the null runs
themselves are :mod:`.calibration`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..design import Design, draw_indices
from ..table import GROUP, SEED
from ..utils import get_logger, make_rng
from .calibration import (EPS, NullDistribution, critical_value, fwer_pvalues, load_null,
                          permuted_labels)
from .reference import anova_stat


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

STAT = "stat:"   #: prefix of the power-curve draws' reference-feature statistic columns


def baseline_power_curve(X, y, reference, n_values, draws=50, n_null=100, alpha=0.05, base_seed=0,
                         welch=False, log=None, return_null=False):
    """Power of the unaugmented calibrated test as a function of n per group.

    For each n: ``draws`` stratified random subsets of n per group (the failure-point draws:
    :func:`omicsaug.design.draw_indices`), a pooled max-T null of ``n_null`` label
    permutations of those subsets, and per draw the calibrated (family-wise) discoveries.
    ``reference`` is a boolean mask over the features (the simulated truth or the full-data
    reference set); power = discovered reference features / reference size.

    Returns one row per (n, draw): ``n_per_group``, ``seed``, ``power``, ``discoveries``,
    ``false_discoveries`` (outside the reference), ``critical``, then ``stat:<feature>`` (the
    draw's statistic of each reference feature, so that a bootstrap can re-judge the draw at
    another critical value: :class:`CurveBootstrap`). With ``return_null``, also the null
    maxima (``n_per_group``, ``null_run``, ``maximum``).
    """
    log = log or get_logger()
    X = np.asarray(X, float)
    y = np.asarray(y).astype(str)
    ref = np.asarray(reference, bool)
    n_ref = int(ref.sum())
    df = pd.DataFrame({GROUP: y})
    smallest = int(df[GROUP].value_counts().min())
    rows, stats, null = [], [], []
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
        null.append(pd.DataFrame({"n_per_group": n, "null_run": np.arange(1, n_null + 1),
                                  "maximum": maxima}))
        crit = critical_value(maxima, alpha)
        for s in d.seeds:
            stat = anova_stat(X[idx[s]], y[idx[s]], welch)
            found = fwer_pvalues(stat, maxima) <= alpha + EPS
            tp = int((found & ref).sum())
            rows.append({"n_per_group": n, SEED: s, "power": tp / n_ref if n_ref else np.nan,
                         "discoveries": int(found.sum()), "false_discoveries": int((found & ~ref).sum()),
                         "critical": crit})
            stats.append(stat[ref])
        log.info("power curve n = %d: mean power %.3f over %d draws (critical -log10 p %.2f, "
                 "%d null runs)", n, np.mean([r["power"] for r in rows[-draws:]]), draws, crit, n_null)
    out = pd.DataFrame(rows)
    names = [f"{STAT}{i}" for i in np.flatnonzero(ref)]
    if rows:
        out = pd.concat([out, pd.DataFrame(np.vstack(stats), columns=names)], axis=1)
    if return_null:
        return out, (pd.concat(null, ignore_index=True) if null else
                     pd.DataFrame(columns=["n_per_group", "null_run", "maximum"]))
    return out


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


# ------------------------------------------------- the Monte-Carlo error of a finite null
EULER = 0.5772156649015329


def critical_replicates(maxima, alpha: float, n_boot: int, rng) -> np.ndarray:
    """Plausible values of the critical value an infinite null would give, from N null maxima.

    The max-T critical value of N null runs (:func:`.calibration.critical_value`) is an order
    statistic: at N = 20 and alpha 0.05 it is the sample maximum, which lies below the true
    95 % point of the maxima' distribution in 36 % of nulls, and a bootstrap that resamples
    the maxima can never put it higher. Here the maxima's upper tail is modelled as a Gumbel
    (the limit law of a maximum of many statistics with exponential tails, as ``-log10 p``
    has), fitted by moments to a bootstrap resample of the maxima (so the tail's scale is
    uncertain too); the error of an empirical critical value from N draws of that Gumbel,
    ``c_N - q``, is subtracted from the observed one (a basic parametric bootstrap:
    ``c_true ~ c_obs - (c_N - q)``). Returns ``n_boot`` values; all equal to the observed
    critical value when it is infinite (too few null runs) or the maxima do not vary.
    """
    m = np.asarray(maxima, float)
    n = len(m)
    c_obs = critical_value(m, alpha)
    if not np.isfinite(c_obs) or n < 2 or np.ptp(m) == 0:
        return np.full(n_boot, c_obs)
    res = m[rng.integers(0, n, (n_boot, n))]
    beta = res.std(axis=1, ddof=1) * math.sqrt(6) / math.pi
    mu = res.mean(axis=1) - EULER * beta
    draws = mu[:, None] - beta[:, None] * np.log(-np.log(rng.random((n_boot, n))))
    k = math.ceil((1 - alpha) * (n + 1) - 1e-9)
    c_n = np.sort(draws, axis=1)[:, k - 1]
    q = mu - beta * math.log(-math.log(1 - alpha))
    return c_obs - (c_n - q)


def _sorted_stats(stats: np.ndarray) -> np.ndarray:
    """Each row sorted, a missing statistic counted as not found (-inf)."""
    return np.sort(np.where(np.isnan(stats), -np.inf, stats), axis=1)


def _power_at(sorted_stats: np.ndarray, crit) -> np.ndarray:
    """Share of a subset's reference statistics (sorted) strictly above each critical value."""
    r = sorted_stats.shape[-1]
    return (r - np.searchsorted(sorted_stats, crit, side="right")) / r


class PowerBootstrap:
    """A method's calibrated power per subset, and bootstrap replicates of it that carry the
    Monte-Carlo error of its finite null (:func:`critical_replicates`): on the EAE first-6
    subset at 20 null runs that error alone moves the unaugmented power between 0 and 1.

    ``stats``: subsets x reference features, the statistic of each on the augmented table;
    ``maxima``: one array of null maxima per subset (the same array for every subset of a
    pooled null, which then shares one critical value per replicate).
    """

    def __init__(self, stats: pd.DataFrame, maxima: list, alpha=0.05):
        self.seeds = stats.index.to_numpy()
        self.alpha = alpha
        self.n_reference = stats.shape[1]
        self._sorted = _sorted_stats(stats.to_numpy(float))
        self._maxima = maxima

    @classmethod
    def of(cls, per_feature, design, method, nd: NullDistribution, reference_features):
        pf = per_feature[(per_feature["design"] == design) & (per_feature["method"] == method)
                         & per_feature["feature"].isin(set(reference_features))]
        stats = pf.pivot(index=SEED, columns="feature", values="stat").sort_index()
        if nd.pooling == "pooled":
            maxima = [nd.maxima] * len(stats)
        else:
            maxima = [nd.maxima[nd.null[SEED].to_numpy() == int(s)] for s in stats.index]
        return cls(stats, maxima, nd.alpha)

    def power(self) -> np.ndarray:
        """Per-subset power at the observed critical values."""
        if self.n_reference == 0:
            return np.full(len(self.seeds), np.nan)
        return np.array([_power_at(st, critical_value(m, self.alpha))
                         for st, m in zip(self._sorted, self._maxima)], float)

    def replicates(self, n_boot: int, rng) -> np.ndarray:
        """(n_boot, subsets) power at plausible true critical values: one draw per null (so
        the subsets of a pooled null share it)."""
        out = np.full((n_boot, len(self.seeds)), np.nan)
        if self.n_reference == 0:
            return out
        crit = {}
        for i, (st, m) in enumerate(zip(self._sorted, self._maxima)):
            if id(m) not in crit:
                crit[id(m)] = critical_replicates(m, self.alpha, n_boot, rng)
            out[:, i] = _power_at(st, crit[id(m)])
        return out

    def mean_replicates(self, n_boot: int, rng) -> np.ndarray:
        """Bootstrap replicates of the mean power: subsets resampled, null error included."""
        p = self.replicates(n_boot, rng)
        idx = rng.integers(0, p.shape[1], p.shape)
        return np.take_along_axis(p, idx, axis=1).mean(axis=1)


class CurveBootstrap:
    """The baseline power curve and replicates of it that resample its draws within each n
    and carry its null's Monte-Carlo error (:func:`critical_replicates` per n), from the
    draws table of :func:`baseline_power_curve` and its null maxima. Without the null (older
    tables), the draws alone are resampled."""

    def __init__(self, draws: pd.DataFrame, null: pd.DataFrame | None = None, alpha=0.05):
        self.alpha = alpha
        self.ns = sorted(int(n) for n in draws["n_per_group"].unique())
        cols = [c for c in draws.columns if str(c).startswith(STAT)]
        self._power, self._sorted, self._maxima = [], [], []
        for n in self.ns:
            g = draws[draws["n_per_group"] == n]
            self._power.append(g["power"].to_numpy(float))
            has_null = null is not None and cols and (null["n_per_group"] == n).any()
            self._sorted.append(_sorted_stats(g[cols].to_numpy(float)) if has_null else None)
            self._maxima.append(null.loc[null["n_per_group"] == n, "maximum"].to_numpy(float)
                                if has_null else None)

    def mean_power(self) -> np.ndarray:
        return np.array([v.mean() for v in self._power])

    def replicates(self, n_boot: int, rng) -> np.ndarray:
        """(n_boot, len(ns)) replicates of the mean power per n."""
        out = np.empty((n_boot, len(self.ns)))
        for j, (p, st, m) in enumerate(zip(self._power, self._sorted, self._maxima)):
            idx = rng.integers(0, len(p), (n_boot, len(p)))
            if st is None:
                out[:, j] = p[idx].mean(axis=1)
                continue
            crit = critical_replicates(m, self.alpha, n_boot, rng)
            per_draw = np.stack([_power_at(row, crit) for row in st], axis=1)   # (B, draws)
            out[:, j] = np.take_along_axis(per_draw, idx, axis=1).mean(axis=1)
        return out


#: ``equivalent_n_censored`` when a data-derived reference caps the curve at the design's n
OVERLAP = "above: the full-data reference holds the draw's animals"


def equivalent_n(curve, method_power, n_boot=1000, rng=None, method_replicates=None,
                 max_n=None) -> dict:
    """A method's equivalent n: the n per group at which the unaugmented baseline's calibrated
    power curve reaches the method's mean calibrated power (``method_power``: one value per
    seed of the design). ``curve``: a :class:`CurveBootstrap` (or a draws table, its draws
    then resampled alone). The 95 % interval inverts replicates of the curve (draws and its
    null runs resampled) at replicates of the method's power (``method_replicates``, e.g.
    :meth:`PowerBootstrap.mean_replicates`: subsets and its null runs; else its seeds).
    ``censored`` says when the point lies outside the curve's n range. ``max_n``: use only
    the curve's points up to this n (a reference made of the same animals as the draws inflates
    the curve more the larger the draw: :func:`curve_limit`); a point above them is censored
    ``above`` with the reason (:data:`OVERLAP`).
    """
    rng = np.random.default_rng(rng)
    if not isinstance(curve, CurveBootstrap):
        curve = CurveBootstrap(curve) if len(curve) else None
    mp = np.asarray(method_power, float)
    mp = mp[np.isfinite(mp)]
    if not len(mp) or curve is None or not curve.ns:
        return {"equivalent_n": np.nan, "equivalent_n_lo": np.nan, "equivalent_n_hi": np.nan,
                "censored": "no curve" if curve is None or not curve.ns else "no power"}
    keep = np.array([max_n is None or n <= max_n for n in curve.ns])
    if not keep.any():
        return {"equivalent_n": np.nan, "equivalent_n_lo": np.nan, "equivalent_n_hi": np.nan,
                "censored": "no curve point up to the design's n"}
    ns = list(np.asarray(curve.ns)[keep])
    point, cens = invert_curve(ns, curve.mean_power()[keep], mp.mean())
    if cens == "above" and not keep.all():
        cens = OVERLAP
    reps = curve.replicates(n_boot, rng)[:, keep]
    if method_replicates is None:
        method_replicates = rng.choice(mp, (n_boot, len(mp)), replace=True).mean(axis=1)
    boot = np.array([invert_curve(ns, c, v)[0] for c, v in zip(reps, method_replicates)])
    return {"equivalent_n": point, "equivalent_n_lo": float(np.percentile(boot, 2.5)),
            "equivalent_n_hi": float(np.percentile(boot, 97.5)), "censored": cens}


def curve_limit(power_reference: str, design_n):
    """The largest n of the power curve an equivalent n may use: every n against a simulated
    truth; against a reference made of the full data (a real table), only up to the design's
    own n. A draw of n per group holds n k / N of the reference's animals, and the findings it
    shares with the reference because it *is* part of it inflate the curve the more the larger
    n (measured with a known truth, 10 effects: 0.67 / 0.98 against the full-data set at 7 / 8
    per group, 0.15 / 0.21 against the truth). Up to the design's n no curve point shares more
    than the method's own measurement does."""
    return None if power_reference == "truth" else design_n


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


def calibration_table(recovery_table: pd.DataFrame, per_feature: pd.DataFrame, nulls: dict,
                      curve, design_n: dict, baseline: str | None, reference_features=(),
                      alpha=0.05, n_boot=1000, seed=0, margin=0.1, log=None) -> pd.DataFrame:
    """One row per (design, method) with the method's calibration, power and worth.

    ``nulls``: {(design, method): {"files": [...], "pooling": ...}}; ``curve``: the baseline
    power curve (:class:`CurveBootstrap`, or its draws table); ``design_n``: n per group of
    each balanced design (None otherwise); ``baseline``: the unaugmented method's name;
    ``reference_features``: what power is measured against (:func:`power_reference`);
    ``margin``: the largest power gain a ``no gain`` verdict may leave open
    (:mod:`.verdict`).

    Columns: design, method, pooling, n_null, critical_fwer (the max-T critical value of the
    statistic -log10 p on the augmented table; per-subset: median over subsets),
    critical_fwer_p (the same as a naive p threshold) beside sidak_p (the analytic Šidák
    threshold), naive_familywise_error (+ _se), naive_false_per_run, naive_feature_error,
    seconds (null runs), power_reference, power_calibrated, power_naive, discoveries_calibrated,
    discoveries_naive (mean per subset), power_diff (+ _lo, _hi: against the baseline, paired,
    simultaneous over the dataset's verdicts), verdict, verdict_test, verdict_p (Holm-adjusted),
    verdict_rule, n_per_group, equivalent_n (+ _lo, _hi, _censored). Every interval carries
    the Monte-Carlo error of the null runs (:func:`critical_replicates`).
    """
    from .verdict import decide, paired_replicates

    log = log or get_logger()
    if not isinstance(curve, CurveBootstrap):
        curve = CurveBootstrap(curve, alpha=alpha) if len(curve) else None
    power = seed_power(recovery_table)
    disc = recovery_table[recovery_table["reference"] == recovery_table["reference"].iloc[0]]
    ref_name = power["power_reference"].iloc[0] if len(power) else "sidak"
    loaded = {key: load_null(cell["files"], cell["pooling"], alpha) for key, cell in nulls.items()}
    boots = {key: PowerBootstrap.of(per_feature, *key, nd, reference_features)
             for key, nd in loaded.items()}
    rows, tests = [], {}
    for (design, method), nd in loaded.items():
        m = len(nd.features)
        crit = nd.critical() if nd.pooling == "pooled" else \
            float(np.median([nd.critical(s) for s in pd.unique(nd.null[SEED])]))
        row = {"design": design, "method": method, "pooling": nd.pooling, "n_null": nd.n_null(),
               "critical_fwer": crit, "critical_fwer_p": 10.0 ** -crit,
               "sidak_p": -math.expm1(math.log1p(-alpha) / m), **nd.naive_error(alpha, m),
               "seconds": float(nd.null["seconds"].sum())}
        pw = power[(power["design"] == design) & (power["method"] == method)]
        boot_m = boots[(design, method)]
        cal_p = pd.Series(boot_m.power(), index=boot_m.seeds)
        d = disc[(disc["design"] == design) & (disc["method"] == method)]
        row.update(power_reference=ref_name, power_calibrated=cal_p.mean(),
                   power_naive=pw.loc[pw["test"] == "naive", "power"].mean(),
                   discoveries_calibrated=d.loc[d["test"] == "calibrated_fwer", "significant"].mean(),
                   discoveries_naive=d.loc[d["test"] == "naive", "significant"].mean())
        if baseline is None or method == baseline or (design, baseline) not in boots:
            row.update(power_diff=0.0 if method == baseline else np.nan,
                       verdict="baseline" if method == baseline else "undecidable",
                       verdict_test="" if method == baseline else "no calibrated baseline")
        else:
            tests[len(rows)] = paired_replicates(
                boot_m, boots[(design, baseline)], n_boot, make_rng(seed, "verdict", design, method),
                min(loaded[(design, method)].n_null(), loaded[(design, baseline)].n_null()))
        n = design_n.get(design)
        row["n_per_group"] = n if n is not None else np.nan
        if n is not None and curve is not None and len(cal_p):
            eq = equivalent_n(curve, cal_p.to_numpy(), n_boot, make_rng(seed, "equivalent_n", design, method),
                              method_replicates=boot_m.mean_replicates(
                                  n_boot, make_rng(seed, "method_power", design, method)),
                              max_n=curve_limit(ref_name, n))
        else:
            eq = {"equivalent_n": np.nan, "equivalent_n_lo": np.nan, "equivalent_n_hi": np.nan,
                  "censored": "imbalance design: no balanced baseline curve" if n is None else "no curve"}
        row.update({"equivalent_n": eq["equivalent_n"], "equivalent_n_lo": eq["equivalent_n_lo"],
                    "equivalent_n_hi": eq["equivalent_n_hi"], "equivalent_n_censored": eq["censored"]})
        rows.append(row)
    for i, v in decide(tests, alpha, margin).items():
        rows[i].update(v)
    for row in rows:
        log.info("%s %s: critical -log10 p %.2f (Šidák %.2f), naive FWE on nulls %.2f, calibrated "
                 "power %.3f (naive %.3f), %s, equivalent n %.2f", row["design"], row["method"],
                 row["critical_fwer"], -math.log10(row["sidak_p"]), row["naive_familywise_error"],
                 row["power_calibrated"], row["power_naive"], row["verdict"], row["equivalent_n"])
    cols = ["power_diff", "power_diff_lo", "power_diff_hi", "verdict", "verdict_test", "verdict_p",
            "verdict_rule"]
    out = pd.DataFrame(rows)
    for c in cols:
        if c not in out:
            out[c] = np.nan
    first = [c for c in out.columns if c not in cols and not c.startswith(("n_per_group", "equivalent_n"))]
    return out[first + cols + [c for c in out.columns if c.startswith(("n_per_group", "equivalent_n"))]]


__all__ = ["OVERLAP", "CurveBootstrap", "PowerBootstrap", "baseline_power_curve",
           "calibration_table", "critical_replicates", "curve_limit", "equivalent_n", "invert_curve", "power_reference", "seed_power",
           "summarise_curve"]
