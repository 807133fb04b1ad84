"""Read and validate a dataset's raw table(s) into the standard sample table."""
from omicsaug import config as oc
from omicsaug.io import load_dataset, read_samples, shared_features
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
roles = {k[5:]: read_samples(paths.pop(k)) for k in list(paths) if k.startswith("role_")}
samples = load_dataset(spec, paths)
if roles:   # the external / validation series: keep the features all of them have
    samples, dropped = shared_features(samples, roles, file=paths["table"])
    log.info("features shared with the %s table(s): %d kept, %d left out %s", ", ".join(roles),
             samples.shape[1] - 2, len(dropped), dropped[:10])
log.info("%s: %d samples x %d features, groups %s", spec["name"], len(samples),
         samples.shape[1] - 2, samples["group"].value_counts().to_dict())
write_tsv(samples, snakemake.output[0])
