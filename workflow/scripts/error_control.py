"""Error-inflation control (negative controls + Boruta) for one (dataset, design, method):
per controlled subset, the largest augmentation level at which no permuted copy is inflated.

Runs on the first ``subsets`` seeds of the design (all when unset). Writes the evidence
table (one block per seed), the decision (JSON: per-seed levels, which an amount
``{mode: error_control}`` augments with) and the selection-frequency figure (first seed).
"""
import json

from omicsaug.evaluation.error_control import control_subsets
from omicsaug.evaluation.plots import plot_selection_frequencies
from omicsaug.io import read_samples
from omicsaug.utils import derive_seed, log_to, write_text, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, ctl = snakemake.params.method, snakemake.params.control
design = snakemake.wildcards.design
boruta = ctl["boruta"]
log.info("error control %s %s: generator %s %s, rule %s, levels %s, %d splits, subsets %s", design,
         spec["name"], spec["generator"], spec["params"], ctl["rule"], ctl["levels"], ctl["n_seeds"],
         ctl["subsets"] or "all")
decision, evidence = control_subsets(
    read_samples(snakemake.input[0]), n_subsets=ctl["subsets"],
    random_state=derive_seed(snakemake.params.seed, "error_control", design, spec["name"]), log=log,
    levels=ctl["levels"], n_seeds=ctl["n_seeds"], train_fraction=ctl["train_fraction"],
    generator=spec["generator"], generator_params=spec["params"],
    alpha=boruta["alpha"], max_iter=boruta["max_iter"],
    n_estimators=boruta["n_estimators"], max_features=boruta["max_features"],
    n_boot=ctl["n_boot"], tolerance=ctl["tolerance"], stop_early=ctl["stop_early"],
    rule=ctl["rule"], stop_alpha=ctl["stop_alpha"], n_jobs=snakemake.threads)
decision.update(dataset=snakemake.wildcards.dataset, design=design, method=spec["name"])
log.info("chosen level %s: %s", decision["chosen_level"], decision["reason"])
write_tsv(evidence, snakemake.output.evidence)
write_text(json.dumps(decision, indent=2, default=float) + "\n", snakemake.output.decision)
first = decision["first_seed"]
plot_selection_frequencies(evidence[evidence["seed"] == first], decision["seed_decisions"][first],
                           path=snakemake.output.figure,
                           title=f"{snakemake.wildcards.dataset} / {design} / {spec['name']} (seed "
                                 f"{first}, {ctl['rule']} rule): chosen level "
                                 f"{decision['seed_decisions'][first]['chosen_level']}")
