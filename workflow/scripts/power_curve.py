"""Calibrated power of the unaugmented baseline as n per group grows (the failure-point draws
with a max-T permutation test), against the simulated truth or the full-data reference."""
from omicsaug.evaluation import power
from omicsaug.io import read_samples, split
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
c, inp = snakemake.params.calibration, snakemake.input
X, y, features = split(read_samples(inp.imputed))
mask, name = power.power_reference(read_tsv(inp.reference), read_tsv(inp.truth) if "truth" in inp.keys() else None,
                                 features)
log.info("power against %s (%d features)", name, mask.sum())
pc = c["power_curve"]
draws, null = power.baseline_power_curve(X, y, mask, pc["n_per_group"], pc["draws"], pc["n_null"],
                                       snakemake.params.alpha, snakemake.params.seed,
                                       snakemake.params.welch, log=log, return_null=True)
draws.insert(0, "power_reference", name)
summary = power.summarise_curve(draws, c["bootstrap"], rng=snakemake.params.seed)
summary.insert(0, "power_reference", name)
write_tsv(draws, snakemake.output.draws)
write_tsv(null, snakemake.output.null)
write_tsv(summary, snakemake.output.summary)
