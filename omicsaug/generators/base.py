"""The one interface every augmentation method implements.

A generator follows the scikit-learn / imbalanced-learn estimator conventions:
hyper-parameters stored as given in ``__init__`` (no work there), learning in
``fit(X, y) -> self``, fitted state in attributes ending in ``_``, and the action in one
verb, ``sample(n_per_class) -> (X_new, y_new)``. ``random_state`` seeds one
``numpy.random.Generator`` created in ``fit``; ``fit`` then ``sample`` with the same seed
gives identical rows.

Subclasses implement either the per-class pair ``_fit_class`` / ``_sample_class`` (each
class's synthetic rows come from that class only: the default) or, for inherently
conditional methods (CTGAN, SMOTE), ``_fit_all`` / ``_sample_all`` with
``per_class = False``. With ``scale = True`` the base class z-scales each feature (over all
rows) before fitting and maps the synthetic rows back to the original scale.
"""

from __future__ import annotations

import inspect

import numpy as np


class Generator:
    """Base class; see the module docstring."""

    #: z-scale features before fitting and map samples back afterwards
    scale: bool = True
    #: fit one model per class (False: the method conditions on the class itself)
    per_class: bool = True
    #: smallest class the method can fit
    min_class_size: int = 1
    #: ``fit(X, y, n_per_class)`` trains only the classes that will be sampled (costly models)
    fits_only_sampled: bool = False
    #: a fit can take over the classes an identical fit (same settings, same seed) of another
    #: method already trained, and train only the rest (``fit_many(..., shared=...)``; the
    #: workflow's ``methods.<name>.share_fit``): each class's model depends on its own class
    #: and the fit's seed only, so the result is the same as training every class itself
    shares_fits: bool = False
    # ---- what the workflow asks of a method (so that the rules and augment.py name none)
    #: the method runs on torch (a job caps torch's threads at the rule's)
    uses_torch: bool = False
    #: the parameters a separate pre-training reads (None: the method has none; methods that
    #: agree on them share one pre-trained network, see ``augment.pretrain_owner``)
    pretrain_params = None
    #: where its pre-trained network goes, under ``results/{dataset}/``, with ``{method}``
    pretrained_file = None
    #: per-fit diagnostics the workflow draws, under ``results/{dataset}/``, templates with
    #: ``{design}`` and ``{method}`` (made by the generator's own figures rule)
    diagnostics: tuple = ()

    @classmethod
    def pretrains_externally(cls, params: dict) -> bool:
        """Whether a method with these params pre-trains once on the dataset's external table
        (the workflow's pre-training rule) before every seed's fit."""
        return False

    @classmethod
    def minutes_per_fit(cls, params: dict) -> float:
        """A generous estimate of one fit + sample at the paper configs' sizes (the cluster
        runtime a job asks for grows with it); cheap methods: 0.05."""
        return 0.05

    @classmethod
    def max_features(cls, params: dict) -> int | None:
        """The widest table (columns the generator sees, negative controls included) the
        method supports with these params; None: no limit. A wider dataset stops the run at
        start-up (:func:`omicsaug.startup.check_inputs`) and a wider table at ``fit``."""
        return None

    #: what else, besides a narrower table, lifts the width limit (the start-up message says it)
    width_fix: str = ""

    @classmethod
    def fit_many(cls, generators, Xs, ys, n_per_class=None, shared=None):
        """Fit several tables; methods that can share work between fits (the WGAN's stacked
        networks) override this and :meth:`stack_budget`. ``shared``: per table a fitted
        generator whose classes to take over (methods with ``shares_fits`` only)."""
        if shared is not None and any(s is not None for s in shared):
            raise ValueError(f"{cls.__name__} cannot share fits (shares_fits is False)")
        n_per_class = n_per_class or [None] * len(generators)
        for g, X, y, n in zip(generators, Xs, ys, n_per_class):
            g.fit(X, y, n)
        return generators

    def stack_budget(self, n_features: int, n_classes: int) -> int:
        """How many fits :meth:`fit_many` should take at once (1: one at a time)."""
        return 1

    def __init__(self, random_state=None):
        self.random_state = random_state

    # ----------------------------------------------------------------- sklearn-ish API
    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep=False):
        return {k: getattr(self, k) for k in self._param_names()}

    def _store(self, args: dict):
        """Keep every constructor argument as an attribute of its name (scikit-learn's
        convention, which ``get_params`` reads back): ``self._store(locals())`` first thing
        in ``__init__``."""
        for k in self._param_names():
            setattr(self, k, args[k])

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._param_names():
                raise ValueError(f"{type(self).__name__} has no parameter {k!r}; "
                                 f"valid: {self._param_names()}")
            setattr(self, k, v)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --------------------------------------------------------------------- validation
    def _validate(self, X, y):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (samples x features), got shape {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values: impute before augmenting")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must be 1-D with one label per row of X ({len(X)}), got {y.shape}")
        limit = self.max_features(self.get_params())
        if limit is not None and X.shape[1] > limit:
            raise ValueError(f"{type(self).__name__} supports at most {limit} features with these "
                             f"parameters; this table has {X.shape[1]} (negative controls "
                             "included): keep fewer features (the dataset's "
                             f"filter.top_k_variance){', ' + self.width_fix if self.width_fix else ''}")
        classes, counts = np.unique(y, return_counts=True)
        small = [(c, n) for c, n in zip(classes.tolist(), counts.tolist())
                 if n < self.min_class_size]
        if small:
            raise ValueError(f"{type(self).__name__} needs at least {self.min_class_size} rows per "
                             f"class; too small: " + ", ".join(f"{c!r} (n={n})" for c, n in small))
        return X, y, classes, counts

    def _n_dict(self, n_per_class):
        if isinstance(n_per_class, (int, np.integer)):
            n_per_class = {c: int(n_per_class) for c in self.classes_}
        unknown = set(n_per_class) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(f"unknown classes {sorted(unknown)}; fitted classes: {self.classes_.tolist()}")
        out = {}
        for c in self.classes_:
            n = int(n_per_class.get(c, 0))
            if n < 0:
                raise ValueError(f"negative number of rows requested for class {_label(c)!r}")
            out[c] = n
        return out

    # --------------------------------------------------------------------------- fit
    def fit(self, X, y, n_per_class=None):
        """Learn the data distribution of each class. Returns self.

        ``n_per_class`` (optional, int or dict) announces the rows ``sample`` will be asked
        for. A method with ``fits_only_sampled = True`` (the GANs, whose per-class training
        dominates a run) then trains only the classes that get rows - e.g. the minority
        class when balancing - and ``sample`` refuses the others. Other methods ignore it.
        """
        Z, y = self._start_fit(X, y, n_per_class)
        if self.per_class:
            self.models_ = {c: self._fit_class(Z[self.class_index_[c]], self.rng_)
                            for c in self.fitted_classes_}
        else:
            self._fit_all(Z, y, self.rng_)
        return self

    def _start_fit(self, X, y, n_per_class=None):
        """What every fit does before learning: check ``X`` and ``y``, set the classes, the
        classes to train, the random stream ``rng_`` and the scaling; returns ``(Z, y)``
        (``Z`` the scaled rows). A method that fits several tables at once calls it per table."""
        X, y, classes, counts = self._validate(X, y)
        self.classes_, self.class_counts_ = classes, counts
        self.fitted_classes_ = classes
        if n_per_class is not None and self.fits_only_sampled:
            n = self._n_dict(n_per_class)
            self.fitted_classes_ = np.array([c for c in classes if n[c] > 0], dtype=classes.dtype)
        self.n_features_in_ = X.shape[1]
        self.rng_ = np.random.default_rng(self.random_state)
        if self.scale:
            self.mean_ = X.mean(axis=0)
            sd = X.std(axis=0)
            self.scale_ = np.where(sd > 0, sd, 1.0)
        else:
            self.mean_, self.scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
        Z = (X - self.mean_) / self.scale_
        self.class_index_ = {c: np.flatnonzero(y == c) for c in classes}
        return Z, y

    def reseed(self, seed):
        """Restart the sampling stream of a fitted generator at ``seed``: ``reseed(s)`` then
        ``sample(n)`` always gives the same rows (the paper protocol's iterations draw new
        rows from one fit, each with its own seed). Returns self."""
        self.rng_ = np.random.default_rng(seed)
        return self

    def sample(self, n_per_class, return_parents=False):
        """Draw synthetic rows.

        Parameters
        ----------
        n_per_class : int or dict
            Rows to generate per class (an int applies to every class).
        return_parents : bool
            Also return, per synthetic row, the index (into the fitted ``X``) of the original
            row it was generated from, or -1 where the method has no single parent.

        Returns
        -------
        X_new, y_new[, parents]
        """
        if not hasattr(self, "classes_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(X, y) first")
        n = self._n_dict(n_per_class)
        skipped = [_label(c) for c in self.classes_ if n[c] > 0
                   and c not in set(getattr(self, "fitted_classes_", self.classes_).tolist())]
        if skipped:
            raise ValueError(f"{type(self).__name__} was fitted without class(es) {skipped} "
                             "(fit was told they get no rows); fit again without n_per_class")
        if self.per_class:
            Zs, ys, ps = [], [], []
            for c in self.classes_:
                if n[c] == 0:
                    continue
                Zc, pc = self._sample_class(self.models_[c], n[c], self.rng_)
                Zs.append(np.asarray(Zc, dtype=float).reshape(n[c], self.n_features_in_))
                ys.append(np.repeat(c, n[c]))
                ps.append(self.class_index_[c][pc] if pc is not None else np.full(n[c], -1))
            if Zs:
                Z, y_new, parents = np.vstack(Zs), np.concatenate(ys), np.concatenate(ps)
            else:
                Z, y_new, parents = (np.empty((0, self.n_features_in_)),
                                     np.empty(0, dtype=self.classes_.dtype), np.empty(0, dtype=int))
        else:
            Z, y_new, parents = self._sample_all(n, self.rng_)
        X_new = np.asarray(Z, dtype=float) * self.scale_ + self.mean_
        parents = np.asarray(parents, dtype=int)
        return (X_new, y_new, parents) if return_parents else (X_new, y_new)

    # ------------------------------------------------------------------ to implement
    def _fit_class(self, Z, rng):
        raise NotImplementedError

    def _sample_class(self, model, n, rng):
        """Return (Z_new, parent positions within the class or None)."""
        raise NotImplementedError

    def _fit_all(self, Z, y, rng):
        raise NotImplementedError

    def _sample_all(self, n: dict, rng):
        """Return (Z_new, y_new, parents as indices into the fitted X or -1)."""
        raise NotImplementedError


def _label(c):
    """A class label as a plain Python scalar, for messages ('b', not np.str_('b'))."""
    return np.asarray(c).item()


def same_setting(a, b) -> bool:
    """Whether two values of a generator parameter are the same setting: a YAML list and a
    tuple of equal items, numbers of equal value (``20`` and ``20.0``), and tables or arrays
    (the same object or equal values) count as equal."""
    if a is b:
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_setting(x, y) for x, y in zip(a, b))
    num = (int, float, np.integer, np.floating)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    try:
        return bool(np.all(a == b)) if type(a) is type(b) else False
    except (TypeError, ValueError):
        return False


def int_seed(rng: np.random.Generator) -> int:
    """A fresh 31-bit seed from ``rng`` for libraries that take an int."""
    return int(rng.integers(0, 2**31 - 1))
