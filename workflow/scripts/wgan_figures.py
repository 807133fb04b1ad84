"""WGAN loss curves (critic, generator, chosen epoch) and the trained model of the design's
first seed, from the augment stage's fit; the .pt file reloads with WGANGenerator.load."""
from omicsaug.generators.wgan.plots import loss_curves
from omicsaug.utils import load_fit, log_to

log = log_to(snakemake.log[0], threads=snakemake.threads)
spec, design = snakemake.params.method, snakemake.wildcards.design
fit = load_fit(snakemake.input[0])
gen, s = fit["generator"], fit["seed"]
loss_curves(gen.history_, snakemake.output.losses,
            title=f"{snakemake.wildcards.dataset} / {design} / {spec['name']} (seed {s})")
gen.save(snakemake.output.model)  # atomic
log.info("saved %s seed %d model to %s", spec["name"], s, snakemake.output.model)
