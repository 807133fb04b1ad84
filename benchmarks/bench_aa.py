"""The A/A study of the verdict rule (``omicsaug.evaluation.aa``): two methods with identical
statistics, each judged against its own independent permutation null; the share of
replicates that get ``gains`` or ``loses`` is the rule's false-verdict rate (nominal 0.05).

Settings as users run them: 62 features (the EAE lipidomics width) and 2,000 (a filtered
microarray), 20 and 100 null runs, one subset (per-subset null) and 10 subsets (pooled null),
3 groups of 6."""

from __future__ import annotations

import time

from omicsaug.evaluation.aa import aa_study

SETTINGS = [(f, n, s) for f in (62, 2000) for n in (20, 100) for s in (1, 10)]
COLUMNS = ["features", "n_null", "seeds", "replicates", "spurious_rate", "no_gain", "undecidable",
           "seconds"]


def measure(replicates=400, n_boot=1000, log=print) -> list[dict]:
    rows = []
    for f, n, s in SETTINGS:
        t0 = time.perf_counter()
        r = aa_study(f, n, s, replicates, n_boot=n_boot)
        r["seconds"] = round(time.perf_counter() - t0, 1)
        r["spurious_rate"] = round(r["spurious_rate"], 4)
        log(f"A/A {f} features, {n} null runs, {s} subset(s): {r['spurious']} of {replicates} "
            f"spurious ({r['spurious_rate']:.3f}), {r['undecidable']} undecidable")
        rows.append(r)
    return rows
