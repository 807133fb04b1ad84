"""Augment every seed of one (dataset, design) subset table with one method."""
from omicsaug.augment import augment_design, load_shared_fits, prepare_job
from omicsaug.evaluation.class_fidelity import augmented_fidelity
from omicsaug.io import read_samples
from omicsaug.utils import log_to, save_fit, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = prepare_job(snakemake.params.method, snakemake.threads, snakemake.input.get("pretrained"),
                   snakemake.input.get("control"), log=log)
subsets = read_samples(snakemake.input.subsets)
shared = load_shared_fits(snakemake.input.get("shared"))  # share_fit: the other method's fits
first_fit = {}  # the first seed's fitted model (diagnostics); every seed's for the paper protocol
table = augment_design(subsets, spec, snakemake.params.seed,
                       snakemake.wildcards.design, snakemake.params.negative_controls, log=log,
                       first_fit=first_fit, keep_fits=snakemake.params.keep_fits, shared_fits=shared)
write_tsv(table, snakemake.output.table)
# do the synthetic rows keep their class? (a WARNING per flagged seed)
write_tsv(augmented_fidelity(table, snakemake.wildcards.design, spec["name"], log=log),
          snakemake.output.fidelity)
save_fit(first_fit, snakemake.output.fit)
