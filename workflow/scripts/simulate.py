"""Write an embedded simulated dataset and its ground truth."""
from omicsaug import simulate
from omicsaug.utils import derive_seed, log_to, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.spec
seed = derive_seed(snakemake.params.seed, "simulate", spec["name"])
out = simulate.run(spec["source"], spec.get("simulate", {}), seed)
log.info("simulated %s: %s", spec["source"], {k: v.shape for k, v in out.items()})
write_tsv(out["table"], snakemake.output.table)
write_tsv(out["truth"], snakemake.output.truth)
for extra in ("validation", "external", "oracle"):
    if extra in snakemake.output.keys():
        write_tsv(out[extra], snakemake.output[extra])
