"""Merge the per-(design, method) fidelity tables of one dataset and summarise them."""
import pandas as pd

from omicsaug.synthetic_quality import summarise
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
table = pd.concat([read_tsv(p) for p in snakemake.input], ignore_index=True)
summary = summarise(table)
log.info("%d (design, method) cells, %d rows", len(summary), len(table))
write_tsv(table, snakemake.output.table)
write_tsv(summary, snakemake.output.summary)
