"""What calibrated discoveries are worth: power, the unaugmented baseline's power curve over n,
a method's equivalent n, its paired verdict against the baseline, and the per-method table.

Power is measured against the simulated truth where there is one, else the full-data
reference set (:func:`power_reference`). The baseline curve (:func:`baseline_power_curve`)
is the calibrated (max-T) power of the unaugmented test over n per group; a method's
equivalent n inverts it at the method's calibrated power (:func:`equivalent_n`). Intervals
resample the subsets and each method's null runs together (:class:`PowerBootstrap`), since
the critical value of N null runs is itself an estimate. The null runs themselves are
:mod:`.calibration`.
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
            found = fwer_pvalues(anova_stat(X[idx[s]], y[idx[s]], welch), maxima) <= alpha + EPS
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


__all__ = ["PowerBootstrap", "baseline_power_curve", "calibration_table", "equivalent_n",
           "invert_curve", "paired_bootstrap", "paired_verdict", "power_reference", "seed_power",
           "summarise_curve"]
