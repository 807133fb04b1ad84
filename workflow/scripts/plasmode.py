"""Write a plasmode dataset (real rows, random labels, spiked effects) and its truth."""
from omicsaug import config as oc
from omicsaug.io import load_dataset
from omicsaug.plasmode import make_plasmode
from omicsaug.utils import derive_seed, log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.spec
paths = dict(snakemake.input.items())
settings = spec["plasmode"]
if settings["base"] == "eae_lipidomics":
    for p in paths.values():
        oc.verify_eae_file(p)
real = load_dataset({**spec, "source": settings["base"]}, paths)
table, truth = make_plasmode(real, settings, transform=spec["transform"],
                             log_offset=spec["log_offset"],
                             seed=derive_seed(snakemake.params.seed, "plasmode", spec["name"]),
                             key=f"datasets.{spec['name']}.plasmode")
log.info("plasmode of %s (%d x %d): groups %s, %d spiked features", paths["table"], len(table),
         table.shape[1] - 2, table["group"].value_counts().to_dict(), int(truth["true_effect"].sum()))
write_tsv(table, snakemake.output.table)
write_tsv(truth, snakemake.output.truth)
