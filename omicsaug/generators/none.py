"""``none``: no augmentation, the baseline every method is compared with."""

import numpy as np

from .base import Generator


class NoAugmentation(Generator):
    """Generates nothing: ``sample`` always returns zero rows, whatever is asked."""

    scale = False

    def _fit_class(self, Z, rng):
        return None

    def sample(self, n_per_class, return_parents=False):
        if not hasattr(self, "classes_"):
            raise RuntimeError("NoAugmentation is not fitted: call fit(X, y) first")
        X = np.empty((0, self.n_features_in_))
        y = np.empty(0, dtype=self.classes_.dtype)
        p = np.empty(0, dtype=int)
        return (X, y, p) if return_parents else (X, y)
