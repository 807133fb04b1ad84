"""Merge the per-design AUROC tables; add the best-of choices; compare methods (paired over
repeats and iterations, BH); draw the boxes and the per-cell AUC differences."""
import pandas as pd

from omicsaug import plots
from omicsaug.evaluation import classify
from omicsaug.utils import log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
auroc = pd.concat([read_tsv(p) for p in snakemake.input], ignore_index=True)
extra = classify.best_of(auroc, snakemake.params.best_of)  # the paper's alpha-pair choice, two ways
for (d, m), g in extra.groupby(["design", "method"]) if len(extra) else []:
    log.info("%s %s: %s", d, m, g["chosen"].iloc[0])
auroc = pd.concat([auroc, extra], ignore_index=True)
comparisons = classify.compare_methods(auroc)
log.info("%d AUROC values, %d comparisons, %d with p_bh < 0.05", len(auroc), len(comparisons),
         int((comparisons["p_bh"] < 0.05).sum()) if len(comparisons) else 0)
write_tsv(auroc, snakemake.output.table)
write_tsv(comparisons, snakemake.output.comparisons)
plots.auroc_boxes(auroc, snakemake.output.figure, title=snakemake.wildcards.dataset)
plots.auroc_cells(auroc, snakemake.output.cells, title=snakemake.wildcards.dataset)
