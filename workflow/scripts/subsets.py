"""Draw every seed of one design (one job per design, not per seed)."""
from omicsaug.design import Design, draw_subsets
from omicsaug.io import read_samples
from omicsaug.preprocess import imputer_factory
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, d = snakemake.params.spec, Design.from_dict(snakemake.params.design)
subsets = draw_subsets(read_samples(snakemake.input.imputed), d, base_seed=snakemake.params.seed,
                       transformed=read_samples(snakemake.input.transformed),
                       imputer_factory=imputer_factory(spec["impute"], snakemake.params.seed), log=log)
write_tsv(subsets, snakemake.output[0])
