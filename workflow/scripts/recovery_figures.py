"""Per-design recovery figures: per-feature frequency heat map and p-value strips."""
from omicsaug import plots
from omicsaug.utils import log_to, read_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
design, dataset = snakemake.wildcards.design, snakemake.wildcards.dataset
reference = read_tsv(snakemake.input.reference)
plots.recovery_heatmap(read_tsv(snakemake.input.frequency), reference, snakemake.output.heatmap,
                       design, title=dataset)
plots.pvalue_strips(read_tsv(snakemake.input.pvalues), reference, snakemake.output.strips, design,
                    alpha=snakemake.params.alpha, title=dataset)
