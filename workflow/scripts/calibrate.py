"""Null runs of one (dataset, design, method), or one chunk of them: the whole augment + test
pipeline on label-permuted copies of the design's subsets."""
import pandas as pd

from omicsaug.augment import prepare_job
from omicsaug.evaluation import calibration as cal
from omicsaug.io import read_samples
from omicsaug.table import SEED
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
c, design = snakemake.params.calibration, snakemake.wildcards.design
spec = prepare_job(snakemake.params.method, snakemake.threads, snakemake.input.get("pretrained"),
                   snakemake.input.get("control"), log=log)
subsets = read_samples(snakemake.input.subsets)
plan = cal.chunk_of(cal.null_plan(pd.unique(subsets[SEED]), c["n_null"], c["pooling"]),
                    int(snakemake.wildcards.chunk), int(c["chunks"]))
log.info("%s %s: %d null runs (chunk %s of %s, pooling %s)", design, spec["name"], len(plan),
         snakemake.wildcards.chunk, c["chunks"], c["pooling"])
null = cal.null_statistics(subsets, spec, snakemake.params.seed, design, plan,
                           snakemake.params.negative_controls, snakemake.params.welch,
                           batch=c["batch"], log=log)
write_tsv(null, snakemake.output[0])
