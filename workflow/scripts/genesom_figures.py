"""Per-fit genESOM figures for one (dataset, design, method): the map, the radius, the
training trace, and a JSON summary, from the augment stage's fit of the design's first seed."""
import json

from omicsaug.generators.genesom.plots import plot_bmu_changes, plot_radius, plot_umatrix
from omicsaug.utils import load_fit, log_to, write_text

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, design = snakemake.params.method, snakemake.wildcards.design
fit = load_fit(snakemake.input[0])
gen, y, s = fit["generator"], fit["y"], fit["seed"]
log.info("%s %s seed %s: %d rows x %d features, radius %.4f (%s), map trained in %.2f s",
         design, spec["name"], s, len(y), fit["n_features"], gen.radius_, gen.radius_fit_["method"],
         gen.train_time_)
title = f"{snakemake.wildcards.dataset} / {design} / {spec['name']} (seed {s})"
plot_umatrix(gen.umatrix_, gen.bmu_, y, path=snakemake.output.umatrix, title=f"U-matrix: {title}")
plot_radius(gen.neighbour_distances_, gen.radius_fit_, gen.radius_, path=snakemake.output.radius,
            title=f"Density radius: {title}")
plot_bmu_changes(gen.bmu_changes_, n_rows=len(y), path=snakemake.output.convergence,
                 title=f"ESOM convergence: {title}")
summary = {"dataset": snakemake.wildcards.dataset, "design": design, "method": spec["name"],
           "seed": s, "n_rows": len(y), "n_features": fit["n_features"],
           "radius": gen.radius_, "generation_radius": gen.generation_factor * gen.radius_,
           "radius_fit": gen.radius_fit_, "bmu_changes": gen.bmu_changes_.tolist(),
           "train_seconds": gen.train_time_, "params": spec["params"]}
write_text(json.dumps(summary, indent=2, default=float) + "\n", snakemake.output.summary)
