"""``gaussian_copula``: per-class empirical marginals joined by a Gaussian copula whose
correlation matrix is shrunk towards the identity (Ledoit-Wolf), so it is defined with
fewer rows than features.

Per class and feature, each value's normal score is ``Phi^-1((rank - 0.5) / n)``; the copula
correlation is ``(1 - delta) * S + delta * I`` with ``S`` the correlation of the normal
scores and ``delta`` the Ledoit-Wolf shrinkage (``shrinkage`` fixes it instead). A sample
draws ``z ~ N(0, R)`` without forming ``R`` (``z = sqrt(1 - delta) * Zs' g / sqrt(n - 1) +
sqrt(delta) * e``, ``Zs`` the standardised scores, ``g`` and ``e`` standard normal: O(n d)
per row, so it scales to wide tables) and maps each coordinate back through the feature's
empirical quantile function (linear between order statistics; the synthetic values stay
within the class's observed range). The baseline the synthetic-data field compares
against (SDV's GaussianCopula, here with shrinkage for small samples).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .base import Generator


class GaussianCopulaGenerator(Generator):
    """Gaussian copula with empirical marginals, per class.

    Parameters
    ----------
    shrinkage : float in [0, 1] or None, default None
        Weight of the identity in the copula correlation; None: Ledoit-Wolf's estimate.
    random_state : int or None
    """

    min_class_size = 2

    def __init__(self, shrinkage=None, random_state=None):
        self.shrinkage = shrinkage
        self.random_state = random_state

    def _fit_class(self, Z, rng):
        from sklearn.covariance import ledoit_wolf_shrinkage

        n, d = Z.shape
        ranks = stats.rankdata(Z, axis=0, method="average")
        scores = stats.norm.ppf((ranks - 0.5) / n)
        sd = scores.std(axis=0, ddof=1)
        sd = np.where(sd > 0, sd, 1.0)
        Zs = (scores - scores.mean(axis=0)) / sd           # constant features: all zero
        if self.shrinkage is None:
            delta = float(ledoit_wolf_shrinkage(Zs, assume_centered=True)) if n > 1 else 1.0
        else:
            delta = float(self.shrinkage)
            if not 0.0 <= delta <= 1.0:
                raise ValueError(f"shrinkage must be in [0, 1], got {self.shrinkage}")
        return {"sorted": np.sort(Z, axis=0), "Zs": Zs, "delta": delta}

    def _sample_class(self, model, n, rng):
        Zs, delta, srt = model["Zs"], model["delta"], model["sorted"]
        m, d = Zs.shape
        g = rng.standard_normal((n, m))
        e = rng.standard_normal((n, d))
        z = np.sqrt(1.0 - delta) * (g @ Zs) / np.sqrt(max(m - 1, 1)) + np.sqrt(delta) * e
        u = stats.norm.cdf(z)
        # empirical quantile function: position u * (m - 1) between the order statistics
        pos = u * (m - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, m - 1)
        w = pos - lo
        cols = np.arange(d)[None, :]
        return srt[lo, cols] * (1 - w) + srt[hi, cols] * w, None
