"""Error-inflation control (negative controls + Boruta) for one (dataset, design, method):
the largest augmentation level at which no permuted copy is inflated.

Runs on the design's first seed (the first_n design has only one). Writes the evidence
table, the decision (JSON) and the selection-frequency figure.
"""
import json

from omicsaug.design import SEED
from omicsaug.error_control import error_inflation_control
from omicsaug.io import GROUP, ID, read_samples
from omicsaug.plots_genesom import plot_selection_frequencies
from omicsaug.utils import derive_seed, log_to, write_text, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, ctl = snakemake.params.method, snakemake.params.control
design = snakemake.wildcards.design
subsets = read_samples(snakemake.input[0])
s = subsets[SEED].iloc[0]
sub = subsets[subsets[SEED] == s]
features = [c for c in sub.columns if c not in (SEED, ID, GROUP)]
boruta = ctl.get("boruta") or {}
log.info("error control %s %s seed %s: generator %s %s, levels %s, %d seeds", design,
         spec["name"], s, spec["generator"], spec["params"], ctl["levels"], ctl["n_seeds"])
decision, evidence = error_inflation_control(
    sub[features].to_numpy(float), sub[GROUP].to_numpy(str), features,
    levels=ctl["levels"], n_seeds=ctl["n_seeds"], train_fraction=ctl["train_fraction"],
    generator=spec["generator"], generator_params=spec["params"],
    alpha=boruta.get("alpha", 1e-4), max_iter=boruta.get("max_iter", 100),
    n_estimators=boruta.get("n_estimators", "auto"), max_features=boruta.get("max_features", "sqrt"),
    n_boot=ctl["n_boot"], tolerance=ctl["tolerance"], stop_early=ctl["stop_early"],
    n_jobs=snakemake.threads,
    random_state=derive_seed(snakemake.params.seed, "error_control", design, int(s), spec["name"]),
    log=log)
decision.update(dataset=snakemake.wildcards.dataset, design=design, method=spec["name"], seed=int(s))
log.info("chosen level %s: %s", decision["chosen_level"], decision["reason"])
write_tsv(evidence, snakemake.output.evidence)
write_text(json.dumps(decision, indent=2, default=float) + "\n", snakemake.output.decision)
plot_selection_frequencies(evidence, decision, path=snakemake.output.figure,
                           title=f"{snakemake.wildcards.dataset} / {design} / {spec['name']}: "
                                 f"chosen level {decision['chosen_level']}")
