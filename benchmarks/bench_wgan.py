"""Training cost of the omics WGAN on the simulated 150-feature microarray data (CPU).

Prints seconds per 1,000 epochs for

* pre-training on the 300-row external table (batch 30), per growing phase;
* re-training one class (40 controls, batch 20; 27 cases, batch 10 - a minority fraction
  of 0.4 as in the paper's designs): one model alone, the three learning-rate candidates of
  a class stacked into one model (what ``wgan`` does), and both classes' candidates
  stacked together (padded to the larger batch);
* the hand-written gradients against the ``torch.autograd`` reference;

and extrapolates to the paper's budgets (15,500 pre-training epochs; 5,000 + 5,000
re-training epochs per class with three candidates each) next to the paper's reported GPU
times (1,815 s pre-training; 280-471 s per re-trained GAN).

With ``--fit`` it also times one end-to-end ``wgan`` fit with the default budgets
(pre-training 500 + 500 + 1,000 epochs; re-training 1,000 + 1,000 epochs per class).

Usage: python benchmarks/bench_wgan.py [--threads 1] [--epochs 40] [--features 150] [--fit]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from omicsaug.generators.wgan import networks, scaling, training
from omicsaug.simulate import simulate_microarray

HIDDEN = (50, 100, 200)


def _time(gnet, cnet, data, n_rows, batch, epochs, engine="manual", dropout=0.7):
    G = len(n_rows)
    g = torch.Generator().manual_seed(0)
    tg = gnet.init(G, g, "cpu", torch.float32)
    tc = cnet.init(G, g, "cpu", torch.float32)
    kw = dict(alpha=[1.0] * G, lr=[1e-4] * G, dropout=dropout, generator=g, engine=engine,
              snapshot_every=20, band=(-10.0, 15.0))
    training.train_stack(gnet, cnet, tg, tc, data, n_rows, batch, epochs=2, **kw)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    training.train_stack(gnet, cnet, tg, tc, data, n_rows, batch, epochs=epochs, **kw)
    return (time.perf_counter() - t0) * 1000 / epochs, (time.process_time() - c0) * 1000 / epochs


def measure(threads=1, epochs=40, features=150):
    """Time the configurations listed in the module docstring.

    Returns a dict: ``d`` (features), ``rows`` [(label, models, wall ms/epoch, CPU ms/epoch)],
    ``res`` {class: (one model, 3 stacked, autograd) as (ms, cpu ms) pairs}, ``joint`` (the
    six-model padded stack), ``pre_full`` (ms/epoch of the last pre-training phase) and
    ``sim``/``feats``/``real`` (the simulated data, for ``fit_once``).
    """
    torch.set_num_threads(threads)
    sim = simulate_microarray(n_features=features, seed=0)
    feats = [c for c in sim["real"].columns if c not in ("sample_id", "group")]
    d = len(feats)
    scaler = scaling.SkewScaler()
    ext = torch.tensor(scaler.fit(sim["external"][feats].to_numpy()).transform(
        sim["external"][feats].to_numpy()), dtype=torch.float32)[None]
    real = sim["real"]
    ctrl = real[real.group == "control"][feats].to_numpy()[:40]
    case = real[real.group == "case"][feats].to_numpy()[:27]
    sc = scaling.SkewScaler().fit(np.vstack([ctrl, case]))
    Zc = torch.tensor(sc.transform(ctrl), dtype=torch.float32)
    Zk = torch.tensor(sc.transform(case), dtype=torch.float32)
    rows = []

    # ---- pre-training, per growing phase
    n_ext = ext.shape[1]
    for k in range(1, len(HIDDEN) + 1):
        h = HIDDEN[:k]
        gn = networks.StackedMLP(networks.generator_sizes(d, h, d))
        cn = networks.StackedMLP(networks.critic_sizes(d, h))
        ms, cpu = _time(gn, cn, ext, [n_ext], [30], epochs)
        rows.append((f"pre-train phase {k} ({'-'.join(map(str, h))}), {n_ext} rows, batch 30", 1, ms, cpu))
    pre_full = rows[-1][2]

    # ---- re-training one class
    gn = networks.StackedMLP(networks.generator_sizes(d, HIDDEN, d))
    cn = networks.StackedMLP(networks.critic_sizes(d, HIDDEN))
    res = {}
    for name, Z, b in (("control", Zc, 20), ("case", Zk, 10)):
        n = len(Z)
        one = _time(gn, cn, Z[None], [n], [b], epochs)
        three = _time(gn, cn, Z[None].repeat(3, 1, 1), [n] * 3, [b] * 3, epochs)
        auto = _time(gn, cn, Z[None], [n], [b], epochs, engine="autograd")
        rows.append((f"re-train {name} ({n} rows, batch {b}): 1 model", 1, *one))
        rows.append((f"re-train {name}: 1 model, torch.autograd reference", 1, *auto))
        rows.append((f"re-train {name}: 3 lr candidates stacked", 3, *three))
        res[name] = (one, three, auto)
    both = torch.zeros(6, 40, d)
    both[:3], both[3:, :27] = Zc, Zk
    joint = _time(gn, cn, both, [40] * 3 + [27] * 3, [20] * 3 + [10] * 3, epochs)
    rows.append(("re-train both classes x 3 candidates in one stack (padded)", 6, *joint))
    return {"d": d, "rows": rows, "res": res, "joint": joint, "pre_full": pre_full,
            "sim": sim, "feats": feats, "real": real}


def extrapolate(m):
    """Lines extrapolating ``measure``'s result to the paper's budgets (seconds)."""
    res, joint, pre_full = m["res"], m["joint"], m["pre_full"]
    sep = sum(3 * r[1][0] for r in res.values())      # both classes, candidates stacked per class
    single = sum(3 * r[0][0] for r in res.values())   # every candidate alone
    lines = [f"pre-training 15,500 epochs, all at full size (upper bound): {15.5 * pre_full:.0f} s"
             " (paper, GPU: 1,815 s)"]
    for name, (one, three, _) in res.items():
        lines.append(f"re-training {name}: 10,000 epochs x 3 candidates stacked: {10 * three[0]:.0f} s"
                     f" (one candidate alone: {10 * one[0]:.0f} s; paper, GPU: 280-471 s per GAN)")
    lines.append(f"both classes, 3+3 candidates: stacked per class {10 * sep / 3:.0f} s vs one by one "
                 f"{10 * single:.0f} s (speed-up {single / (sep / 3):.1f}x); all six in one padded "
                 f"stack {10 * joint[0]:.0f} s")
    lines.append("hand-written gradients vs autograd (1 model): "
                 + ", ".join(f"{k} {r[2][0] / r[0][0]:.2f}x" for k, r in res.items()))
    return lines


def fit_once(m):
    """One end-to-end ``wgan`` fit with the default budgets on ``measure``'s data (40 + 27
    rows, external pre-training). Returns (total s, pre-training s, re-training s)."""
    import pandas as pd

    from omicsaug.generators import get_generator

    real, feats = m["real"], m["feats"]
    sub = pd.concat([real[real.group == "control"].iloc[:40], real[real.group == "case"].iloc[:27]])
    g = get_generator("wgan", random_state=0, external=m["sim"]["external"], device="cpu")
    t0 = time.perf_counter()
    g.fit(sub[feats], sub["group"].to_numpy())
    return time.perf_counter() - t0, g.timings_["pretrain"], g.timings_["retrain"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--epochs", type=int, default=40, help="epochs timed per configuration")
    ap.add_argument("--features", type=int, default=150, help="simulated features (default 150)")
    ap.add_argument("--fit", action="store_true", help="also time one default wgan fit")
    a = ap.parse_args(argv)
    print(f"omics WGAN, {a.features} features, torch {torch.__version__}, {a.threads} thread(s), "
          f"{a.epochs} epochs timed per row; ms = wall-clock milliseconds")
    m = measure(a.threads, a.epochs, a.features)
    rows = m["rows"]
    w = max(len(r[0]) for r in rows)
    print(f"\n{'configuration':<{w}}  models  ms/epoch  cpu-ms/epoch  s per 1,000 epochs")
    for label, g, ms, cpu in rows:
        print(f"{label:<{w}}  {g:>6}  {ms:8.2f}  {cpu:12.2f}  {ms:18.1f}")

    print("\nextrapolated to the paper's budgets (seconds):")
    for line in extrapolate(m):
        print("  " + line)

    if a.fit:
        total, pre, re = fit_once(m)
        print(f"\nend-to-end wgan fit, default budgets, 40 + 27 rows: {total:.0f} s "
              f"(pre-training {pre:.0f} s, re-training both classes with "
              f"the learning-rate search {re:.0f} s)")


if __name__ == "__main__":
    main()
