"""``smote`` and ``random_oversampling`` from imbalanced-learn behind the common interface."""

from __future__ import annotations

import logging

import numpy as np

from .base import Generator, _label, int_seed

log = logging.getLogger("omicsaug")


class _ImblearnGenerator(Generator):
    per_class = False  # imbalanced-learn conditions on the class itself

    def _fit_all(self, Z, y, rng):
        self.Z_, self.y_ = Z, y

    def _resample(self, sampler, n):
        target = {c: int((self.y_ == c).sum()) + k for c, k in n.items() if k > 0}
        if not target:
            return np.empty((0, self.n_features_in_)), np.empty(0, dtype=self.y_.dtype), np.empty(0, int)
        sampler.set_params(sampling_strategy=target)
        Zr, yr = sampler.fit_resample(self.Z_, self.y_)
        m = len(self.Z_)
        parents = (sampler.sample_indices_[m:] if hasattr(sampler, "sample_indices_")
                   else np.full(len(Zr) - m, -1))
        return Zr[m:], yr[m:], parents


class RandomOversamplingGenerator(_ImblearnGenerator):
    """Random oversampling: new rows are copies of randomly drawn rows of the same class.

    Parameters
    ----------
    shrinkage : float or None, default None
        imbalanced-learn's smoothed bootstrap; None gives exact copies (the papers' RO).
    random_state : int or None
    """

    scale = False

    def __init__(self, shrinkage=None, random_state=None):
        self.shrinkage = shrinkage
        self.random_state = random_state

    def _sample_all(self, n, rng):
        from imblearn.over_sampling import RandomOverSampler

        return self._resample(RandomOverSampler(shrinkage=self.shrinkage,
                                                random_state=int_seed(rng)), n)


class SMOTEGenerator(_ImblearnGenerator):
    """SMOTE (Chawla et al. 2002): interpolation between a row and one of its k nearest
    same-class neighbours, in z-scaled feature space.

    Parameters
    ----------
    k_neighbors : int, default 5
        Clipped to (smallest class that is oversampled) - 1, since a class of n rows has
        only n - 1 neighbours; the clip is logged.
    random_state : int or None

    A class with a single row has no neighbour to interpolate with: its rows are
    duplicated instead (random oversampling), with a warning in the log. Synthetic rows have
    two parents, so ``parents`` is -1.
    """

    def __init__(self, k_neighbors=5, random_state=None):
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _sample_all(self, n, rng):
        from imblearn.over_sampling import SMOTE

        counts = {c: int((self.y_ == c).sum()) for c in n}
        single = {c: k for c, k in n.items() if k > 0 and counts[c] < 2}
        multi = {c: k for c, k in n.items() if k > 0 and counts[c] >= 2}
        parts = []
        if multi:
            k = min(self.k_neighbors, min(counts[c] for c in multi) - 1)
            if k < self.k_neighbors:
                log.info("SMOTE: k_neighbors clipped from %d to %d (smallest class has %d rows)",
                         self.k_neighbors, k, k + 1)
            parts.append(self._resample(SMOTE(k_neighbors=k, random_state=int_seed(rng)), multi))
        for c, k in single.items():
            log.warning("SMOTE: class %r has 1 row, no neighbour to interpolate with; "
                        "its %d synthetic rows are copies (random oversampling)", _label(c), k)
            idx = np.flatnonzero(self.y_ == c)
            pick = idx[rng.integers(0, len(idx), size=k)]
            parts.append((self.Z_[pick], self.y_[pick], pick))
        if not parts:
            return np.empty((0, self.n_features_in_)), np.empty(0, dtype=self.y_.dtype), np.empty(0, int)
        return (np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]))
