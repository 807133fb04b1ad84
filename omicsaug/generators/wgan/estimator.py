"""``wgan`` / ``wgan_classic``: the omics WGAN of Cusworth, Gkoutos & Acharjee (2024).

Cusworth S, Gkoutos GV, Acharjee A. "A novel generative adversarial networks modelling for
the class imbalance problem in high dimensional omics data." BMC Med Inform Decis Mak
2024;24:90. No code of the authors is public; this is a re-implementation from the Methods
section. Where the paper is silent, the WGAN-GP defaults of Gulrajani et al. (2017,
"Improved training of Wasserstein GANs") are used: gradient-penalty weight 10, Adam with
learning rate 1e-4 and betas (0.5, 0.9).

Protocol of ``wgan`` (paper section "Training approach"):

1. Scale features (:class:`~.scaling.SkewScaler`): Yeo-Johnson where
   ``scipy.stats.skewtest`` gives p < 0.05, robust scaling otherwise; one scaler for the
   external data (fitted on up to 200 random external rows), one for the real data.
2. Pre-train one WGAN-GP on the unlabelled external data (alpha = 0, batch 30), growing the
   networks one hidden layer at a time (:func:`~.protocol.pretrain`).
3. Copy the pre-trained generator and critic into one GAN per class and re-train each on
   its class of the real data (batch 10 for under-represented classes, 20 for the
   over-represented one; alpha per class): first with the best of ``lr1_grid``, then with
   the best of ``lr2_grid``, then keep the generator snapshot at the knee of the critic-loss
   curve (:func:`~.protocol.retrain`).
4. Sample from each class's generator and map back to the original scale.

This module is the estimator (parameters, data, fitted state, sampling); the parts of the
subpackage: :mod:`.classic` (``wgan_classic``), :mod:`.persistence` (saving and loading),
:mod:`.protocol` (pre- and re-training), :mod:`.training` and :mod:`.gradients` (the WGAN-GP
loop), :mod:`.networks`, :mod:`.selection` (curve and knee choices), :mod:`.scaling`,
:mod:`.plots`.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from ..base import Generator, int_seed, same_setting
from . import persistence, protocol
from .external import external_matrix
from .networks import StackedMLP, critic_sizes, generator_sizes
from .scaling import SkewScaler

log = logging.getLogger("omicsaug")

PRETRAIN_MODES = ("external", "pooled", "none")


class WGANGenerator(Generator):
    """Omics WGAN-GP with pre-training, progressive growing and a spread term (Cusworth et al. 2024).

    Networks: generator ``noise -> 50 -> 100 -> 200 -> features``, critic the reverse with a
    linear output (no sigmoid); SELU, kaiming-normal initialisation, alpha-dropout, no batch
    normalisation. Critic loss ``mean(C(fake)) - mean(C(real)) + gp_weight * GP`` (the
    paper's "weight penalty" is the gradient penalty of Gulrajani et al. 2017, which it
    cites); generator loss ``-mean(C(fake)) - alpha * log ||fake batch||_2``.

    Parameters
    ----------
    alpha : float, dict or (float, float), default (1.0, 0.0)
        Weight of the log L2 norm of the generated batch in the generator loss. A pair is
        (under-represented classes, the largest class); the paper used 0/0, 1/0 and 1/1.
        Always 0 during pre-training.
    pretrain : {"external", "pooled", "none"}, default "external"
        Data for pre-training: the ``external`` table (the paper), the real training rows of
        all classes pooled without labels, or no pre-training (random initialisation).
    external : str, path, DataFrame or array, optional
        The unlabelled external table for ``pretrain="external"`` (TSV path or table with
        the same features; ``sample_id``/``group`` columns are ignored). Columns are matched
        by name when ``fit`` gets a DataFrame, otherwise by position. Missing
        ``<feature>__perm`` negative-control columns are made by shuffling ``<feature>``.
    pretrained : str, path or dict, optional
        Pre-trained weights written by :meth:`save_pretrained` (skips pre-training; the
        paper pre-trains once per data set and re-trains per experiment).
    grow : bool, default True
        Progressive growing during pre-training (one hidden layer per phase).
    pretrain_epochs : int or sequence, default (500, 500, 1000)
        Epochs per growing phase (one number: every phase). The paper used 15,500 epochs in
        all (split not reported).
    batch_size_pretrain : int, default 30
    lr_pretrain : float, default 1e-4
        Gulrajani et al.'s Adam learning rate (the paper does not give one for pre-training).
    n_external_scaler : int, default 200
        External rows used to fit the external scaler (the paper: 200 random rows).
    batch_size : int, dict or (int, int), default (10, 20)
        Re-training batch (under-represented, over-represented); cut to the class size.
    tune_lr : bool, default True
        The paper's two-stage learning-rate search; if False, re-train with ``lr`` for
        ``epochs`` epochs.
    lr1_grid, lr2_grid : sequences, default (5e-4, 1e-4, 1e-3) and (1e-5, 5e-5, 1e-4)
    lr1_epochs, lr2_epochs : int, default 1000 and 1000
        The paper: up to 5,000 each.
    lr1_threshold : float, default 3.0
        lr_1 = the rate "resulting in the smallest critic loss above 3"
        (:func:`~.selection.choose_lr1`).
    lr, epochs : float, int, default 1e-4 and 2000
        Used when ``tune_lr=False``.
    knee : bool, default True
        Keep the snapshot at the knee of the (cut) critic-loss curve of the final stage
        (:func:`~.selection.knee_epoch`); if False keep the final state.
    snapshot_every : int, default 20
    band : (float, float), default (-10.0, 15.0)
        A critic-loss curve is cut at its first epoch outside this band; a model is frozen
        from then on.
    hidden : sequence of int, default (50, 100, 200)
        Generator hidden layers (critic: reversed).
    latent_dim : int or None, default None
        Noise dimension; None = number of features ("input/output layers matching the input
        data size").
    dropout : float, default 0.7
        Alpha-dropout probability after every hidden layer of the critic (the paper's value
        once the third layer was added, kept in re-training).
    generator_dropout : float or None, default None
        The same for the generator; None = ``dropout``. The paper puts dropout "on the GAN
        layers" without saying which network; both by default. Generator dropout is part of
        the generator's noise and stays on when sampling. On the simulated 150-feature
        microarray data (2 seeds, short budgets) the paper's 0.7 cost fidelity: energy
        distance of synthetic to held-out rows per class 0.8-1.9 with 0.7 in both networks,
        1.6-4.7 with 0.7 in the critic only, 0.4-0.8 without dropout (real training rows:
        0.45-0.65). Set ``dropout: 0`` for a dropout-free variant.
    n_critic : int, default 2
        Critic updates per generator update (2:1 in the paper).
    gp_weight : float, default 10.0
    betas : (float, float), default (0.5, 0.9)
        Adam betas (Gulrajani et al. 2017; the paper is silent).
    device : {"auto", "cpu", "cuda"}, default "auto"
        "auto": CUDA when ``torch.cuda.is_available()``.
    random_state : int or None
        Seeds every random step (torch generator on the chosen device). On the CPU two fits
        with the same seed give identical samples.

    Attributes
    ----------
    history_ : dict
        Loss curves per epoch: ``history_["pretrain"]`` (critic, generator, phase ends) and
        ``history_["retrain"][class]["stages"]`` (per stage: learning rates, critic and
        generator losses epochs x candidates, chosen candidate, scores), plus the chosen
        ``snapshot_epoch``, ``knee_epoch`` and ``cut_epoch`` per class. Plot with
        :func:`omicsaug.generators.wgan.plots.loss_curves`.
    generators_ : dict
        Per class, the flat generator parameters (CPU tensor) used for sampling.
    scaler_ : SkewScaler
        Scaler of the real data (outputs are mapped back with it).
    timings_ : dict
        Seconds spent pre-training and re-training.
    """

    scale = False       # own per-feature scaling (SkewScaler)
    per_class = False   # classes are re-trained together in one stacked model
    fits_only_sampled = True  # re-train only the classes that will be sampled
    shares_fits = True        # per-class GANs with their own streams: see fit_many(shared=)
    fits_per_stack = 24       # models (fit x class x lr candidate) per stack in fit_many
    uses_torch = True
    min_class_size = 2
    diagnostics = ("wgan/{design}/{method}_losses.png",)
    pretrained_file = "wgan_pretrained/{method}.pt"
    #: minutes per seed and 1,000 re-training epochs (27 s per seed for 600 epochs measured:
    #: ExpandGAN, both classes, 300 rows; x2 margin), for the cluster runtime request
    minutes_per_1000_epochs = 1.5
    #: what pre-training reads (alpha is 0 there): methods that agree on these share one
    #: pre-trained network, so e.g. the paper's alpha pairs differ in re-training only
    pretrain_params = ("pretrain", "grow", "pretrain_epochs", "batch_size_pretrain",
                       "lr_pretrain", "n_external_scaler", "hidden", "latent_dim", "dropout",
                       "generator_dropout", "n_critic", "gp_weight", "betas", "device")

    @classmethod
    def pretrains_externally(cls, params: dict) -> bool:
        return params.get("pretrain", "external") == "external" and not params.get("pretrained")

    @classmethod
    def minutes_per_fit(cls, params: dict) -> float:
        epochs = (params.get("lr1_epochs", 1000) + params.get("lr2_epochs", 1000)
                  if params.get("tune_lr", True) else params.get("epochs", 2000))
        return cls.minutes_per_1000_epochs * epochs / 1000

    def __init__(self, alpha=(1.0, 0.0), pretrain="external", external=None, pretrained=None,
                 grow=True, pretrain_epochs=(500, 500, 1000), batch_size_pretrain=30,
                 lr_pretrain=1e-4, n_external_scaler=200, batch_size=(10, 20), tune_lr=True,
                 lr1_grid=(5e-4, 1e-4, 1e-3), lr2_grid=(1e-5, 5e-5, 1e-4), lr1_epochs=1000,
                 lr2_epochs=1000, lr1_threshold=3.0, lr=1e-4, epochs=2000, knee=True,
                 snapshot_every=20, band=(-10.0, 15.0), hidden=(50, 100, 200), latent_dim=None,
                 dropout=0.7, generator_dropout=None, n_critic=2, gp_weight=10.0,
                 betas=(0.5, 0.9), device="auto", random_state=None):
        self._store(locals())

    # ------------------------------------------------------------------ settings
    def _protocol(self):
        """The settings that differ between ``wgan`` and ``wgan_classic``."""
        return {"alpha": self.alpha, "pretrain": self.pretrain, "grow": self.grow,
                "pretrained": self.pretrained}

    def _check_params(self):
        p = self._protocol()
        if p["pretrain"] not in PRETRAIN_MODES:
            raise ValueError(f"pretrain must be one of {PRETRAIN_MODES}, got {p['pretrain']!r}")
        if p["pretrain"] == "external" and getattr(self, "external", None) is None \
                and p["pretrained"] is None:
            raise ValueError("pretrain='external' needs the external table (param 'external': a TSV "
                             "path or table with the same features) or 'pretrained' weights; "
                             "use pretrain='pooled' or 'none' when there is no external data")
        for name in ("dropout", "generator_dropout"):
            v = getattr(self, name)
            if v is None and name == "generator_dropout":
                continue
            if not 0 <= v < 1:
                raise ValueError(f"{name} must be in [0, 1), got {v}")
        if int(self.n_critic) < 1:
            raise ValueError(f"n_critic must be >= 1, got {self.n_critic}")
        lo, hi = self.band
        if not lo < hi:
            raise ValueError(f"band must be (low, high) with low < high, got {self.band}")
        if self.knee and int(self.snapshot_every) < 1:
            raise ValueError("knee=True needs snapshot_every >= 1")
        for name in ("lr1_epochs", "lr2_epochs", "epochs"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1")
        if not len(self.hidden) or min(self.hidden) < 1:
            raise ValueError(f"hidden must be positive layer sizes, got {self.hidden}")

    def _gdrop(self):
        return float(self.dropout if self.generator_dropout is None else self.generator_dropout)

    def _device(self):
        import torch

        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise ValueError("device='cuda' but torch.cuda.is_available() is False")
        return torch.device(self.device)

    # ----------------------------------------------------------------------- fit
    def fit(self, X, y, n_per_class=None):
        """Fit on ``X`` (array or DataFrame; a DataFrame's column names are used to match
        the external table) and class labels ``y``. Returns self.

        With ``n_per_class`` only the classes that will get rows are re-trained (one GAN per
        class: when balancing, the minority classes only); the others cannot be sampled."""
        type(self).fit_many([self], [X], [y], [n_per_class])
        return self

    @classmethod
    def fit_many(cls, generators, Xs, ys, n_per_class=None, shared=None):
        """Fit several generators of identical settings (one per table, e.g. per seed) with
        all their re-training in shared stacks: every (table, class, learning-rate
        candidate) is one model of a stack (:func:`~.training.train_stack`).

        With the small networks and batches of this method a step's cost is mostly fixed
        overhead up to about a dozen models, so stacking more of them makes each cheaper.
        Every model draws from its own random stream (its fit's seed, class, stage,
        candidate), so each fit gives the same result as ``fit`` alone: stack size is a
        speed knob, not a setting.
        ``n_per_class``: one entry per table (or None), as in :meth:`fit`.
        ``shared``: one entry per table (or None): a fitted generator of the same settings,
        seed and table (e.g. the balancing GAN of the same alpha pair, whose minority class
        an ExpandGAN of the paper samples as well); the classes it trained are taken over
        (generator parameters and loss history), the others are trained here. A class's
        training depends on its rows and the fit's seed only, so the result is bit for bit
        the one of training every class here. Returns the list.
        """
        generators = list(generators)
        n_per_class = [None] * len(generators) if n_per_class is None else list(n_per_class)
        shared = [None] * len(generators) if shared is None else list(shared)
        if not (len(generators) == len(Xs) == len(ys) == len(n_per_class) == len(shared)) \
                or not generators:
            raise ValueError("fit_many needs one generator, X, y (and n_per_class, shared) per table")
        ref = generators[0].get_params()
        for g in generators:
            if type(g) is not type(generators[0]) or not all(
                    same_setting(v, ref[k]) for k, v in g.get_params().items() if k != "random_state"):
                raise ValueError("fit_many needs generators of one class with identical settings "
                                 "(only random_state may differ)")
        plans = [g._plan(X, y, n, src) for g, X, y, n, src in zip(generators, Xs, ys, n_per_class, shared)]
        results = protocol.retrain(protocol.Settings.of(generators[0]), plans)
        del plans
        for g, r, src in zip(generators, results, shared):
            g._retrained(r, len(generators), src)
        for m in generators:
            if m.history_["retrain"]:
                log.info("wgan: pre-training %.1f s, re-training %.1f s (a stack of %d fit(s)%s); "
                         "per class %s", m.timings_["pretrain"], m.timings_["retrain_stack"],
                         len(generators),
                         f"; taken over from the shared fit: {[str(c) for c in m.shared_classes_]}"
                         if len(m.shared_classes_) else "",
                         {str(c): {k: v for k, v in h.items() if k in ("lr1", "lr2", "lr", "snapshot_epoch")}
                          for c, h in m.history_["retrain"].items()})
        return generators

    def _shared_classes(self, src):
        """The classes of ``src`` (a fitted generator of the same settings, seed and table)
        this fit takes over; a ValueError where ``src`` is not such a fit."""
        if src is None:
            return np.array([], dtype=self.classes_.dtype)
        if type(src) is not type(self) or not hasattr(src, "generators_"):
            raise ValueError(f"a shared fit must be a fitted {type(self).__name__}")
        mine, theirs = self.get_params(), src.get_params()
        differ = [k for k in mine if not same_setting(mine[k], theirs.get(k))]
        if getattr(src, "device_", None) != self.device_:   # CPU and GPU round differently
            differ.append(f"device ({getattr(src, 'device_', None)} vs {self.device_})")
        same_table = (np.array_equal(src.classes_, self.classes_)
                      and np.array_equal(src.class_counts_, self.class_counts_)
                      and src.n_features_in_ == self.n_features_in_
                      and np.array_equal(src.scaler_.out_lo_, self.scaler_.out_lo_)
                      and np.array_equal(src.scaler_.out_hi_, self.scaler_.out_hi_))
        if differ or not same_table:
            raise ValueError("a shared fit must come from the same settings, seed and table; "
                             + (f"these differ: {differ}" if differ else "the tables differ"))
        return np.array([c for c in self.fitted_classes_ if c in src.generators_],
                        dtype=self.classes_.dtype)

    def stack_budget(self, n_features, n_classes):
        """How many fits of ``n_classes`` re-trained classes :meth:`fit_many` should stack:
        up to ``fits_per_stack`` models (fit x class x candidate), and at most 512 MB of
        generator snapshots (kept for the knee-epoch choice)."""
        L = max(len(self.lr1_grid), len(self.lr2_grid)) if self.tune_lr else 1
        models = max(1, int(n_classes)) * L
        hidden = tuple(int(h) for h in self.hidden)
        d = int(n_features)
        p_g = StackedMLP(generator_sizes(int(self.latent_dim or d), hidden, d)).n_params
        last = int(self.lr2_epochs if self.tune_lr else self.epochs)
        n_snap = last // int(self.snapshot_every) if self.knee else 0
        by_mem = (512 * 2**20) // max(1, n_snap * models * p_g * 4)
        return int(max(1, min(self.fits_per_stack // models, by_mem)))

    def fit_pretraining(self, features):
        """Only pre-train, on the ``external`` table, for training data with columns
        ``features`` (``<feature>__perm`` negative controls are built from the external
        table). The paper pre-trains once per data set and re-trains per experiment: save the
        result with :meth:`save_pretrained` and pass that file as ``pretrained`` to the
        per-experiment fits. Returns self (``pretrained_`` and ``history_["pretrain"]`` set).
        """
        import torch

        self._check_params()
        proto = self._protocol()
        if proto["pretrain"] != "external" or self.external is None:
            raise ValueError("fit_pretraining needs pretrain='external' and an external table")
        rng = np.random.default_rng(self.random_state)
        dev = self._device()
        self.device_ = str(dev)
        tgen = torch.Generator(device=dev)
        tgen.manual_seed(int_seed(rng))
        self.feature_names_in_ = np.asarray(list(features), dtype=object)
        d = len(self.feature_names_in_)
        self.latent_dim_ = int(self.latent_dim or d)
        hidden = tuple(int(h) for h in self.hidden)
        self.history_ = {"pretrain": None, "retrain": {}}
        t0 = time.perf_counter()
        Xe = self._external_matrix(np.empty((0, d)), rng)
        tg0, tc0 = self._pretrain(Xe, hidden, d, proto["grow"], tgen, dev, torch.float32, rng)
        self.pretrained_ = {"theta_g": tg0.cpu(), "theta_c": tc0.cpu(),
                            "sizes_g": generator_sizes(self.latent_dim_, hidden, d),
                            "sizes_c": critic_sizes(d, hidden),
                            "history": self.history_["pretrain"]}
        self.timings_ = {"pretrain": time.perf_counter() - t0}
        log.info("wgan: pre-training on %d external rows x %d features: %.1f s", len(Xe), d,
                 self.timings_["pretrain"])
        return self

    def _plan(self, X, y, n_per_class, shared=None):
        """One fit up to re-training: checks, scaling, pre-training (or the pre-trained
        weights, or a random initialisation); returns the fit's :class:`~.protocol.Plan`
        (without the classes taken over from ``shared``, see :meth:`fit_many`)."""
        import torch

        self.feature_names_in_ = (np.asarray(X.columns, dtype=object)
                                  if isinstance(X, pd.DataFrame) else None)
        X, y = self._start_fit(X, y, n_per_class)
        rng = self.rng_
        self._check_params()
        proto = self._protocol()
        dev = self._device()
        self.device_ = str(dev)
        tgen = torch.Generator(device=dev)
        tgen.manual_seed(int_seed(rng))
        dt = torch.float32
        d = X.shape[1]
        self.latent_dim_ = int(self.latent_dim or d)
        self.scaler_ = SkewScaler().fit(X)
        Zr = self.scaler_.transform(X)
        hidden = tuple(int(h) for h in self.hidden)
        gnet = StackedMLP(generator_sizes(self.latent_dim_, hidden, d))
        cnet = StackedMLP(critic_sizes(d, hidden))
        self.history_ = {"pretrain": None, "retrain": {}}
        self.timings_ = {}

        # ---- 1-2. pre-training (or random initialisation)
        t0 = time.perf_counter()
        if proto["pretrained"] is not None:
            pre = self._load_pretrained(proto["pretrained"], d, hidden)
            tg0, tc0 = pre["theta_g"].to(dev), pre["theta_c"].to(dev)
            self.history_["pretrain"] = pre.get("history")
        elif proto["pretrain"] == "none":
            tg0 = gnet.init(1, tgen, dev, dt)
            tc0 = cnet.init(1, tgen, dev, dt)
        else:
            Xe = X if proto["pretrain"] == "pooled" else self._external_matrix(X, rng)
            tg0, tc0 = self._pretrain(Xe, hidden, d, proto["grow"], tgen, dev, dt, rng)
        self.pretrained_ = {"theta_g": tg0.cpu(), "theta_c": tc0.cpu(), "sizes_g": gnet.sizes,
                            "sizes_c": cnet.sizes, "history": self.history_["pretrain"]}
        self.timings_["pretrain"] = time.perf_counter() - t0

        # ---- 3. re-training per class: planned here, trained by protocol.retrain (alone,
        # or in one stack with other fits of the same settings: fit_many)
        classes, counts = self.classes_, self.class_counts_
        alphas = protocol.pair(proto["alpha"], "alpha", classes, counts)
        batches = protocol.pair(self.batch_size, "batch_size", classes, counts).astype(int)
        if (batches < 1).any():
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        # under/over-represented is decided among all classes; only the sampled ones train,
        # less those a shared fit trained already
        self.shared_classes_ = self._shared_classes(shared)
        keep = np.isin(classes, self.fitted_classes_) & ~np.isin(classes, self.shared_classes_)
        return protocol.Plan(
            classes=classes[keep], alphas=alphas[keep], batches=batches[keep],
            rows=[torch.as_tensor(Zr[y == c], dtype=dt, device=dev) for c in classes[keep]],
            class_pos=[int(np.flatnonzero(classes == c)[0]) for c in classes[keep]],
            stream=int_seed(rng),  # the seed of this fit's re-training streams
            tg0=tg0, tc0=tc0, gnet=gnet, cnet=cnet)

    def _pretrain(self, Xe, hidden, d, grow, tgen, dev, dt, rng):
        """:func:`~.protocol.pretrain`; keeps its scaler and loss curves."""
        tg, tc, self.scaler_external_, self.history_["pretrain"] = protocol.pretrain(
            protocol.Settings.of(self), Xe, self.latent_dim_, hidden, d, grow, tgen, dev, dt, rng)
        return tg, tc

    def _retrained(self, r: protocol.Retrained, n_fits: int, shared=None):
        """Keep one fit's :func:`~.protocol.retrain` result, with the classes taken over
        from ``shared`` (the attributes are set in the order of earlier versions)."""
        if not r.trained:
            self.generators_ = {}
        self.stacks_, self.stack_models_ = r.stacks, list(r.stack_models)
        gens, hist = r.generators, r.history
        if len(self.shared_classes_):   # every fitted class, in class order
            gens = {c: shared.generators_[c] if c in self.shared_classes_ else gens[c]
                    for c in self.fitted_classes_}
            hist = {c: shared.history_["retrain"][c] if c in self.shared_classes_ else hist[c]
                    for c in self.fitted_classes_}
        self.generators_ = gens
        self.history_["retrain"] = hist
        self.timings_["retrain"] = r.seconds / n_fits  # an equal share of a joint stack
        self.timings_["retrain_stack"] = r.seconds
        self.gnet_sizes_ = r.gnet_sizes

    def _external_matrix(self, X, rng):
        """The external table as a matrix with X's columns (see the ``external`` parameter)."""
        return external_matrix(self.external, self.feature_names_in_, X.shape[1], rng)

    # ------------------------------------------------------------------ sampling
    def _sample_all(self, n, rng):
        import torch

        seed = int_seed(rng)
        dev = self._device()
        tgen = torch.Generator(device=dev)
        tgen.manual_seed(seed)
        gnet = StackedMLP(self.gnet_sizes_)
        Zs, ys = [], []
        for c in self.classes_:
            k = n[c]
            if k == 0:
                continue
            theta = self.generators_[c].to(dev)[None]
            with torch.no_grad():
                z = torch.randn(1, k, self.latent_dim_, generator=tgen, device=dev)
                out = gnet.forward(theta, z, self._gdrop(), tgen)[0]
            Zs.append(self.scaler_.inverse_transform(out.cpu().double().numpy()))
            ys.append(np.repeat(c, k))
        if not Zs:
            return (np.empty((0, self.n_features_in_)), np.empty(0, dtype=self.classes_.dtype),
                    np.empty(0, int))
        Z = np.vstack(Zs)
        return Z, np.concatenate(ys), np.full(len(Z), -1)

    # ---------------------------------------------------------------- persistence
    def save(self, path):
        """Write the fitted model (per-class generators, scalers, history, rng state) to
        ``path`` (``torch.save``, atomic); :meth:`load` restores it without retraining."""
        return persistence.save(self, path)

    @classmethod
    def load(cls, path):
        """Restore a model written by :meth:`save`; sampling continues from the saved
        random state, so ``load(p).sample(n)`` equals ``m.sample(n)`` right after ``m.save(p)``."""
        return persistence.load(cls, path)

    def save_pretrained(self, path):
        """Write the pre-trained (pre-transfer) weights; pass the path as ``pretrained`` to
        re-train other real tables without pre-training again."""
        return persistence.save_pretrained(self, path)

    def _load_pretrained(self, source, d, hidden):
        return persistence.load_pretrained(source, self.latent_dim_, d, hidden)
