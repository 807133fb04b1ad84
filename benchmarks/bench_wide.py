"""Every method of the default config on a wide microarray table, as the workflow runs it.

The table: 128 samples x 12,625 probes (64 + 64, ``simulate_microarray``, no variance
filter), design ``sample_size`` 6 per group, 10 seeds (``--features``, ``--seeds``). Per
method instance of ``config/config.yaml`` (its own params and amount):

* the start-up check first (``startup.check_widths``): a method the width exceeds reports
  the one-line message the workflow stops with, and is not run;
* otherwise, in a fresh spawned process (its peak RSS is its own, interpreter and libraries
  included): the WGAN pre-training on the external table where the method does it (as the
  ``wgan_pretrain`` rule), the augment job's loop over the seeds (``augment_design``, seeds
  fitted together where the generator stacks them, plus the class-fidelity check the job
  writes), then the fidelity and memorisation report of that job (``augmented_quality``,
  the ``fidelity`` rule).

The table is balanced, so the methods that balance (``amount: balance``) run at 1:1 here
instead of adding nothing. Negative controls are off by default (``--negative-controls`` doubles the width, as in the
workflow). Usage (from the repository root)::

    python benchmarks/bench_wide.py [--methods gmm smote] [--seeds 10] [--threads 1]

Prints a markdown table; ``run_all.py --only wide`` writes it to RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
N_PER_CLASS = (64, 64)


def default_config():
    import yaml

    from omicsaug.config import validate_config

    return validate_config(yaml.safe_load((REPO / "config" / "config.yaml").read_text()))


def startup_message(method, n_features, negative_controls, config=None):
    """The workflow's start-up message for ``method`` at this width (None: it runs)."""
    from omicsaug.errors import InputError
    from omicsaug.startup import check_widths

    config = config or default_config()
    spec = {"augment": {"methods": [method], "negative_controls": negative_controls}}
    try:
        check_widths(config, "wide", spec, n_features, "config/config.yaml")
    except InputError as e:
        return str(e)
    return None


def simulate(n_features, seed=1):
    from omicsaug.simulate import simulate_microarray

    # a few validation rows and no oracle AUROC (its covariance alone is 2 x 1.3 GB here)
    return simulate_microarray(n_features=n_features, n_real=N_PER_CLASS, n_validation=(2, 2),
                               oracle_n=0, seed=seed)


