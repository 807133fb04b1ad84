"""RF / SVM / kNN trained on every augmented table, scored on held-out original samples."""
import pandas as pd

from omicsaug import plots
from omicsaug.evaluation import classify
from omicsaug.io import read_samples
from omicsaug.utils import derive_seed, log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
full = read_samples(snakemake.input.full)
seed = derive_seed(snakemake.params.seed, "classifier_report")
parts = []
for path, (design, method) in zip(snakemake.input.augmented, snakemake.params.cells):
    s = classify.classifier_scores(read_tsv(path, dtype={"sample_id": str, "group": str}), full, design,
                                   method, models=snakemake.params.models, seed=seed)
    log.info("%s %s: %s", design, method, s.groupby("model")["balanced_accuracy"].mean().round(3).to_dict())
    parts.append(s)
scores = pd.concat(parts, ignore_index=True)
write_tsv(scores, snakemake.output.table)
plots.classifier_accuracy(scores, read_tsv(snakemake.input.reference), snakemake.output.figure,
                          title=snakemake.wildcards.dataset)
