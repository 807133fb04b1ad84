"""AUROC of tuned HistGradientBoosting trained on each method's table of one design
(Cusworth et al. 2024): one job per (dataset, design), every method and repeat."""
import pandas as pd

from omicsaug import classify
from omicsaug.io import feature_columns, read_samples
from omicsaug.preprocess import apply_to
from omicsaug.utils import derive_seed, log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
a, design = snakemake.params.auroc, snakemake.wildcards.design
full = read_samples(snakemake.input.full)
validation = None
if "validation" in snakemake.input.keys():
    validation = apply_to(read_samples(snakemake.input.validation), snakemake.params.spec,
                          feature_columns(full), file=snakemake.input.validation)
seed = derive_seed(snakemake.params.seed, "auroc", design)
parts = []
for path, method in zip(snakemake.input.augmented, snakemake.params.methods):
    s = classify.auroc_scores(read_tsv(path, dtype={"sample_id": str, "group": str}), design, method,
                              positive=str(a["positive"]), validation=validation, full=full, seed=seed,
                              grid=a["grid"], folds=a["folds"], n_jobs=snakemake.threads)
    log.info("%s %s: AUROC %.3f ± %.3f over %d repeats", design, method, s["auroc"].mean(),
             s["auroc"].std(), len(s))
    parts.append(s)
write_tsv(pd.concat(parts, ignore_index=True), snakemake.output[0])
