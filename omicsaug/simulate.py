"""Embedded simulators: lipidomics-like and microarray-like data with known ground truth.

Both write a sample table and a ``truth`` table (which features truly differ, by how much),
so the workflow runs on a fresh machine without network and recovery can be scored
against the truth, not only against a full-data reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io import GROUP, ID


def _block_noise(rng, n, block_sizes, rho):
    """n x sum(block_sizes) standard-normal noise, correlation ``rho`` inside each block."""
    cols = []
    for b in block_sizes:
        shared = rng.standard_normal((n, 1))
        cols.append(np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal((n, b)))
    return np.hstack(cols)


def simulate_lipidomics(n_per_group=(10, 8, 8), blocks=None, n_effects=27,
                        effect_range=(0.6, 2.6), rho=0.5, missing_rate=0.05,
                        group_names=("control", "disease", "treated"), treated_fraction=0.5,
                        seed=0):
    """Lipidomics-like table after the EAE design (Loetsch et al. 2026).

    Groups: control, disease and treated (default 10/8/8). Features: 62 lipids in 4
    correlated tissue blocks (24 plasma, 18 cerebellum, 13 prefrontal cortex, 7
    hippocampus, like the EAE data), log-normal concentrations (log10 means 0.5-4,
    log10 SDs 0.1-0.3), within-block correlation ``rho``.

    True effects: ``n_effects`` features, with graded standardised effect sizes (Cohen's d
    spaced evenly over ``effect_range``) between control and disease; the treated group
    carries ``treated_fraction`` of the shift (a partial rescue). Missing values: about
    ``missing_rate`` of cells, more likely for low concentrations (as below a detection
    limit), never a whole feature.

    Returns (table, truth). ``truth`` columns: feature, block, true_effect, effect_size_d,
    shift_log10_<group> for the non-control groups.
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
    sd = rng.uniform(0.1, 0.3, d)
    eff_idx = np.sort(rng.choice(d, n_effects, replace=False))
    dvals = np.zeros(d)
    dvals[eff_idx] = rng.permutation(np.linspace(*effect_range, n_effects)) * rng.choice([-1, 1], n_effects)
    shift = {g: np.zeros(d) for g in groups}
    if len(groups) > 1:
        shift[groups[1]] = dvals * sd
    for g in groups[2:]:
        shift[g] = treated_fraction * dvals * sd

    rows, labels = [], []
    for g, n in zip(groups, n_per_group):
        z = _block_noise(rng, n, list(blocks.values()), rho)
        rows.append(mu + shift[g] + sd * z)
        labels += [g] * n
    L = np.vstack(rows)
    N = L.shape[0]
    # missingness: more likely for low values (detection limit), ~missing_rate overall
    zsc = (L - L.mean(0)) / L.std(0)
    w = np.exp(-1.0 * zsc)
    prob = np.clip(missing_rate * w / w.mean(), 0, 0.9)
    miss = rng.random(L.shape) < prob
    miss[:, miss.all(axis=0)] = False
    for j in range(d):  # keep at least 2 observed values per feature
        if (~miss[:, j]).sum() < 2:
            miss[:, j] = False
    values = np.where(miss, np.nan, 10.0 ** L)
    table = pd.DataFrame(values, columns=names)
    table.insert(0, GROUP, labels)
    table.insert(0, ID, [f"S{i + 1:03d}" for i in range(N)])
    truth = pd.DataFrame({"feature": names, "block": block_of, "true_effect": dvals != 0,
                          "effect_size_d": dvals})
    for g in groups[1:]:
        truth[f"shift_log10_{g}"] = shift[g]
    return table, truth


def simulate_microarray(n_features=150, n_real=(200, 200), n_validation=(350, 350),
                        n_external=300, block_size=10, rho=0.3, hit_fraction=0.2,
                        shift_mean=1.0, gamma_shape=2.0, gamma_scale=0.5,
                        group_names=("control", "case"), seed=0):
    """Microarray-like data after the Umpire design used by Cusworth et al. (2024).

    Two clusters (``control`` / ``case``) on ``n_features`` genes (default 150) in
    correlated blocks (``block_size``, correlation ``rho``); baseline log2 expression
    means ~ N(7, 1.5), SDs ~ U(0.3, 0.8); a ``hit_fraction`` of genes differs between the
    clusters by +-N(``shift_mean``, 0.25) log2 units; additive gamma noise
    (shape 2, scale 0.5, as in the paper) on every value.

    Returns dict with ``real`` and ``validation`` (labelled sample tables), ``external``
    (an unlabelled mixture of both clusters: sample_id + features) and ``truth``.
    The real table is large enough for the paper's imbalance designs (up to 120 controls
    with a 0.6 minority ratio).
    """
    rng = np.random.default_rng(seed)
    names = [f"G{i + 1:04d}" for i in range(n_features)]
    nb = int(np.ceil(n_features / block_size))
    sizes = [block_size] * (nb - 1) + [n_features - block_size * (nb - 1)]
    mu = rng.normal(7.0, 1.5, n_features)
    sd = rng.uniform(0.3, 0.8, n_features)
    n_hits = int(round(hit_fraction * n_features))
    hits = np.sort(rng.choice(n_features, n_hits, replace=False))
    delta = np.zeros(n_features)
    delta[hits] = rng.normal(shift_mean, 0.25, n_hits) * rng.choice([-1, 1], n_hits)

    def draw(n, cluster):
        z = _block_noise(rng, n, sizes, rho)
        x = mu + (delta if cluster == 1 else 0.0) + sd * z
        return x + rng.gamma(gamma_shape, gamma_scale, size=x.shape)

    def labelled(counts, prefix):
        X = np.vstack([draw(counts[0], 0), draw(counts[1], 1)])
        y = [group_names[0]] * counts[0] + [group_names[1]] * counts[1]
        t = pd.DataFrame(X, columns=names)
        t.insert(0, GROUP, y)
        t.insert(0, ID, [f"{prefix}{i + 1:04d}" for i in range(len(y))])
        return t

    real = labelled(n_real, "R")
    validation = labelled(n_validation, "V")
    n0 = n_external // 2
    Xe = np.vstack([draw(n0, 0), draw(n_external - n0, 1)])
    Xe = Xe[rng.permutation(len(Xe))]
    external = pd.DataFrame(Xe, columns=names)
    external.insert(0, ID, [f"E{i + 1:04d}" for i in range(len(Xe))])
    truth = pd.DataFrame({"feature": names, "block": np.repeat(np.arange(nb), sizes)[:n_features],
                          "true_effect": delta != 0, "shift_log2": delta,
                          "effect_size_d": delta / sd})
    return {"real": real, "validation": validation, "external": external, "truth": truth}


def run(source: str, params: dict, seed: int) -> dict:
    """Dispatch a config ``source`` to its simulator; returns table, truth (+ extra tables)."""
    params = dict(params or {})
    if source == "simulate_lipidomics":
        if "n_per_group" in params:
            params["n_per_group"] = tuple(params["n_per_group"])
        table, truth = simulate_lipidomics(seed=seed, **params)
        return {"table": table, "truth": truth}
    if source == "simulate_microarray":
        for k in ("n_real", "n_validation"):
            if k in params:
                params[k] = tuple(params[k])
        out = simulate_microarray(seed=seed, **params)
        return {"table": out["real"], "truth": out["truth"], "validation": out["validation"],
                "external": out["external"]}
    raise ValueError(f"unknown simulator {source!r}")
