"""Fidelity and memorisation of one (design, method)'s synthetic rows, every seed."""
from omicsaug.synthetic_quality import augmented_quality
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
w = snakemake.wildcards
table = augmented_quality(read_tsv(snakemake.input.augmented), read_tsv(snakemake.input.full),
                          w.design, w.method, seed=snakemake.params.seed, log=log)
write_tsv(table, snakemake.output[0])
