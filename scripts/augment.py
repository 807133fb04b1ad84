"""Augment every seed of one (dataset, design) subset table with one method."""
from omicsaug.augment import augment_design, uses_torch
from omicsaug.io import read_samples
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0])
spec = snakemake.params.method
if uses_torch(spec):
    import torch

    torch.set_num_threads(snakemake.threads)
    log.info("torch device: %s", "cuda" if torch.cuda.is_available() else "cpu")
log.info("method %s: generator %s, params %s, amount %s", spec["name"], spec["generator"],
         spec["params"], spec["amount"])
table = augment_design(read_samples(snakemake.input[0]), spec, snakemake.params.seed,
                       snakemake.wildcards.design, snakemake.params.negative_controls, log=log)
write_tsv(table, snakemake.output[0])
