"""One row per (design, method): the method's null-run error figures for the naive rule, its
calibrated power, the paired verdict against the unaugmented baseline, and its equivalent n."""
from omicsaug.evaluation import power
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
p, inp = snakemake.params, snakemake.input
reference = read_tsv(inp.reference)
mask, _ = power.power_reference(reference, read_tsv(inp.truth) if "truth" in inp.keys() else None,
                              reference["feature"])
table = power.calibration_table(read_tsv(inp.recovery), read_tsv(inp.pvalues),
                              {tuple(k.split("/", 1)): v for k, v in p.nulls.items()},
                              power.CurveBootstrap(read_tsv(inp.curve), read_tsv(inp.curve_null), p.alpha),
                              p.designs, p.baseline,
                              set(reference["feature"][mask]), alpha=p.alpha,
                              n_boot=p.calibration["bootstrap"], seed=p.seed,
                              margin=p.calibration["verdict_margin"], log=log)
write_tsv(table, snakemake.output[0])
