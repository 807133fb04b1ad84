"""WGAN loss curves (critic, generator, chosen epoch) and the saved trained model for the
design's first seed: the same fit as the augment stage's, reloadable with WGANGenerator.load."""
from omicsaug.augment import fit_generator
from omicsaug.design import SEED
from omicsaug.io import GROUP, ID, read_samples
from omicsaug.plots_wgan import loss_curves
from omicsaug.preprocess import apply_to
from omicsaug.utils import log_to

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, design = snakemake.params.method, snakemake.wildcards.design
subsets = read_samples(snakemake.input.subsets)
s = int(subsets[SEED].iloc[0])
sub = subsets[subsets[SEED] == s]
features = [c for c in sub.columns if c not in (SEED, ID, GROUP)]
if "external" in snakemake.input.keys():
    spec["params"]["external"] = apply_to(read_samples(snakemake.input.external), snakemake.params.spec,
                                          features, file=snakemake.input.external)[features]
gen, X, y, features = fit_generator(sub[features].to_numpy(float), sub[GROUP].to_numpy(str), features,
                                    spec, (snakemake.params.seed, design, s),
                                    snakemake.params.negative_controls)
loss_curves(gen.history_, snakemake.output.losses,
            title=f"{snakemake.wildcards.dataset} / {design} / {spec['name']} (seed {s})")
gen.save(snakemake.output.model)  # atomic
log.info("saved %s seed %d model to %s", spec["name"], s, snakemake.output.model)
