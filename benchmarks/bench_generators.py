"""Wall time and memory of each augmentation method: fit + sample at 1:1.

Tables:

* ``eae``: the EAE authors' imputed matrix (log10 + missForest), first 6 mice per group in
  file order (the paper's 18 x 62 subset), with and without the ``<lipid>__perm`` negative
  controls (62 and 124 features);
* ``microarray``: a 128 x 1000 Umpire-like table (``simulate_microarray``, 64 + 64).

Every (table, method) cell runs in a fresh process so that its peak resident memory is its
own (the figure includes the interpreter and the imported libraries: torch alone is a few
hundred MiB); ``tracemalloc`` gives the peak of the Python/numpy allocations made during
fit + sample (torch's own allocator is not traced). Timings are the median over
``--repeats`` repeats, each with its own seed. CTGAN runs at its default 300 epochs.

Usage (from the repository root)::

    python benchmarks/bench_generators.py [--eae-dir DIR] [--repeats 3] [--methods gmm smote]

Prints a markdown table; writes nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_METHODS = ["none", "gmm", "gmm_independent", "ctgan", "smote", "random_oversampling"]
# Parameters a method needs on these tables, which have no external table: the omics WGAN
# pre-trains on the pooled real rows instead (its default, pretrain="external", needs one).
DEFAULT_PARAMS = {"wgan": {"pretrain": "pooled"}}
# Epoch-like budgets cut to 1 for the untimed warm-up fit
WARMUP_BUDGETS = {"epochs": 1, "pretrain_epochs": 1, "lr1_epochs": 1, "lr2_epochs": 1}
TABLE_LABELS = {"eae": "EAE first 6/group", "eae_nc": "EAE + __perm controls",
                "microarray": "microarray (sim.)"}


def load_eae(eae_dir):
    """The authors' imputed matrix, first 6 per group: (X, y, features)."""
    from omicsaug import config as oc
    from omicsaug.design import draw_subsets, expand_designs
    from omicsaug.io import load_dataset, split

    spec = oc.dataset({"datasets": {"eae": {"source": "eae_lipidomics",
                                            "eae_matrix": "authors"}}}, "eae")
    df = load_dataset(spec, {"table": str(Path(eae_dir) / spec["table"]),
                             "metadata": str(Path(eae_dir) / spec["metadata"])})
    design = expand_designs([{"type": "first_n", "n_per_group": 6}])[0]
    sub = draw_subsets(df, design).drop(columns="seed")
    return split(sub)


def load_microarray():
    from omicsaug.io import split
    from omicsaug.simulate import simulate_microarray

    real = simulate_microarray(n_features=1000, n_real=(64, 64), n_validation=(2, 2),
                               n_external=4, seed=1)["real"]
    return split(real)


def method_params(method, params=None):
    """The parameters a cell runs with: ``DEFAULT_PARAMS`` for the method, updated by ``params``."""
    return {**DEFAULT_PARAMS.get(method, {}), **(params or {})}


def run_cell(table, eae_dir, method, negative_controls, repeats, trace=True, threads=1,
             params=None):
    """Child process: time fit + sample 1:1 ``repeats`` times.

    ``params`` update the method's ``DEFAULT_PARAMS`` (otherwise its own defaults apply).
    Returns a dict; ``rss_mib`` is this process's peak resident memory, so call it in a fresh
    (spawned) process for a per-cell figure.
    """
    import numpy as np

    from omicsaug.augment import augment_table
    from omicsaug.generators import REGISTRY

    X, y, feats = load_eae(eae_dir) if table == "eae" else load_microarray()
    params = method_params(method, params)
    spec = {"name": method, "generator": method, "params": params,
            "amount": {"mode": "ratio", "ratio": 1}}
    if getattr(REGISTRY[method], "uses_torch", False):
        import torch

        torch.set_num_threads(threads)

    def once(r, cols=slice(None), sp=spec):
        return augment_table(X[:, cols], y, feats[cols], sp, (42, "bench", r), negative_controls)

    # untimed warm-up on 4 features (1 epoch for the neural nets): lazy imports, torch init
    names = REGISTRY[method]._param_names()
    warm = dict(spec, params={**params, **{k: v for k, v in WARMUP_BUDGETS.items() if k in names}})
    once("warm-up", slice(0, 4), warm)
    times = []
    for r in range(repeats):             # timed without tracemalloc, which slows allocation
        t0 = time.perf_counter()
        X_all, _, syn, _, names = once(r)
        times.append(time.perf_counter() - t0)
        assert X_all.shape[1] == len(names) and np.isfinite(X_all).all()
    traced = float("nan")
    if trace:                             # one more run for the traced allocation peak
        tracemalloc.start()
        once(repeats)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux
    return {"table": table, "n": len(X), "d": len(names), "method": method, "params": params,
            "repeats": repeats, "times": times,
            "median_s": statistics.median(times), "min_s": min(times), "n_syn": int(syn.sum()),
            "rss_mib": rss / 1024, "traced_mib": traced / 2**20}


def run_cell_in_child(table_key, eae_dir, method, repeats, trace=True, threads=1, params=None):
    """``run_cell`` in a fresh spawned process (its own peak RSS); ``table_key`` is one of
    ``TABLE_LABELS`` (``eae_nc`` = EAE with negative controls)."""
    table = "eae" if table_key.startswith("eae") else "microarray"
    nc = table_key == "eae_nc"
    with mp.get_context("spawn").Pool(1) as pool:
        res = pool.apply(run_cell, (table, eae_dir, method, nc, repeats, trace, threads, params))
    res["table"] = TABLE_LABELS[table_key]
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eae-dir", default=str(REPO.parent / "shared" / "data" / "eae_lipidomics"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--methods", nargs="+", default=DEFAULT_METHODS,
                    help="registered method names, or 'all' for the whole registry")
    ap.add_argument("--tables", nargs="+", default=["eae", "eae_nc", "microarray"],
                    choices=["eae", "eae_nc", "microarray"])
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on a shared machine more threads can thrash)")
    ap.add_argument("--no-trace", action="store_true",
                    help="skip the extra tracemalloc run (one fit + sample less per cell)")
    args = ap.parse_args(argv)
    if args.methods == ["all"]:
        from omicsaug.generators import REGISTRY

        args.methods = list(REGISTRY)

    cells = [(t, m) for t in args.tables for m in args.methods]
    rows = []
    for t, m in cells:
        res = run_cell_in_child(t, args.eae_dir, m, args.repeats, not args.no_trace, args.threads)
        rows.append(res)
        print(f"  {t:<10} {m:<20} median {res['median_s']:8.3f} s, min {res['min_s']:8.3f} s, "
              f"RSS {res['rss_mib']:.0f} MiB, traced {res['traced_mib']:.1f} MiB",
              file=sys.stderr, flush=True)

    import torch

    print(f"\nfit + sample 1:1 after an untimed warm-up, median of {args.repeats} repeat(s); "
          f"{platform.machine()}, {os.cpu_count()} CPU(s), torch {torch.__version__} "
          f"with {args.threads} thread(s) "
          f"({'cuda' if torch.cuda.is_available() else 'cpu'}); peak RSS includes the interpreter "
          "and imported libraries\n")
    print("| table | rows x features | method | synthetic rows | median s | min s | "
          "peak RSS MiB | traced peak MiB |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['table']} | {r['n']} x {r['d']} | {r['method']} | {r['n_syn']} | "
              f"{r['median_s']:.3f} | {r['min_s']:.3f} | {r['rss_mib']:.0f} | "
              f"{r['traced_mib']:.1f} |")


if __name__ == "__main__":
    main()
