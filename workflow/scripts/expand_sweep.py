"""The ExpandGAN multiplier sweep figure from the merged AUROC table (paper protocol)."""
from omicsaug import plots
from omicsaug.utils import log_to, read_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
auroc = read_tsv(snakemake.input[0])
plots.expand_sweep(auroc, snakemake.output[0], title=snakemake.wildcards.dataset)
log.info("expand sweep: %d rows", int(auroc["method"].str.contains(r"_x[0-9.]+$", regex=True).sum()))
