"""Merge the per-(design, method) class-fidelity tables of one dataset."""
import pandas as pd

from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
table = pd.concat([read_tsv(p) for p in snakemake.input], ignore_index=True)
flagged = table[table["flagged"].astype(bool)]
log.info("%d seeds, %d flagged: %s", len(table), len(flagged),
         sorted(set(zip(flagged["design"], flagged["method"]))))
write_tsv(table, snakemake.output[0])
