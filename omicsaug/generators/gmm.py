"""``gmm``: a multivariate Gaussian mixture per class (scikit-learn)."""

from __future__ import annotations

import numpy as np

from .base import Generator, int_seed


class GMMGenerator(Generator):
    """Multivariate Gaussian mixture fitted to each class (z-scaled), components by BIC.

    Parameters
    ----------
    max_components : int, default 3
        Components tried: 1 .. min(max_components, class size - 1); the lowest BIC wins.
    covariance_type : {"full", "diag", "tied", "spherical"}, default "full"
        Keeps the between-feature correlations with "full".
    reg_covar : float, default 0.01
        Added to the covariance diagonal (z-units squared). With 6 rows in 62 dimensions
        the sample covariance is singular (rank 5); the ridge makes it positive definite so
        small classes can be fitted and sampled.
    random_state : int or None

    Reference: the multivariate GMM comparator of Loetsch et al. 2026 (EAE study).
    """

    min_class_size = 2
    width_fix = "or params: {covariance_type: diag} (no between-feature correlations)"

    @classmethod
    def max_features(cls, params):
        """A full (or tied) covariance holds features^2 numbers per component and its Cholesky
        factor costs features^3: at 2,000 columns a fit on 12 rows took 17 s and 0.55 GB, at
        12,625 it would need 1.3 GB per matrix and about four hours. Diagonal and spherical
        covariances have no limit."""
        kind = params.get("covariance_type", "full")
        return 2000 if kind in ("full", "tied") else None

    def __init__(self, max_components=3, covariance_type="full", reg_covar=1e-2, random_state=None):
        self.max_components = max_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.random_state = random_state

    def _fit_class(self, Z, rng):
        from sklearn.mixture import GaussianMixture  # lazy: a job's start-up stays short

        best, best_bic = None, np.inf
        n, d = Z.shape
        kmax = max(1, min(self.max_components, n - 1))
        for k in range(1, kmax + 1):
            seed = int_seed(rng)  # drawn even when k is skipped: the stream stays the same
            if best is not None and self._bic_lower_bound(k, n, d) >= best_bic:
                continue  # k components cannot win (exact shortcut, see _bic_lower_bound)
            gm = GaussianMixture(n_components=k, covariance_type=self.covariance_type,
                                 reg_covar=self.reg_covar, random_state=seed, n_init=1)
            gm.fit(Z)
            bic = gm.bic(Z)
            if bic < best_bic:
                best, best_bic = gm, bic
        return best

    def _bic_lower_bound(self, k, n, d):
        """A lower bound of the BIC any k-component fit can reach on n rows in d dimensions.

        Every component covariance is the sample covariance plus ``reg_covar`` on the diagonal,
        so no eigenvalue is below ``reg_covar`` and no component (hence no mixture) density
        exceeds ``(2 pi reg_covar)^(-d/2)``: -2 log L >= n d log(2 pi reg_covar). Adding the
        parameter penalty gives the bound; with few rows in many dimensions (6 rows, 124
        columns) it already exceeds the one-component BIC, so the fits with more components,
        which could not be chosen, are skipped without changing the result.
        """
        cov = {"full": k * d * (d + 1) / 2, "diag": k * d, "tied": d * (d + 1) / 2,
               "spherical": k}[self.covariance_type]
        n_parameters = cov + k * d + k - 1  # as scikit-learn's GaussianMixture counts them
        return n * d * np.log(2 * np.pi * self.reg_covar) + n_parameters * np.log(n)

    def _sample_class(self, gm, n, rng):
        gm.random_state = int_seed(rng)  # GaussianMixture.sample re-seeds from this each call
        Z, _ = gm.sample(n)
        return Z[rng.permutation(n)], None  # sklearn returns rows sorted by component
