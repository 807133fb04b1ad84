"""Per-feature scaling of the omics WGAN: Yeo-Johnson where a feature is skewed, robust
scaling otherwise, with an inverse that never leaves the data's range by much.

The paper's two ``ColumnTransformer`` (Cusworth, Gkoutos & Acharjee 2024): one scaler for
the external (pre-training) data, one for the real data.
"""

from __future__ import annotations

import warnings

import numpy as np


class SkewScaler:
    """Per-feature scaling picked by a skewness test (the paper's two ``ColumnTransformer``).

    Each feature is tested with ``scipy.stats.skewtest``; where ``p < alpha`` it gets a
    Yeo-Johnson power transform followed by standardisation (``PowerTransformer``), otherwise
    a ``RobustScaler`` (median / IQR). The paper's text names both a robust and a standard
    scaler for the unskewed features; the robust one is used here.

    ``inverse_transform`` first clips each Yeo-Johnson column to the range seen in ``fit``
    widened by ``clip_margin`` times that range on either side (and inside the domain where
    the inverse Yeo-Johnson map is finite), so a generated outlier never maps to +-inf/NaN.
    Then every output column (Yeo-Johnson and robust alike) is bounded to the raw range seen
    in ``fit`` widened by ``output_margin`` times that range on either side: a generator far
    outside its training data (a diverged GAN, an exponential inverse) cannot write values
    orders of magnitude beyond the real ones.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the skewness test.
    clip_margin : float, default 0.5
        Widening of the fitted range for the inverse of Yeo-Johnson columns.
    output_margin : float, default 0.5
        Widening of each feature's fitted raw range that bounds the inverse's output.
    """

    def __init__(self, alpha=0.05, clip_margin=0.5, output_margin=0.5):
        self.alpha = alpha
        self.clip_margin = clip_margin
        self.output_margin = output_margin

    def fit(self, X):
        from scipy.stats import skewtest
        from sklearn.preprocessing import PowerTransformer, RobustScaler

        X = np.asarray(X, dtype=float)
        n, d = X.shape
        if n >= 8:  # skewtest is undefined below 8 rows
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = np.asarray(skewtest(X, axis=0).pvalue, dtype=float)
        else:
            p = np.ones(d)
        const = np.ptp(X, axis=0) == 0
        span = np.ptp(X, axis=0)
        self.out_lo_ = X.min(axis=0) - self.output_margin * span
        self.out_hi_ = X.max(axis=0) + self.output_margin * span
        self.pvalues_ = p
        self.power_ = np.nan_to_num(p, nan=1.0) < self.alpha
        self.power_ &= ~const
        self.n_features_in_ = d
        self.power_idx_ = np.flatnonzero(self.power_)
        self.robust_idx_ = np.flatnonzero(~self.power_)
        self.robust_ = RobustScaler().fit(X[:, self.robust_idx_]) if len(self.robust_idx_) else None
        if len(self.power_idx_):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.yj_ = PowerTransformer(method="yeo-johnson", standardize=True).fit(
                    X[:, self.power_idx_])
                T = self.yj_.transform(X[:, self.power_idx_])
            lo, hi = T.min(axis=0), T.max(axis=0)
            m = self.clip_margin * (hi - lo)
            lo, hi = lo - m, hi + m
            # the inverse Yeo-Johnson map is finite only inside (lower, upper) in YJ space
            lam = self.yj_.lambdas_
            with np.errstate(divide="ignore"):
                up_yj = np.where(lam < 0, -1.0 / np.where(lam < 0, lam, -1.0), np.inf)
                lo_yj = np.where(lam > 2, -1.0 / np.where(lam > 2, lam - 2.0, 1.0), -np.inf)
            sc = self.yj_._scaler
            up = (up_yj - sc.mean_) / sc.scale_
            low = (lo_yj - sc.mean_) / sc.scale_
            # stay half-way between the data and a domain edge
            hi = np.where(np.isfinite(up), np.minimum(hi, T.max(axis=0) + 0.5 * (up - T.max(axis=0))), hi)
            lo = np.where(np.isfinite(low), np.maximum(lo, T.min(axis=0) + 0.5 * (low - T.min(axis=0))), lo)
            self.clip_lo_, self.clip_hi_ = lo, hi
        else:
            self.yj_ = None
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=float)
        out = np.empty_like(X)
        if self.robust_ is not None:
            out[:, self.robust_idx_] = self.robust_.transform(X[:, self.robust_idx_])
        if self.yj_ is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[:, self.power_idx_] = self.yj_.transform(X[:, self.power_idx_])
        return out

    def inverse_transform(self, Z):
        Z = np.asarray(Z, dtype=float)
        out = np.empty_like(Z)
        if self.robust_ is not None:
            out[:, self.robust_idx_] = self.robust_.inverse_transform(Z[:, self.robust_idx_])
        if self.yj_ is not None:
            T = np.clip(Z[:, self.power_idx_], self.clip_lo_, self.clip_hi_)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[:, self.power_idx_] = self.yj_.inverse_transform(T)
        if hasattr(self, "out_lo_"):      # scalers saved before the bound existed have none
            out = np.clip(out, self.out_lo_, self.out_hi_)
        return out
