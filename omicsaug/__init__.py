"""omicsaug: generative augmentation for small-sample omics studies.

The package holds all logic of the Snakemake workflow; it is importable and
tested without Snakemake. Modules mirror the data flow:

``io`` (read and validate tables) -> ``preprocess`` (filter, log, impute) ->
``evaluation.reference`` (reference tests, classifiers, failure point) -> ``design``
(downsampled subsets) -> ``generators`` (augmentation methods; ``generators.wgan`` and
``generators.genesom`` are subpackages) / ``augment`` (amounts, negative controls, seed
loop) -> ``evaluation`` (recovery, calibration and power, classifiers and AUROC, error
control, class fidelity) -> ``plots`` / ``summary``. ``simulate`` and ``plasmode`` write the
embedded data; ``table`` is the long-table contract every stage shares; ``config`` holds the
schema validation (the schema's ``default:`` values are the config defaults).
"""

__version__ = "0.2.0"
