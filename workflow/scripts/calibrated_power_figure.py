"""The baseline's calibrated power over n, each method of one design placed at its power."""
from omicsaug import plots
from omicsaug.utils import log_to, read_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
plots.calibrated_power(read_tsv(snakemake.input.curve), read_tsv(snakemake.input.calibration),
                       snakemake.output[0], snakemake.wildcards.design, title=snakemake.wildcards.dataset)
