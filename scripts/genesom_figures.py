"""Per-fit genESOM figures for one (dataset, design, method): the map, the radius, the
training trace, and a JSON summary. The fit is the augment stage's fit for the design's
first seed (same negative controls, same generator seed), so the pictures show that map."""
import json

from omicsaug.augment import fit_generator
from omicsaug.design import SEED
from omicsaug.io import GROUP, ID, read_samples
from omicsaug.plots_genesom import plot_bmu_changes, plot_radius, plot_umatrix
from omicsaug.utils import log_to, write_text

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, design = snakemake.params.method, snakemake.wildcards.design
subsets = read_samples(snakemake.input[0])
s = int(subsets[SEED].iloc[0])
sub = subsets[subsets[SEED] == s]
features = [c for c in sub.columns if c not in (SEED, ID, GROUP)]
gen, X, y, features = fit_generator(sub[features].to_numpy(float), sub[GROUP].to_numpy(str), features,
                                    spec, (snakemake.params.seed, design, s),
                                    snakemake.params.negative_controls)
log.info("%s %s seed %s: %d rows x %d features, radius %.4f (%s), map trained in %.2f s",
         design, spec["name"], s, *X.shape, gen.radius_, gen.radius_fit_["method"], gen.train_time_)
title = f"{snakemake.wildcards.dataset} / {design} / {spec['name']} (seed {s})"
plot_umatrix(gen.umatrix_, gen.bmu_, y, path=snakemake.output.umatrix, title=f"U-matrix: {title}")
plot_radius(gen.neighbour_distances_, gen.radius_fit_, gen.radius_, path=snakemake.output.radius,
            title=f"Density radius: {title}")
plot_bmu_changes(gen.bmu_changes_, n_rows=len(X), path=snakemake.output.convergence,
                 title=f"ESOM convergence: {title}")
summary = {"dataset": snakemake.wildcards.dataset, "design": design, "method": spec["name"],
           "seed": s, "n_rows": int(X.shape[0]), "n_features": int(X.shape[1]),
           "radius": gen.radius_, "generation_radius": gen.generation_factor * gen.radius_,
           "radius_fit": gen.radius_fit_, "bmu_changes": gen.bmu_changes_.tolist(),
           "train_seconds": gen.train_time_, "params": spec["params"]}
write_text(json.dumps(summary, indent=2, default=float) + "\n", snakemake.output.summary)
