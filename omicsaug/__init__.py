"""omicsaug: generative augmentation for small-sample omics studies.

The package holds all logic of the Snakemake workflow; it is importable and
tested without Snakemake. Modules mirror the data flow:

``io`` (read and validate tables) -> ``preprocess`` (filter, log, impute) ->
``stats`` (reference tests and classifiers) -> ``design`` (downsampled subsets)
-> ``generators`` (augmentation methods) / ``augment`` (amounts, negative
controls, seed loop) -> ``plots``. ``simulate`` writes the embedded data.
"""

__version__ = "0.2.0"
