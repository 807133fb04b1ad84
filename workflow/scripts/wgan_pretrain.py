"""Pre-train one WGAN method on the dataset's external table (once; augment re-trains per seed)."""
from omicsaug.augment import pretrain_generator
from omicsaug.io import feature_columns, read_samples
from omicsaug.preprocess import apply_to
from omicsaug.utils import log_to

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.method
features = feature_columns(read_samples(snakemake.input.features))
external = apply_to(read_samples(snakemake.input.external), snakemake.params.spec, features,
                    file=snakemake.input.external)[features]
log.info("method %s: pre-training on %d external rows x %d features, params %s", spec["name"],
         len(external), len(features), spec["params"])
gen = pretrain_generator(spec, features, external, snakemake.params.seed,
                         snakemake.params.negative_controls)
gen.save_pretrained(snakemake.output[0])
