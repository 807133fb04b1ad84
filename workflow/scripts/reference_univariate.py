"""Full-data reference: per-feature one-way ANOVA with Šidák and BH adjustment."""
from omicsaug.evaluation import reference
from omicsaug.io import read_samples, split
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
X, y, features = split(read_samples(snakemake.input[0]))
table = reference.univariate(X, y, features, welch=snakemake.params.spec["reference"]["welch"],
                         alpha=snakemake.params.alpha)
log.info("%d features: %d raw, %d Šidák, %d BH significant", len(table),
         table.significant_raw.sum(), table.significant_sidak.sum(), table.significant_bh.sum())
write_tsv(table, snakemake.output[0])
