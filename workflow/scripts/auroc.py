"""AUROC of tuned HistGradientBoosting trained on each method's table of one design
(Cusworth et al. 2024): one job per (dataset, design), every method and repeat; under the
paper protocol every repeat's iterations of new synthetic rows (omicsaug.evaluation.iterations)."""
import pandas as pd

from omicsaug.evaluation import classify, iterations
from omicsaug.io import feature_columns, read_samples
from omicsaug.preprocess import apply_to
from omicsaug.utils import derive_seed, log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
a, design = snakemake.params.auroc, snakemake.wildcards.design
full = read_samples(snakemake.input.full)
validation = None
if "validation" in snakemake.input.keys():
    validation = apply_to(read_samples(snakemake.input.validation), snakemake.params.spec,
                          feature_columns(full), file=snakemake.input.validation)
seed = derive_seed(snakemake.params.seed, "auroc", design)
tables = [read_tsv(p, dtype={"sample_id": str, "group": str}) for p in snakemake.input.augmented]
selected = None
fs = a["feature_selection"]
if fs["enabled"]:  # on each seed's original rows (the same for every method), before training
    orig = tables[0][~tables[0]["synthetic"].astype(bool)]
    feats = [c for c in feature_columns(full)]
    selected = {}
    for s_, rows in orig.groupby("seed"):
        selected[s_], _ = classify.stability_selection(
            rows[feats].to_numpy(float), rows["group"].to_numpy(), feats, repeats=fs["repeats"],
            test_size=fs["test_size"], cv=fs["cv"], top_fraction=fs["top_fraction"], seed=seed + int(s_))
        log.info("seed %s: stability selection kept %d of %d features", s_, len(selected[s_]), len(feats))
if a["protocol"] == "paper":  # fitted once (augment job), tuned once, iterations of new rows
    parts = [iterations.auroc_paper_job(
        tables, snakemake.input.fits, snakemake.params.specs, snakemake.params.methods, design,
        str(a["positive"]), hold_seed=a["hold_seed"], multipliers=a["expand_sweep"],
        n_jobs=snakemake.threads, log=log, validation=validation, full=full,
        base_seed=snakemake.params.seed, seed=seed, iterations=a["iterations"], grid=a["grid"],
        folds=a["folds"], tuning=a["tuning"])]
else:
    params = classify.design_tuning(tables, str(a["positive"]), a["tuning"], seed=seed, grid=a["grid"],
                                    folds=a["folds"], n_jobs=snakemake.threads, selected=selected)
    parts = []
    for table, method, spec in zip(tables, snakemake.params.methods, snakemake.params.specs):
        s = classify.auroc_scores(table, design, method,
                                  positive=str(a["positive"]), validation=validation, full=full,
                                  seed=seed, grid=a["grid"], folds=a["folds"], n_jobs=snakemake.threads,
                                  selected=selected, tuning=a["tuning"], params=params)
        log.info("%s %s: AUROC %.3f ± %.3f over %d repeats (inner-CV AUROC %.3f, %s tuning)",
                 design, method, s["auroc"].mean(), s["auroc"].std(), len(s), s["cv_auroc"].mean(),
                 a["tuning"])
        parts.append(s)
write_tsv(pd.concat(parts, ignore_index=True), snakemake.output[0])
