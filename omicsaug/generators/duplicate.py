"""``duplicate``: exact copies of the original rows, the control for the calibrated tests."""

from __future__ import annotations

import numpy as np

from .base import Generator


class DuplicateGenerator(Generator):
    """Every original row copied in turn: ``k * n_c`` new rows of a class of ``n_c`` rows give
    each row exactly ``k`` copies (a remainder goes to a seeded random choice of distinct rows).

    Duplication adds no information, yet the naive test on original + copied rows inflates F
    by about ``(2N - k) / (N - k)`` at 1:1; it is the reference case of the calibration: its
    calibrated discoveries equal those of no augmentation (the statistic is a monotone
    function of the unaugmented one, in the real and in every null run alike). Unlike
    ``random_oversampling`` (random rows drawn with replacement), every row gets the same number
    of copies.
    """

    scale = False

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _fit_class(self, Z, rng):
        return Z

    def _sample_class(self, Z, n, rng):
        k, rem = divmod(n, len(Z))
        extra = np.sort(rng.choice(len(Z), size=rem, replace=False)) if rem else np.empty(0, int)
        parents = np.concatenate([np.tile(np.arange(len(Z)), k), extra]).astype(int)
        return Z[parents], parents
