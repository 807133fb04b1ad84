"""Score every augmented table of a dataset against its full-data reference: the naive test
and, with calibration on, the calibrated ones against each method's own null runs."""
import pandas as pd

from omicsaug import plots
from omicsaug.evaluation import calibration, recovery
from omicsaug.io import read_samples
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
p, inp = snakemake.params, snakemake.input
reference = read_tsv(inp.reference)
truth = read_tsv(inp.truth) if "truth" in inp.keys() else None
full = read_samples(inp.full)
tables, pvalues = [], []
for path, (design, method) in zip(inp.augmented, p.cells):
    cell = p.nulls.get(f"{design}/{method}")
    null = calibration.load_null(cell["files"], cell["pooling"], p.alpha) if cell else None
    t, pf = recovery.recovery(read_tsv(path, dtype={"sample_id": str, "group": str}), reference,
                              design, method, p.welch, p.alpha, truth=truth, null=null, full=full,
                              heldout_min_per_group=p.calibration["heldout_min_per_group"])
    tables.append(t)
    pvalues.append(pf)
    log.info("%s %s: %s", design, method, t.groupby(["test", "reference"])[
        ["recovered", "missed", "invented"]].mean().round(2).to_dict("index"))
table, pvalues = pd.concat(tables, ignore_index=True), pd.concat(pvalues, ignore_index=True)
summary = recovery.summarise(table)
write_tsv(table, snakemake.output.table)
write_tsv(summary, snakemake.output.summary)
write_tsv(recovery.feature_frequency(pvalues), snakemake.output.frequency)
write_tsv(pvalues, snakemake.output.pvalues)
for ref in ("sidak", "raw"):
    plots.recovery_bars(summary, snakemake.output[f"bars_{ref}"], reference=ref, title=snakemake.wildcards.dataset)
