"""Realism check of a generated dataset against its reference (omicsaug.realism)."""
from omicsaug import realism
from omicsaug.io import read_samples
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec = snakemake.params.spec
inp = snakemake.input
truth = read_tsv(inp.truth)
blocks = truth["block"].astype(str).tolist() if "block" in truth else None
obs = realism.statistics(read_samples(inp.transformed), blocks, read_tsv(inp.univariate))
ref = spec["realism"]["reference"]
if "ref_transformed" in inp.keys():          # another dataset of this config is the reference
    rt = read_samples(inp.ref_transformed)
    ref_stats = realism.statistics(rt, realism.prefix_blocks(rt.columns[2:]),
                                   read_tsv(inp.ref_univariate))
    table = realism.compare(obs, ref_stats).assign(reference_source=ref)
else:
    table = realism.compare(obs, ref)
for r in table.itertuples():
    log.info("%s: %.3f (reference %.3f, %s)", r.statistic, r.value, r.reference,
             "within tolerance" if r.within_tolerance else "OUTSIDE tolerance")
write_tsv(table, snakemake.output[0])
