"""Full-data reference: cross-validated balanced accuracy of RF, SVM and kNN."""
from omicsaug.evaluation import reference
from omicsaug.io import read_samples, split
from omicsaug.utils import derive_seed, log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
ref = snakemake.params.spec["reference"]
X, y, _ = split(read_samples(snakemake.input[0]))
scores = reference.cross_validated_accuracy(
    X, y, models=ref["classifiers"], folds=ref["cv_folds"], repeats=ref["cv_repeats"],
    seed=derive_seed(snakemake.params.seed, "classifiers"), n_jobs=snakemake.threads)
log.info("balanced accuracy:\n%s", scores.groupby("model")["balanced_accuracy"].describe())
write_tsv(scores, snakemake.output[0])
