"""ESOM training time: ``omicsaug.generators.genesom.esom.ESOM`` vs the authors' Rcpp code.

Two cases, both on the default 50 x 80 toroidal grid with 20 epochs (the genESOM
settings): the EAE size (n = 18 rows, d = 62) and a wide table (n = 128, d = 1000).
Reference times of the authors' ``Umatrix::esomTrain`` (Rcpp) on the project machine:
0.31 s and 47.6 s. Prints one table row per (case, algorithm); the training loop alone is
timed (``ESOM.train_time_``), best of ``--repeats`` runs.

    python benchmarks/bench_esom.py [--repeats 3] [--skip-direct-large]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from omicsaug.generators.genesom.esom import ESOM

R_SECONDS = {(18, 62): 0.31, (128, 1000): 47.6}


def time_esom(n, d, algorithm="auto", repeats=3, lines=50, columns=80, epochs=20):
    """Train an ESOM ``repeats`` times on an n x d standard-normal table (seed 0; map seed =
    repeat). Returns the training-loop seconds (``ESOM.train_time_``) and the whole ``fit``
    seconds per repeat, the algorithm used and the last model's BMU changes per epoch."""
    X = np.random.default_rng(0).normal(size=(n, d))
    train, fit = [], []
    for rep in range(repeats):
        t0 = time.perf_counter()
        som = ESOM(lines, columns, epochs=epochs, algorithm=algorithm, random_state=rep).fit(X)
        fit.append(time.perf_counter() - t0)
        train.append(som.train_time_)
    return {"n": n, "d": d, "algorithm": som.algorithm_, "train_s": train, "fit_s": fit,
            "bmu_changes": som.bmu_changes_.tolist()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-direct-large", action="store_true",
                    help="skip the slow data-space algorithm on the wide case")
    args = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__}; grid 50 x 80, 20 epochs; best of {args.repeats}")
    print(f"{'n':>5} {'d':>5} {'algorithm':>9} {'train s':>9} {'fit s':>8} {'Rcpp s':>7} "
          f"{'speed-up':>8} {'BMU changes (last 3 epochs)':>28}")
    for (n, d), r_s in R_SECONDS.items():
        for algo in ("coef", "direct"):
            if algo == "direct" and d == 1000 and args.skip_direct_large:
                continue
            reps = args.repeats if not (algo == "direct" and d == 1000) else 1
            res = time_esom(n, d, algo, reps)
            best_train, best_fit = min(res["train_s"]), min(res["fit_s"])
            print(f"{n:>5} {d:>5} {algo:>9} {best_train:>9.3f} {best_fit:>8.3f} {r_s:>7.2f} "
                  f"{r_s / best_train:>7.1f}x {str(res['bmu_changes'][-3:]):>28}",
                  flush=True)


if __name__ == "__main__":
    main()