def run_method(method, n_features, seeds, negative_controls=False, threads=1):
    """Child process: pre-train (where the method does), augment every seed, check the class
    fidelity, then the fidelity and memorisation report. Returns seconds per stage and the
    process's peak RSS (MiB)."""
    import pandas as pd

    from omicsaug.augment import augment_design, method_spec, prepare_job, pretrain_generator
    from omicsaug.design import draw_subsets, expand_designs
    from omicsaug.evaluation.class_fidelity import augmented_fidelity
    from omicsaug.generators import REGISTRY
    from omicsaug.synthetic_quality import augmented_quality, summarise
    from omicsaug.table import SYNTHETIC, feature_columns

    config = default_config()
    sim = simulate(n_features)
    full = sim["real"]
    feats = feature_columns(full)
    design = expand_designs([{"type": "sample_size", "n_per_group": 6, "seeds": seeds}])[0]
    subsets = draw_subsets(full, design, base_seed=config["seed"])
    spec = method_spec(config, method)
    if spec["amount"].get("mode") == "balance":   # balanced table: balancing adds no row
        spec["amount"] = {"mode": "ratio", "ratio": 1}
    out = {"method": method, "generator": spec["generator"], "n": len(full), "d": len(feats),
           "seeds": seeds, "pretrain_s": 0.0}
    pretrained = None
    with tempfile.TemporaryDirectory() as tmp:
        if REGISTRY[spec["generator"]].pretrains_externally(spec["params"]):
            t0 = time.perf_counter()
            external = sim["external"][feats]
            gen = pretrain_generator(spec, feats, external, config["seed"], negative_controls)
            pretrained = str(Path(tmp) / "pretrained.pt")
            gen.save_pretrained(pretrained)
            out["pretrain_s"] = time.perf_counter() - t0
        spec = prepare_job(spec, threads, pretrained)
        t0 = time.perf_counter()
        table = augment_design(subsets, spec, config["seed"], design.name, negative_controls)
        out["augment_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cls = augmented_fidelity(table, design.name, method)
        out["class_fidelity_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fid = augmented_quality(table, full, design.name, method, seed=config["seed"])
    out["fidelity_s"] = time.perf_counter() - t0
    out["n_synthetic"] = int(table[SYNTHETIC].astype(bool).sum())
    s = summarise(fid)
    for col in ("two_sample_auroc", "heldout_two_sample_auroc", "near_copy_fraction", "ks_median"):
        out[col] = float(s[col].iloc[0]) if col in s and len(s) else float("nan")
    syn = cls[cls["n_synthetic"] > 0] if "n_synthetic" in cls else cls.iloc[:0]
    out["class_flagged"] = bool(syn["flagged"].astype(bool).any()) if len(syn) else None
    out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_in_child(method, n_features, seeds, negative_controls=False, threads=1):
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(run_method, (method, n_features, seeds, negative_controls, threads))


def measure(methods=None, n_features=12625, seeds=10, negative_controls=False, threads=1,
            echo=print, cache=None):
    """One result per method: a dict from ``run_method``, or ``{"method", "refused"}`` with
    the start-up message. With ``cache`` (a JSON-lines file) each finished method is appended
    there as it ends and a later call with the same settings reuses it (a long run that is
    stopped resumes)."""
    import json

    config = default_config()
    methods = methods or list(config["methods"])
    key = {"n_features": n_features, "seeds": seeds, "negative_controls": negative_controls,
           "threads": threads}
    done = {}
    if cache is not None and Path(cache).is_file():
        for line in Path(cache).read_text().splitlines():
            r = json.loads(line)
            if r.pop("key", None) == key:
                done[r["method"]] = r
    rows = []
    for m in methods:
        if m in done:
            rows.append(done[m])
            echo(f"  {m:<20} (from {cache})")
            continue
        msg = startup_message(m, n_features, negative_controls, config)
        if msg is not None:
            rows.append({"method": m, "generator": config["methods"][m].get("generator", m),
                         "refused": msg})
            echo(f"  {m:<20} refused at start-up: {msg}")
            continue
        t0 = time.perf_counter()
        r = run_in_child(m, n_features, seeds, negative_controls, threads)
        r["total_s"] = time.perf_counter() - t0
        rows.append(r)
        if cache is not None:
            Path(cache).parent.mkdir(parents=True, exist_ok=True)
            with open(cache, "a") as fh:
                fh.write(json.dumps({**r, "key": key}) + "\n")
        echo(f"  {m:<20} augment {r['augment_s']:7.1f} s, fidelity {r['fidelity_s']:6.1f} s, "
             f"pre-train {r['pretrain_s']:6.1f} s, peak RSS {r['rss_mib']:6.0f} MiB")
    return rows


def _with_reference(value: str, reference: str) -> str:
    return f"{value} ({reference})" if value and reference else value


def markdown(rows, n_features, seeds) -> str:
    def f(v, fmt):
        return "" if v is None or v != v else fmt.format(v)

    head = ["method", "generator", "pre-train s", f"augment s ({seeds} seeds)", "per seed s",
            "class check s", "fidelity s", "peak RSS MiB", "two-sample AUROC (originals)",
            "near copies"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * 8) + "|"]
    refused = []
    for r in rows:
        if "refused" in r:
            lines.append(f"| {r['method']} | {r['generator']} | refused at start-up (below) |"
                         + " |" * 7)
            refused.append(f"- `{r['method']}`: {r['refused']}")
            continue
        lines.append("| " + " | ".join([
            r["method"], r["generator"], f(r["pretrain_s"], "{:.1f}"), f(r["augment_s"], "{:.1f}"),
            f(r["augment_s"] / r["seeds"], "{:.2f}"), f(r["class_fidelity_s"], "{:.1f}"),
            f(r["fidelity_s"], "{:.1f}"), f(r["rss_mib"], "{:.0f}"),
            _with_reference(f(r["two_sample_auroc"], "{:.2f}"),
                            f(r.get("heldout_two_sample_auroc"), "{:.2f}")),
            f(r["near_copy_fraction"], "{:.0%}")]) + " |")
    if refused:
        lines += ["", "What the workflow says at start-up for the methods this width exceeds:", ""]
        lines += refused
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--methods", nargs="+", default=None,
                    help="method instances of config/config.yaml (default: all)")
    ap.add_argument("--features", type=int, default=12625)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--negative-controls", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--cache", default=None,
                    help="JSON-lines file: finished methods are kept there and reused")
    args = ap.parse_args(argv)
    rows = measure(args.methods, args.features, args.seeds, args.negative_controls, args.threads,
                   echo=lambda s: print(s, file=sys.stderr, flush=True), cache=args.cache)
    print(markdown(rows, args.features, args.seeds))


if __name__ == "__main__":
    main()
