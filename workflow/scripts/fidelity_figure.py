"""One design's methods on fidelity (two-sample AUROC) against memorisation (near copies)."""
from omicsaug import plots
from omicsaug.utils import log_to, read_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
plots.fidelity_map(read_tsv(snakemake.input[0]), snakemake.output[0], snakemake.wildcards.design,
                   title=snakemake.wildcards.dataset)
