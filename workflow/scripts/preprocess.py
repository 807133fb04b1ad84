"""Filter, log-transform and impute one dataset; score the imputation."""
from omicsaug import plots, preprocess
from omicsaug.io import read_samples
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.spec
out = preprocess.run(read_samples(snakemake.input[0]), spec, snakemake.params.seed,
                     file=snakemake.params.source_file, log=log,
                     threads=snakemake.threads)
for key in ("transformed", "imputed", "features", "quality"):
    write_tsv(out[key], snakemake.output[key])
plots.imputation_quality(out["quality"], out["cells"], snakemake.output.figure, title=spec["name"])
