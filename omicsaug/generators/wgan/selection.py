"""Epoch and learning-rate selection on loss curves (Cusworth et al. 2024, "Training approach").

:func:`cut_index` (the -10 / 15 band), :func:`knee_epoch` (smooth fit + ``kneed``),
:func:`instability`, :func:`progress`, and the two learning-rate choices
:func:`choose_lr1`, :func:`choose_lr2`. Pure numpy/scipy on per-epoch curves.
"""

from __future__ import annotations

import warnings

import numpy as np


def cut_index(loss, band=(-10.0, 15.0)):
    """Length of the curve before its first value outside ``band`` (the paper: < -10 or > 15)."""
    loss = np.asarray(loss, float)
    out = np.flatnonzero((loss < band[0]) | (loss > band[1]) | ~np.isfinite(loss))
    return int(out[0]) if len(out) else len(loss)


def _decay(s, a, b, c):
    return a * np.exp(-b * s) + c


def fit_curve(epochs, loss):
    """Least-squares fit (``scipy.optimize.curve_fit``) of ``a * exp(-b * s) + c`` with ``s``
    the epoch rescaled to [0, 1]; returns the fitted values or None when the fit fails.

    The paper fits "an objective function" without naming it; a shifted exponential covers
    both a falling loss (a > 0) and a rising, saturating one (a < 0).
    """
    from scipy.optimize import curve_fit

    t = np.asarray(epochs, float)
    y = np.asarray(loss, float)
    if len(t) < 4 or np.ptp(t) == 0:
        return None
    s = (t - t[0]) / (t[-1] - t[0])
    n = max(1, len(y) // 10)
    a0 = float(y[:n].mean() - y[-n:].mean())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, _ = curve_fit(_decay, s, y, p0=(a0 if a0 != 0 else 1.0, 5.0, float(y[-n:].mean())),
                             bounds=([-np.inf, 1e-3, -np.inf], [np.inf, 1e3, np.inf]), maxfev=5000)
    except (RuntimeError, ValueError):
        return None
    fitted = _decay(s, *p)
    return fitted if np.all(np.isfinite(fitted)) and np.ptp(fitted) > 0 else None


def knee_epoch(loss, epochs=None, band=(-10.0, 15.0)):
    """The paper's epoch choice: cut the curve at the first value outside ``band``, fit a
    smooth curve (:func:`fit_curve`) and take its knee with ``kneed.KneeLocator``.

    Returns ``(knee, n_kept)``: the knee epoch (from ``epochs``, default 1..len) and the
    number of points kept by the cut. When no knee is found (flat or failed fit) the last
    kept epoch is returned; when nothing is kept, the first epoch.
    """
    from kneed import KneeLocator

    loss = np.asarray(loss, float)
    epochs = np.arange(1, len(loss) + 1) if epochs is None else np.asarray(epochs)
    n = cut_index(loss, band)
    if n == 0:
        return int(epochs[0]), 0
    fitted = fit_curve(epochs[:n], loss[:n])
    if fitted is None:
        return int(epochs[n - 1]), n
    falling = fitted[0] > fitted[-1]
    # a*exp(-b s) + c is convex when falling (a > 0) and concave when rising (a < 0)
    kl = KneeLocator(epochs[:n], fitted, curve="convex" if falling else "concave",
                     direction="decreasing" if falling else "increasing")
    if kl.knee is None:
        return int(epochs[n - 1]), n
    return int(kl.knee), n


def instability(loss, top=50):
    """Mean of the ``top`` largest jumps between successive apexes (local maxima) of the curve."""
    from scipy.signal import find_peaks

    loss = np.asarray(loss, float)
    peaks, _ = find_peaks(loss)
    if len(peaks) < 2:
        return 0.0
    jumps = np.abs(np.diff(loss[peaks]))
    return float(np.sort(jumps)[::-1][:top].mean())


def progress(loss, window=500):
    """Mean of the first ``window`` values minus the mean of the last ``window`` values
    (``window`` is cut to half the curve's length for short curves)."""
    loss = np.asarray(loss, float)
    if len(loss) < 2:
        return 0.0
    w = max(1, min(int(window), len(loss) // 2))
    return float(loss[:w].mean() - loss[-w:].mean())


def choose_lr1(curves, threshold=3.0, band=(-10.0, 15.0), tail=50):
    """Index of the learning rate "resulting in the smallest critic loss above ``threshold``".

    The critic loss of a run is the mean of the last ``tail`` epochs of its curve, cut at the
    first value outside ``band``. When no run ends above ``threshold``, the one ending closest
    to it (the largest) is taken - a choice of ours, the paper does not cover that case.
    """
    finals = []
    for c in curves:
        c = np.asarray(c, float)
        n = cut_index(c, band)
        finals.append(c[max(0, n - tail):n].mean() if n else np.inf)
    finals = np.asarray(finals)
    above = np.flatnonzero(finals > threshold)
    ok = np.isfinite(finals)
    if len(above):
        return int(above[np.argmin(finals[above])]), finals
    if ok.any():
        return int(np.flatnonzero(ok)[np.argmax(finals[ok])]), finals
    return 0, finals


def choose_lr2(curves, band=(-10.0, 15.0), top=50, window=500, weight=3.0):
    """Index of the learning rate with the smallest ``weight * instability - progress`` on its
    cut curve. Runs whose curve left ``band`` count only when every run did (our choice)."""
    scores, cut = [], []
    for c in curves:
        c = np.asarray(c, float)
        n = cut_index(c, band)
        cut.append(n < len(c))
        scores.append(weight * instability(c[:n], top) - progress(c[:n], window) if n >= 2 else np.inf)
    scores, cut = np.asarray(scores), np.asarray(cut)
    pool = np.flatnonzero(~cut) if (~cut).any() else np.arange(len(curves))
    return int(pool[np.argmin(scores[pool])]), scores
