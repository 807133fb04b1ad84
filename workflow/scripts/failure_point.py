"""Šidák-significant count as n per group shrinks; the smallest n that keeps hits."""
from omicsaug import plots
from omicsaug.evaluation import reference
from omicsaug.io import read_samples, split
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, alpha = snakemake.params.spec, snakemake.params.alpha
fp = spec["failure_point"]
X, y, _ = split(read_samples(snakemake.input[0]))
draws, summary, n_min = reference.failure_point(
    X, y, fp["n_per_group"], range(1, fp["seeds"] + 1), alpha=alpha,
    base_seed=snakemake.params.seed, welch=spec["reference"]["welch"])
summary["n_min"] = n_min
log.info("failure point: smallest n keeping Šidák hits = %s\n%s", n_min, summary)
write_tsv(draws, snakemake.output.draws)
write_tsv(summary, snakemake.output.summary)
plots.failure_point(draws, summary, n_min, snakemake.output.figure, title=spec["name"],
                    full_count=reference.count_significant(X, y, alpha, "sidak", spec["reference"]["welch"]))
