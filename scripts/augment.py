"""Augment every seed of one (dataset, design) subset table with one method."""
from omicsaug.augment import augment_design, uses_torch
from omicsaug.io import read_samples
from omicsaug.utils import log_to, save_fit, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.method
if uses_torch(spec):
    import torch

    torch.set_num_threads(snakemake.threads)
    log.info("torch device: %s", "cuda" if torch.cuda.is_available() else "cpu")
log.info("method %s: generator %s, params %s, amount %s", spec["name"], spec["generator"],
         spec["params"], spec["amount"])
subsets = read_samples(snakemake.input.subsets)
if "pretrained" in snakemake.input.keys():  # WGAN weights pre-trained once for the dataset
    spec["params"]["pretrained"] = snakemake.input.pretrained
first_fit = {}  # the first seed's fitted model, for the diagnostics rules
table = augment_design(subsets, spec, snakemake.params.seed,
                       snakemake.wildcards.design, snakemake.params.negative_controls, log=log,
                       first_fit=first_fit)
write_tsv(table, snakemake.output.table)
save_fit(first_fit, snakemake.output.fit)
