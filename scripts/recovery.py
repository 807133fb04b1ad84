"""Score every augmented table of a dataset against its full-data reference."""
import pandas as pd

from omicsaug import evaluate, plots
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
reference = read_tsv(snakemake.input.reference)
truth = read_tsv(snakemake.input.truth) if "truth" in snakemake.input.keys() else None
tables, pvalues = [], []
for path, (design, method) in zip(snakemake.input.augmented, snakemake.params.cells):
    t, pf = evaluate.recovery(read_tsv(path, dtype={"sample_id": str, "group": str}), reference,
                              design, method, snakemake.params.welch, snakemake.params.alpha,
                              truth=truth)
    tables.append(t)
    pvalues.append(pf)
    log.info("%s %s: %s", design, method, t.groupby("reference")[["recovered", "missed", "invented"]].mean().round(2).to_dict("index"))
table, pvalues = pd.concat(tables, ignore_index=True), pd.concat(pvalues, ignore_index=True)
summary = evaluate.summarise(table)
write_tsv(table, snakemake.output.table)
write_tsv(summary, snakemake.output.summary)
write_tsv(evaluate.feature_frequency(pvalues), snakemake.output.frequency)
write_tsv(pvalues, snakemake.output.pvalues)
for ref in ("sidak", "raw"):
    plots.recovery_bars(summary, snakemake.output[f"bars_{ref}"], reference=ref, title=snakemake.wildcards.dataset)
