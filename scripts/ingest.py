"""Read and validate a dataset's raw table(s) into the standard sample table."""
from omicsaug import config as oc
from omicsaug.io import load_dataset
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.spec
paths = dict(snakemake.input.items())
if spec["source"] == "eae_lipidomics":
    for p in paths.values():
        oc.verify_eae_file(p)
if spec["source"] in oc.GENERATED:      # a table this workflow wrote (simulator or plasmode)
    spec = {**spec, "table": paths["table"], "metadata": None, "id_column": "sample_id",
            "group_column": "group", "group_labels": None, "drop_columns": (), "exclude_groups": ()}
samples = load_dataset(spec, paths)
log.info("%s: %d samples x %d features, groups %s", spec["name"], len(samples),
         samples.shape[1] - 2, samples["group"].value_counts().to_dict())
write_tsv(samples, snakemake.output[0])
