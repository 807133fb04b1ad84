"""Everything the workflow measures: on the full data and on the augmented tables.

- :mod:`.reference` - the full-data reference: per-feature ANOVA, multiple-testing
  corrections, cross-validated classifiers, the failure point.
- :mod:`.recovery` - significance recovery: which reference findings an augmented table
  recovers, misses or invents (naive and calibrated tests).
- :mod:`.calibration` - every method against its own permutation null (null runs,
  family-wise and FDR decisions).
- :mod:`.power` - what that is worth: power, the baseline's power curve, equivalent n,
  the null runs' Monte-Carlo error, the per-method calibration table; :mod:`.verdict` -
  the verdict against no augmentation (Holm, ``undecidable``); :mod:`.aa` - its A/A study.
- :mod:`.classify` - classifiers and AUROC trained on augmented tables, scored on
  held-out originals; :mod:`.iterations` - the WGAN paper's AUROC iterations.
- :mod:`.error_control` - permuted negative controls + Boruta: how much augmentation
  before false features get selected; :mod:`.plots` - its panels.
- :mod:`.class_fidelity` - do the synthetic rows keep their class.
"""
