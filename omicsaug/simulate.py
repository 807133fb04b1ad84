"""Embedded simulators: lipidomics-like and microarray-like data with known ground truth.

Both write a sample table and a ``truth`` table (which features truly differ, by how much),
so the workflow runs on a fresh machine without network and recovery can be scored
against the truth, not only against a full-data reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .table import GROUP, ID


def _factor_loadings(rng, block_sizes, n_factors=(1, 3), loading=(0.3, 0.8)):
    """Loadings of a latent-factor model: each block has 1-3 factors (``n_factors`` range);
    each feature loads on its block's factors with a random sign and a magnitude from
    ``loading``, rescaled so its communality (variance explained) stays below 0.9."""
    blocks = []
    for b in block_sizes:
        k = int(rng.integers(n_factors[0], n_factors[1] + 1))
        L = rng.uniform(*loading, (b, k)) * rng.choice([-1.0, 1.0], (b, k))
        L[:, 1:] *= 0.6                       # the first factor dominates, as in real blocks
        h2 = (L ** 2).sum(1, keepdims=True)
        L *= np.sqrt(np.minimum(h2, 0.9) / h2)
        blocks.append(L)
    return blocks


def _factor_noise(rng, n, loadings, tail_df=None):
    """n samples of unit-variance noise from block factor models; the unique part is
    Student-t with ``tail_df`` degrees of freedom (heavier tails than normal) when given."""
    cols = []
    for L in loadings:
        b, k = L.shape
        f = rng.standard_normal((n, k))
        if tail_df:
            u = rng.standard_t(tail_df, (n, b)) * np.sqrt((tail_df - 2) / tail_df)
        else:
            u = rng.standard_normal((n, b))
        cols.append(f @ L.T + np.sqrt(1.0 - (L ** 2).sum(1)) * u)
    return np.hstack(cols)


def effect_sizes(rng, n, spec=None):
    """``n`` effect sizes (standardised, Cohen's d: the shift in SDs of the feature) with a
    random sign. ``spec``: ``{distribution: lognormal, median, sigma}`` (default median 1.0,
    sigma 0.5: most effects moderate, a few large, as in real omics), ``{distribution:
    uniform, low, high}`` or ``{distribution: fixed, value}``."""
    spec = dict(spec or {})
    dist = spec.get("distribution", "lognormal")
    if dist == "lognormal":
        size = float(spec.get("median", 1.0)) * np.exp(float(spec.get("sigma", 0.5)) * rng.standard_normal(n))
    elif dist == "uniform":
        size = rng.uniform(float(spec.get("low", 0.5)), float(spec.get("high", 2.0)), n)
    elif dist == "fixed":
        size = np.full(n, float(spec.get("value", 1.0)))
    else:
        raise ValueError(f"unknown effect-size distribution {dist!r} (lognormal, uniform, fixed)")
    return size * rng.choice([-1.0, 1.0], n)


def simulate_lipidomics(n_per_group=(10, 8, 8), blocks=None, n_effects=10, effect_size=None,
                        n_factors=(1, 3), loading=(0.25, 0.75), tail_df=3.7,
                        missing_rate=0.05, random_missing=0.015, lod_spread=1.0,
                        group_names=("control", "disease", "treated"), treated_fraction=0.5,
                        seed=0):
    """Lipidomics-like table matched to the EAE lipidomics data (Loetsch et al. 2026).

    Groups: control, disease and treated (default 10/8/8). Features: 62 lipids in 4 tissue
    blocks (24 plasma, 18 cerebellum, 13 prefrontal cortex, 7 hippocampus, like the EAE
    data). On the log10 scale each lipid has a mean in 0.5-4 and an SD drawn log-normally
    around 0.17 (the EAE median). Within a block, 1-3 latent factors with random-sign
    loadings make the correlation; the unique part is Student-t (``tail_df``), so features
    have heavy tails like the real table.

    True effects: ``n_effects`` features (default 10, 16 %), each with a standardised size
    from ``effect_size`` (see :func:`effect_sizes`; default log-normal, median d = 2)
    between control and disease; the treated group carries ``treated_fraction`` of the
    shift (a partial rescue).

    Missing values: ``missing_rate`` of the cells overall. ``random_missing`` of them are
    missing at random; the rest lie below a per-lipid detection limit (a common level on the
    raw scale with a lipid-specific spread
    ``lod_spread``; see :func:`_detection_limit_missing`), as in the EAE table. At least 3
    values per lipid stay observed.

    Returns (table, truth). ``truth`` columns: feature, block, true_effect, effect_size,
    effect_size_d (the same value, for older readers), shift_log10_<group> for the
    non-control groups.
    """
    blocks = blocks or {"PL": 24, "CEREB": 18, "PFC": 13, "HPC": 7}
    rng = np.random.default_rng(seed)
    names = [f"{b}_L{i + 1:02d}" for b, k in blocks.items() for i in range(k)]
    block_of = [b for b, k in blocks.items() for _ in range(k)]
    d = len(names)
    if not 0 <= n_effects <= d:
        raise ValueError(f"n_effects must be between 0 and {d}")
    n_per_group = list(n_per_group)
    groups = list(group_names)[: len(n_per_group)]
    mu = rng.uniform(0.5, 4.0, d)
    sd = np.clip(0.17 * np.exp(0.45 * rng.standard_normal(d)), 0.05, 0.7)
    loadings = _factor_loadings(rng, list(blocks.values()), tuple(n_factors), tuple(loading))
    eff_idx = np.sort(rng.choice(d, n_effects, replace=False))
    dvals = np.zeros(d)
    dvals[eff_idx] = effect_sizes(rng, n_effects, effect_size or {"median": 2.0, "sigma": 0.5})
    shift = {g: np.zeros(d) for g in groups}
    if len(groups) > 1:
        shift[groups[1]] = dvals * sd
    for g in groups[2:]:
        shift[g] = treated_fraction * dvals * sd

    rows, labels = [], []
    for g, n in zip(groups, n_per_group):
        rows.append(mu + shift[g] + sd * _factor_noise(rng, n, loadings, tail_df))
        labels += [g] * n
    L = np.vstack(rows)
    miss = _detection_limit_missing(rng, L, missing_rate, random_missing, lod_spread)
    values = np.where(miss, np.nan, 10.0 ** L)
    table = pd.DataFrame(values, columns=names)
    table.insert(0, GROUP, labels)
    table.insert(0, ID, [f"S{i + 1:03d}" for i in range(L.shape[0])])
    truth = pd.DataFrame({"feature": names, "block": block_of, "true_effect": dvals != 0,
                          "effect_size": dvals, "effect_size_d": dvals})
    for g in groups[1:]:
        truth[f"shift_log10_{g}"] = shift[g]
    return table, truth


def _detection_limit_missing(rng, L, missing_rate, random_missing, lod_spread, min_observed=3,
                             max_below=0.3):
    """Missing-cell mask: values of ``L`` (log scale, samples x features) below a per-feature
    detection limit, plus cells missing at random; ``missing_rate`` of all cells together.

    The limit of feature j is a common level plus ``lod_spread * e_j`` (``e_j`` standard
    normal, log10 units), so low-abundance lipids miss more often; it is capped so that it
    hides at most ``max_below`` of a feature's values (a lipid far below the instrument's
    range would not be reported at all). Every value a limit hides lies below all of the
    feature's observed values.
    """
    n, d = L.shape
    miss = np.zeros(L.shape, bool)
    if missing_rate <= 0:
        return miss
    rand = min(random_missing, missing_rate)
    miss |= rng.random(L.shape) < rand
    below = missing_rate - rand
    if below > 0:
        spread = lod_spread * rng.standard_normal(d)
        cap = np.sort(L, axis=0)[max(int(max_below * n) - 1, 0)]   # hides <= max_below
        lo, hi = L.min() - 1.0, L.max()
        for _ in range(60):                      # the common level that hits the target rate
            c = 0.5 * (lo + hi)
            if (L < np.minimum(c + spread, cap)).mean() < below:
                lo = c
            else:
                hi = c
        miss |= L < np.minimum(0.5 * (lo + hi) + spread, cap)
    for j in range(d):                           # keep a few observed values per feature
        obs = np.flatnonzero(~miss[:, j])
        if len(obs) < min_observed:
            keep = np.argsort(-L[:, j])[:min_observed]
            miss[keep, j] = False
    return miss


SD_MEDIAN = 1.0


def simulate_microarray(n_features=150, n_real=(200, 200), n_validation=(350, 350),
                        n_external=300, block_size=10, n_factors=(1, 3), loading=(0.3, 0.8),
                        hit_fraction=0.06, effect_size=None, multiplicative_sd=0.05,
                        gamma_shape=2.0, gamma_scale=0.5, outlier_fraction=0.02,
                        outlier_scale=2.0, group_names=("control", "case"), seed=0,
                        oracle_n=20000):
    """Microarray-like data in the spirit of Umpire (Zhang, Roebuck, Coombes), the generator
    Cusworth et al. (2024) used.

    Genes come in correlated blocks (``block_size``), each driven by 1-3 latent factors
    with random-sign loadings. Baseline log2 expression means ~ N(7, 1.5), SDs log-normal
    around 1. A ``hit_fraction`` of genes (default 6 %) differs between the clusters by a
    heavy-tailed standardised size (:func:`effect_sizes`, default log-normal, median
    d = 0.28, sigma 0.6: the oracle AUROC is 0.75 +- 0.05 over seeds, the paper's range).
    Observed values get multiplicative log-normal noise (``multiplicative_sd`` on the log
    scale) and additive gamma noise (shape 2, scale 0.5, as in the paper); ``outlier_fraction`` of the samples are outliers (extra noise of
    ``outlier_scale`` gene SDs on every gene).

    Returns dict with ``real`` and ``validation`` (labelled sample tables), ``external``
    (an unlabelled mixture of both clusters: sample_id + features), ``truth`` and
    ``oracle_auroc``: the AUROC of the generating model's best linear rule (the
    discriminant from ``oracle_n`` draws per cluster, scored on as many fresh ones).
    """
    rng = np.random.default_rng(seed)
    names = [f"G{i + 1:04d}" for i in range(n_features)]
    nb = int(np.ceil(n_features / block_size))
    sizes = [block_size] * (nb - 1) + [n_features - block_size * (nb - 1)]
    mu = rng.normal(7.0, 1.5, n_features)
    sd = np.clip(SD_MEDIAN * np.exp(0.3 * rng.standard_normal(n_features)), 0.3, 2.5)
    loadings = _factor_loadings(rng, sizes, tuple(n_factors), tuple(loading))
    n_hits = int(round(hit_fraction * n_features))
    hits = np.sort(rng.choice(n_features, n_hits, replace=False))
    dvals = np.zeros(n_features)
    dvals[hits] = effect_sizes(rng, n_hits, effect_size or {"median": 0.28, "sigma": 0.6})
    delta = dvals * sd

    def draw(gen, n, cluster):
        x = mu + (delta if cluster == 1 else 0.0) + sd * _factor_noise(gen, n, loadings)
        out = gen.random(n) < outlier_fraction
        if out.any():
            x[out] += outlier_scale * sd * gen.standard_normal((int(out.sum()), n_features))
        x = x * np.exp(multiplicative_sd * gen.standard_normal(x.shape))
        return x + gen.gamma(gamma_shape, gamma_scale, size=x.shape)

    def labelled(counts, prefix):
        X = np.vstack([draw(rng, counts[0], 0), draw(rng, counts[1], 1)])
        y = [group_names[0]] * counts[0] + [group_names[1]] * counts[1]
        t = pd.DataFrame(X, columns=names)
        t.insert(0, GROUP, y)
        t.insert(0, ID, [f"{prefix}{i + 1:04d}" for i in range(len(y))])
        return t

    real = labelled(n_real, "R")
    validation = labelled(n_validation, "V")
    n0 = n_external // 2
    Xe = np.vstack([draw(rng, n0, 0), draw(rng, n_external - n0, 1)])
    Xe = Xe[rng.permutation(len(Xe))]
    external = pd.DataFrame(Xe, columns=names)
    external.insert(0, ID, [f"E{i + 1:04d}" for i in range(len(Xe))])
    truth = pd.DataFrame({"feature": names, "block": np.repeat(np.arange(nb), sizes)[:n_features],
                          "true_effect": dvals != 0, "shift_log2": delta,
                          "effect_size": dvals, "effect_size_d": dvals})
    # the oracle: its own stream, so the tables do not depend on oracle_n
    orng = np.random.default_rng([seed, 1])
    oracle = oracle_auroc(lambda n, c: draw(orng, n, c), oracle_n) if oracle_n else float("nan")
    return {"real": real, "validation": validation, "external": external, "truth": truth,
            "oracle_auroc": oracle}


def oracle_auroc(draw, n=20000):
    """AUROC of the best linear rule of a generating model: Fisher's discriminant from ``n``
    draws per class (``draw(n, cls)``), scored on ``n`` fresh draws per class."""
    from scipy.stats import rankdata

    a, b = draw(n, 0), draw(n, 1)
    cov = 0.5 * (np.cov(a, rowvar=False) + np.cov(b, rowvar=False))
    w = np.linalg.solve(cov + 1e-9 * np.eye(cov.shape[0]), b.mean(0) - a.mean(0))
    s0, s1 = draw(n, 0) @ w, draw(n, 1) @ w
    r = rankdata(np.concatenate([s0, s1]))
    return float((r[n:].sum() - n * (n + 1) / 2) / (n * n))


def run(source: str, params: dict, seed: int) -> dict:
    """Dispatch a config ``source`` to its simulator; returns table, truth (+ extra tables)."""
    params = dict(params or {})
    if source == "simulate_lipidomics":
        for k in ("n_per_group", "n_factors", "loading"):
            if k in params:
                params[k] = tuple(params[k])
        table, truth = simulate_lipidomics(seed=seed, **params)
        return {"table": table, "truth": truth}
    if source == "simulate_microarray":
        for k in ("n_real", "n_validation", "n_factors", "loading"):
            if k in params:
                params[k] = tuple(params[k])
        out = simulate_microarray(seed=seed, **params)
        return {"table": out["real"], "truth": out["truth"], "validation": out["validation"],
                "external": out["external"],
                "oracle": pd.DataFrame({"statistic": ["oracle_auroc"], "value": [out["oracle_auroc"]],
                                        "note": ["AUROC of the generating model's best linear rule "
                                                 "(Fisher discriminant, 20,000 draws per cluster)"]})}
    raise ValueError(f"unknown simulator {source!r}")
