"""GAN cost of config/paper/wgan_simulation.yaml per experiment cell, on a CPU or a GPU.

For every cell of the paper's grid (40 / 80 / 120 controls x 0.4 / 0.5 / 0.6 cases per
control; the simulated 150-feature microarray data) this fits the WGAN as the augment job
does (one fit per cell, the three learning-rate candidates of a class stacked, each network
on its own random stream) at a short budget, and extrapolates linearly to the paper's
(5,000 + 5,000 re-training epochs per class; 15,500 pre-training epochs): the cost of an
epoch does not change along training, since a network that leaves the loss band is frozen
but still computed. Balancing GANs re-train the minority class, ExpandGAN both classes;
pre-training is timed per growing phase.

Prints a table and, with ``--json PATH``, writes the numbers for benchmarks/RESULTS.md.

Usage: python benchmarks/bench_wgan_paper.py [--device cpu|cuda] [--epochs 100]
       [--pretrain-epochs 50] [--cells all|largest] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from omicsaug.generators.wgan import WGANGenerator
from omicsaug.simulate import simulate_microarray

CELLS = [(c, f) for c in (40, 80, 120) for f in (0.4, 0.5, 0.6)]
PAPER = {"lr": 5000, "pretrain": (3000, 5000, 7500)}


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def time_cell(sim, feats, controls, fraction, classes, epochs, device, seed=0):
    """Seconds of one re-training fit (both stages, ``epochs`` each) of ``classes``."""
    rng = np.random.default_rng(seed)
    real = sim["real"]
    n_case = int(round(controls * fraction))
    idx = np.r_[rng.choice(np.flatnonzero(real["group"] == "control"), controls, replace=False),
                rng.choice(np.flatnonzero(real["group"] == "case"), n_case, replace=False)]
    X, y = real.iloc[idx][feats], real["group"].to_numpy()[idx]
    n = {"case": controls - n_case, "control": 0} if classes == "minority" else \
        {"case": 2 * controls - n_case, "control": controls}
    g = WGANGenerator(random_state=seed, pretrain="none", lr1_epochs=epochs, lr2_epochs=epochs,
                      snapshot_every=20, device=device)
    _sync(device)
    t0 = time.perf_counter()
    g.fit(X, y, n_per_class=n)
    _sync(device)
    return time.perf_counter() - t0


def time_pretrain(sim, feats, epochs, device):
    """Seconds per epoch of each growing phase of pre-training on the external table."""
    out = []
    for k in (1, 2, 3):
        g = WGANGenerator(random_state=0, external=sim["external"][feats], device=device,
                          pretrain_epochs=[epochs if i == k - 1 else 0 for i in range(3)])
        _sync(device)
        t0 = time.perf_counter()
        g.fit_pretraining(feats)
        _sync(device)
        out.append((time.perf_counter() - t0) / epochs)
    # phase k's time includes phases < k at 0 epochs (initialisation only)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--epochs", type=int, default=100, help="re-training epochs per stage timed")
    ap.add_argument("--pretrain-epochs", type=int, default=50, help="epochs timed per phase")
    ap.add_argument("--cells", choices=["all", "largest"], default="all")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    sim = simulate_microarray(n_features=150, n_real=(200, 200), n_validation=(10, 10),
                              n_external=300, seed=0)
    feats = [c for c in sim["real"].columns if c not in ("sample_id", "group")]
    time_cell(sim, feats, 40, 0.4, "minority", 2, args.device)   # warm-up (CUDA context, kernels)
    # two budgets: the slope is the cost of an epoch, the rest the fixed cost (set-up, knee)
    e1, e2 = max(2, args.epochs // 5), args.epochs
    rows = []
    for c, f in (CELLS if args.cells == "all" else CELLS[-1:]):
        for classes in ("minority", "both"):
            t1 = time_cell(sim, feats, c, f, classes, e1, args.device)
            t2 = time_cell(sim, feats, c, f, classes, e2, args.device)
            per = max(t2 - t1, 0.0) / (e2 - e1)       # seconds per epoch of both stages
            paper = t2 + per * (PAPER["lr"] - e2)
            rows.append({"controls": c, "fraction": f, "classes": classes, "seconds": t2,
                         "s_per_epoch": per, "paper_seconds": paper})
            print(f"{args.device} c{c} f{f} {classes:8s}: {t2:6.1f} s at {e2}+{e2} epochs, "
                  f"{1000 * per:6.1f} ms per epoch -> {paper:7.0f} s at the paper's 5,000 + 5,000",
                  flush=True)
    p1 = time_pretrain(sim, feats, max(2, args.pretrain_epochs // 5), args.device)
    p2 = time_pretrain(sim, feats, args.pretrain_epochs, args.device)
    pe1, pe2 = max(2, args.pretrain_epochs // 5), args.pretrain_epochs
    pre = [max(b * pe2 - a * pe1, 0.0) / (pe2 - pe1) for a, b in zip(p1, p2)]  # s per epoch
    pre_paper = float(sum(e * t for e, t in zip(PAPER["pretrain"], pre)))
    print(f"{args.device} pre-training s/epoch per phase {['%.4f' % t for t in pre]} -> "
          f"{pre_paper:.0f} s at 3,000 + 5,000 + 7,500", flush=True)
    # the config: 4 balancing GANs (3 alpha pairs + ClassicGAN) re-train the minority class,
    # ExpandGAN both; 4 pre-trainings (ClassicGAN has none)
    mino = sum(r["paper_seconds"] for r in rows if r["classes"] == "minority")
    both = sum(r["paper_seconds"] for r in rows if r["classes"] == "both")
    total = 4 * mino + both + 4 * pre_paper
    print(f"{args.device}: the config's GAN work at the paper's budgets: {total:.0f} s "
          f"({total / 3600:.2f} h) in one process", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": args.device, "epochs": args.epochs, "rows": rows,
                       "command": "python " + " ".join(__import__("sys").argv),
                       "pretrain_s_per_epoch": pre, "pretrain_paper_s": pre_paper,
                       "gan_total_s": total, "torch": torch.__version__,
                       "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
                      fh, indent=1)


if __name__ == "__main__":
    main()
