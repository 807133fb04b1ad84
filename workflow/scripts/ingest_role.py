"""Read a dataset's external or validation table (a source block) like a dataset."""
from omicsaug.io import load_dataset
from omicsaug.utils import log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = {"min_per_group": 1, **snakemake.params.spec}
if snakemake.wildcards.role == "external":  # unlabelled rows: no group checks
    spec["min_per_group"] = 0
table = load_dataset(spec, dict(snakemake.input.items()))
log.info("%s: %d samples x %d features, groups %s", spec["name"], len(table), table.shape[1] - 2,
         table["group"].value_counts().to_dict())
write_tsv(table, snakemake.output[0])
