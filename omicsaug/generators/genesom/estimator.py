"""``genesom``: generative ESOM (Ultsch & Loetsch 2024), re-implemented from its description.

Structure learning and generation are separate steps. ``fit`` trains an emergent
self-organising map on all rows (all classes together, z-scaled) and derives from it one
generation radius shared by every class; ``sample`` draws new rows around original rows of
the requested class inside that radius. See :mod:`.esom` for the map itself and
:mod:`.radius` for the radius.
"""

from __future__ import annotations

import numpy as np

from ..base import Generator, int_seed
from . import esom as _esom
from .radius import density_radius

#: length / r of a synthetic point: (share, low, high) of the three zones that approximate
#: a sigmoid neighbour probability (genESOM)
ZONES = ((0.80, 0.0, 0.72), (0.15, 0.72, 1.22), (0.05, 1.22, 2.0))


class GenESOMGenerator(Generator):
    """genESOM: synthetic rows drawn inside a map-derived radius around original rows.

    ``fit`` (on the z-scaled data of all classes together):

    1. trains an ESOM (:class:`~.esom.ESOM`; toroidal ``lines x columns`` grid,
       online training, radius 24 -> 1 and learning rate 0.5 -> 0.1 over ``epochs``);
    2. computes the U-matrix and the density radius (:func:`~.radius.density_radius`:
       Delaunay neighbours of the best-matching units on the toroid, a two-component
       Gaussian mixture of their data-space distances, ``0.8 x`` its Bayes decision
       boundary; fallback half the largest pairwise distance), used unless ``radius`` is
       given (then kept in ``radius_fit_["estimate"]``);
    3. computes the P-matrix (rows within the radius of each neuron) and, with
       ``centre=True``, rolls the toroid so the densest neuron sits in the middle (changes
       pictures only).

    ``sample`` draws, per class, new rows around that class's original rows with
    ``r = 0.4 * radius``: a direction uniform on the unit sphere (a normalised
    standard-normal vector) and a length ``u * r`` where ``u`` falls in three zones that
    approximate a sigmoid neighbour probability: 80 % uniform in [0, 0.72), 15 % in
    [0.72, 1.22) and 5 % in [1.22, 2.0). The zone counts are rounded shares of all the
    synthetic rows of one ``sample`` call (all classes together), and the zone labels are
    **shuffled** over those rows (the authors' R code assigns them in parent-row order, so
    there the far zones always fall on the last parents). Every synthetic row therefore
    lies within ``2 r`` of its parent in z-space.

    Parents (``mode="code"``, faithful to the authors' code): the class's rows in order,
    repeated cyclically, so ``k * n_c`` new rows give every row exactly ``k`` children;
    a remainder that is not a multiple of ``n_c`` goes to a seeded random choice of
    distinct rows. ``mode="density"`` (the generation "from the map's density" of the
    press text): a neuron is drawn with probability proportional to the class's P-matrix
    (number of that class's rows within the radius of its weight vector); the parent is a
    random row of the class whose BMU is that neuron, or else the class's row nearest to
    the neuron's weight vector (within the radius by construction). If no neuron has a
    class row within the radius, parents are drawn uniformly from the class.

    The data are z-scaled over all rows before fitting and synthetic rows are mapped back
    to the original scale (``scale = True``). In ``mode="code"`` with a fixed ``radius`` the
    map does not influence the synthetic rows at all; the map is trained from its own
    random stream, so the rows drawn are identical whatever ``epochs`` or grid size (use
    ``epochs=0`` to skip training).

    Parameters
    ----------
    lines, columns : int, default 50, 80
        ESOM grid size.
    epochs : int, default 20
        Training epochs (the authors also used 24 and 100); 0 skips training.
    radius : float or None, default None
        Generation radius in z-units; None estimates it from the map. The EAE study
        (z-scaled lipids) used 1.355932203.
    radius_factor : float, default 0.8
        Multiplier of the mixture's decision boundary in the radius estimate.
    generation_factor : float, default 0.4
        ``r = generation_factor * radius``.
    mode : {"code", "density"}, default "code"
        How parents are chosen (see above).
    radius_start, radius_end, lr_start, lr_end : float, default 24, 1, 0.5, 0.1
        ESOM cooling schedule.
    centre : bool, default True
        Roll the toroid so the densest neuron is central (cosmetic).
    random_state : int or None

    Attributes
    ----------
    weights_ : array (lines, columns, n_features)
        Trained map in z-units.
    bmu_ : int array (n, 2)
        Grid (row, column) of each fitted row's best-matching unit.
    umatrix_, pmatrix_ : arrays (lines, columns)
    radius_ : float
        Generation radius in z-units (before the 0.4 factor).
    radius_fit_ : dict
        How the radius was obtained: ``method`` ("gmm", "fixed" or "fallback: ..."),
        mixture ``weights``, ``means``, ``sds``, ``boundary``.
    neighbour_distances_ : array
        Data-space distances between map neighbours (the mixture's input).
    bmu_changes_ : int array (epochs,)
        Rows changing BMU per epoch (convergence trace).
    Z_, y_ : the fitted z-scaled rows and their labels.
    zones_ : int array
        Zone (0, 1, 2) of each row of the most recent ``sample`` call.

    References
    ----------
    Ultsch A, Loetsch J (2024). Brief Bioinform 26: bbae640.
    Loetsch J, Mayer B, de Bruin N, Ultsch A (2026). Pharmacol Res (EAE study: 1:1,
    radius 1.355932203, 20 epochs).
    """

    per_class = False  # the map is learnt on all rows; generation is then per class
    min_class_size = 1
    diagnostics = tuple(f"genesom/{{design}}/{{method}}_{f}" for f in
                        ("umatrix.png", "radius.png", "convergence.png", "fit.json"))

    @classmethod
    def minutes_per_fit(cls, params: dict) -> float:
        return 0.1

    def __init__(self, lines=50, columns=80, epochs=20, radius=None, radius_factor=0.8,
                 generation_factor=0.4, mode="code", radius_start=24.0, radius_end=1.0,
                 lr_start=0.5, lr_end=0.1, centre=True, random_state=None):
        self.lines = lines
        self.columns = columns
        self.epochs = epochs
        self.radius = radius
        self.radius_factor = radius_factor
        self.generation_factor = generation_factor
        self.mode = mode
        self.radius_start = radius_start
        self.radius_end = radius_end
        self.lr_start = lr_start
        self.lr_end = lr_end
        self.centre = centre
        self.random_state = random_state

    # ------------------------------------------------------------------------ fit
    def _check_params(self):
        if self.mode not in ("code", "density"):
            raise ValueError(f"mode must be 'code' or 'density', got {self.mode!r}")
        if self.radius is not None and not (np.isfinite(self.radius) and self.radius > 0):
            raise ValueError(f"radius must be a positive number or None, got {self.radius!r}")
        for k in ("radius_factor", "generation_factor"):
            v = getattr(self, k)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{k} must be positive, got {v!r}")

    def _fit_all(self, Z, y, rng):
        self._check_params()
        if len(Z) < 2:
            raise ValueError("genesom needs at least 2 rows to learn a map and a radius")
        # the map gets its own stream: one draw from rng whatever the grid or epochs, so
        # with a fixed radius the sampled rows do not depend on the training settings
        map_seed = int_seed(rng)
        som = _esom.ESOM(lines=self.lines, columns=self.columns, epochs=self.epochs,
                         radius_start=self.radius_start, radius_end=self.radius_end,
                         lr_start=self.lr_start, lr_end=self.lr_end, random_state=map_seed).fit(Z)
        L, C = int(self.lines), int(self.columns)
        W, bmu = som.weights_, som.bmu_positions_
        est, info, dist = density_radius(Z, bmu, L, C, factor=self.radius_factor)
        if self.radius is None:
            self.radius_ = float(est)
        else:
            self.radius_ = float(self.radius)
            info = {**info, "method": "fixed", "estimate": float(est), "radius": self.radius_}
        P = _esom.pmatrix(W, Z, self.radius_)
        U = _esom.umatrix(W)
        if self.centre:
            dy, dx = _esom.roll_to_centre(P, L, C)
            W = np.roll(W, (dy, dx), axis=(0, 1))
            U = np.roll(U, (dy, dx), axis=(0, 1))
            P = np.roll(P, (dy, dx), axis=(0, 1))
            bmu = np.column_stack([(bmu[:, 0] + dy) % L, (bmu[:, 1] + dx) % C])
        self.Z_, self.y_ = Z, np.asarray(y)
        self.weights_, self.bmu_, self.umatrix_, self.pmatrix_ = W, bmu, U, P
        self.radius_fit_, self.neighbour_distances_ = info, dist
        self.bmu_changes_ = som.bmu_changes_
        self.train_time_ = som.train_time_

    # --------------------------------------------------------------------- sample
    def _parents_code(self, idx, m, rng):
        k, rem = divmod(m, len(idx))
        extra = np.sort(rng.choice(idx, size=rem, replace=False)) if rem else idx[:0]
        return np.concatenate([np.tile(idx, k), extra])

    def _parents_density(self, idx, m, rng):
        L, C, d = self.weights_.shape
        W = self.weights_.reshape(-1, d)
        Zc = self.Z_[idx]
        d2 = _esom._sq_dists(W, Zc)                          # (neurons, n_c)
        p = (d2 <= self.radius_ ** 2).sum(1).astype(float)  # the class's P-matrix
        if p.sum() == 0:
            return rng.choice(idx, size=m, replace=True)
        neurons = rng.choice(len(W), size=m, p=p / p.sum())
        bmu_flat = self.bmu_[idx, 0] * C + self.bmu_[idx, 1]
        hit = bmu_flat[None, :] == neurons[:, None]          # (m, n_c)
        keys = np.where(hit, rng.random(hit.shape), -1.0)
        pick = np.where(hit.any(1), keys.argmax(1), d2[neurons].argmin(1))
        return idx[pick]

    def _sample_all(self, n, rng):
        d = self.n_features_in_
        parents = []
        for c in self.classes_:
            if n[c] > 0:
                idx = self.class_index_[c]
                pick = self._parents_code if self.mode == "code" else self._parents_density
                parents.append(pick(idx, n[c], rng))
        if not parents:
            return np.empty((0, d)), np.empty(0, dtype=self.classes_.dtype), np.empty(0, int)
        parents = np.concatenate(parents)
        m = len(parents)
        shares = np.array([z[0] for z in ZONES])
        counts = np.round(shares * m).astype(int)
        counts[0] = m - counts[1:].sum()
        zone = rng.permutation(np.repeat(np.arange(len(ZONES)), counts))
        lo = np.array([z[1] for z in ZONES])[zone]
        hi = np.array([z[2] for z in ZONES])[zone]
        u = rng.uniform(lo, hi)
        direction = rng.standard_normal((m, d))
        norm = np.linalg.norm(direction, axis=1, keepdims=True)
        direction /= np.where(norm > 0, norm, 1.0)
        r = self.generation_factor * self.radius_
        Z_new = self.Z_[parents] + direction * (u * r)[:, None]
        self.zones_ = zone  # of the last sample call, for checks and plots
        return Z_new, self.y_[parents], parents
