"""The training protocol of the omics WGAN (Cusworth, Gkoutos & Acharjee 2024, "Training
approach"), as plain functions over a :class:`Settings` object.

* :func:`pretrain` - one WGAN-GP on unlabelled rows (alpha = 0), growing the networks one
  hidden layer at a time (generator noise -> 50 [-> 100 [-> 200]] -> features; critic
  features -> [[200 ->] 100 ->] 50 -> 1).
* :func:`retrain` - the pre-trained generator and critic copied into one GAN per class and
  re-trained on that class: first with the best of ``lr1_grid``
  (:func:`~.selection.choose_lr1`), then with the best of ``lr2_grid``
  (:func:`~.selection.choose_lr2`), then the generator snapshot at the knee of the
  critic-loss curve (:func:`~.selection.knee_epoch`). The classes of one or more fits
  (:class:`Plan`, one per fit) and all learning-rate candidates of a stage are trained
  *together* as stacked models (:func:`~.training.train_stack`).

Every stack model draws from its own random stream, seeded by (its fit's seed, class,
stage, candidate), so a fit's result does not depend on the other fits in its stack.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields

import numpy as np

from . import selection
from .networks import StackedMLP, critic_sizes, generator_sizes, grow
from .scaling import SkewScaler
from .training import train_stack


@dataclass(frozen=True)
class Settings:
    """What the protocol reads of a generator's parameters (``wgan_classic`` fixes
    ``alpha``, ``pretrain``, ``grow`` and ``pretrained`` and has no pre-training settings:
    those stay None)."""

    alpha: object
    pretrain: str
    grow: bool
    pretrained: object
    batch_size: object
    tune_lr: bool
    lr1_grid: tuple
    lr2_grid: tuple
    lr1_epochs: int
    lr2_epochs: int
    lr1_threshold: float
    lr: float
    epochs: int
    knee: bool
    snapshot_every: int
    band: tuple
    n_critic: int
    gp_weight: float
    betas: tuple
    dropout: float
    #: resolved: ``dropout`` where the generator's own is None
    generator_dropout: float
    pretrain_epochs: object = None
    batch_size_pretrain: int | None = None
    lr_pretrain: float | None = None
    n_external_scaler: int | None = None

    @classmethod
    def of(cls, gen) -> "Settings":
        """The settings of a :class:`~.estimator.WGANGenerator` (its ``_protocol()`` decides
        the four that differ between ``wgan`` and ``wgan_classic``)."""
        given = {**{f.name: getattr(gen, f.name, None) for f in fields(cls)}, **gen._protocol()}
        given["generator_dropout"] = gen._gdrop()
        return cls(**given)


def pair(value, name, classes, counts):
    """Resolve a per-class setting: number, {class: value} or (under-, over-represented)."""
    nmax = counts.max()
    if isinstance(value, dict):
        missing = [c for c in classes if c not in value and str(c) not in value]
        if missing:
            raise ValueError(f"{name}: no value for class(es) {missing}; got keys {sorted(map(str, value))}")
        return np.array([float(value[c] if c in value else value[str(c)]) for c in classes])
    if np.ndim(value) == 0:
        return np.full(len(classes), float(value))
    value = list(value)
    if len(value) != 2:
        raise ValueError(f"{name} must be a number, a dict per class or a pair "
                         f"(under-represented, over-represented); got {value!r}")
    return np.array([float(value[0] if n < nmax else value[1]) for n in counts])


# --------------------------------------------------------------------- pre-training
def pretrain(s: Settings, Xe, latent_dim, hidden, d, grow_layers, tgen, dev, dt, rng):
    """Pre-train one WGAN-GP on the rows ``Xe`` (alpha 0, batch ``batch_size_pretrain``),
    growing the networks one hidden layer per phase when ``grow_layers``.

    The rows are scaled by a :class:`SkewScaler` fitted on up to ``n_external_scaler`` of
    them, drawn from ``rng``. Returns ``(theta_g, theta_c, scaler, history)``: the
    pre-trained parameters (``1 x P``), the fitted scaler and the loss curves (``critic``,
    ``generator`` per epoch, ``phase_ends``, ``phases``, ``n_rows``).
    """
    import torch

    n_fit = min(int(s.n_external_scaler), len(Xe))
    fit_rows = rng.choice(len(Xe), n_fit, replace=False) if n_fit < len(Xe) else np.arange(len(Xe))
    scaler = SkewScaler().fit(Xe[fit_rows])
    Ze = torch.as_tensor(scaler.transform(Xe), dtype=dt, device=dev)[None]
    phases = [hidden[:k] for k in range(1, len(hidden) + 1)] if grow_layers else [hidden]
    ep = s.pretrain_epochs
    if np.ndim(ep) == 0:
        ep = [int(ep)] * len(phases) if grow_layers else [int(ep) * len(hidden)]
    else:
        ep = [int(e) for e in ep]
        if not grow_layers:
            ep = [sum(ep)]
        elif len(ep) != len(phases):
            raise ValueError(f"pretrain_epochs needs one entry per growing phase "
                             f"({len(phases)}), got {s.pretrain_epochs}")
    hist_c, hist_g, ends, tg, tc, prev = [], [], [], None, None, None
    for h, epochs in zip(phases, ep):
        gnet = StackedMLP(generator_sizes(latent_dim, h, d))
        cnet = StackedMLP(critic_sizes(d, h))
        if prev is None:
            tg, tc = gnet.init(1, tgen, dev, dt), cnet.init(1, tgen, dev, dt)
        else:
            tg = grow(tg, prev[0], gnet, "first", tgen)
            tc = grow(tc, prev[1], cnet, "last", tgen)
        if epochs > 0:
            res = train_stack(
                gnet, cnet, tg, tc, Ze, [Ze.shape[1]], [int(s.batch_size_pretrain)],
                alpha=[0.0], lr=[float(s.lr_pretrain)], epochs=epochs,
                n_critic=int(s.n_critic), gp_weight=float(s.gp_weight),
                betas=tuple(s.betas), dropout=float(s.dropout),
                generator_dropout=s.generator_dropout, generator=tgen)
            tg, tc = res["theta_g"], res["theta_c"]
            hist_c.append(res["critic"][:, 0])
            hist_g.append(res["generator"][:, 0])
        ends.append(int(sum(len(a) for a in hist_c)))
        prev = (gnet, cnet)
    history = {
        "critic": np.concatenate(hist_c) if hist_c else np.empty(0),
        "generator": np.concatenate(hist_g) if hist_g else np.empty(0),
        "phase_ends": ends, "phases": [list(h) for h in phases], "n_rows": int(len(Xe))}
    return tg, tc, scaler, history


# ---------------------------------------------------------------------- re-training
@dataclass
class Plan:
    """One fit's re-training inputs: the classes to re-train (with their alpha, batch size,
    scaled rows and position among all classes), the seed of its random streams, the
    starting parameters (pre-trained or initial, ``1 x P``) and the network shapes."""

    classes: np.ndarray
    alphas: np.ndarray
    batches: np.ndarray
    rows: list
    class_pos: list
    stream: int
    tg0: object
    tc0: object
    gnet: StackedMLP
    cnet: StackedMLP


@dataclass
class Retrained:
    """One fit's re-training result: per class the generator parameters used for sampling
    (CPU) and the loss history; the classes in each stack and the stack sizes; the stack's
    seconds; whether anything was trained at all; the generator's layer sizes."""

    generators: dict
    history: dict
    stacks: list
    stack_models: list
    seconds: float
    trained: bool
    gnet_sizes: tuple


def retrain(s: Settings, plans: list[Plan]) -> list[Retrained]:
    """Re-train the per-class GANs of one or more fits as stacked models: every (fit, class,
    learning-rate candidate) is one model of a stack, trained side by side by
    :func:`~.training.train_stack`. All fits share the settings ``s``; every model draws
    from its own random stream, seeded by (its fit's seed, class, stage, candidate), so a
    fit's result does not depend on the other fits in its stack (stack size is a speed
    knob only). Returns one :class:`Retrained` per plan.
    """
    import torch

    t0 = time.perf_counter()
    P = plans
    units = [(k, c) for k, p in enumerate(P) for c in p.classes]  # (model, class)
    C = len(units)
    if C == 0:  # nothing will be sampled (e.g. balancing classes of equal size)
        return [Retrained({}, {}, [], [], 0.0, False, p.gnet.sizes) for p in P]
    alphas = np.concatenate([p.alphas for p in P])
    batches = np.concatenate([p.batches for p in P])
    rows = [r for p in P for r in p.rows]
    gnet, cnet = P[0].gnet, P[0].cnet
    streams = [(p.stream, pos) for p in P for pos in p.class_pos]  # per unit
    dev, dt, d = rows[0].device, rows[0].dtype, rows[0].shape[1]
    n_rows = np.array([len(r) for r in rows])
    batches = np.minimum(batches, n_rows)  # a batch never exceeds its class
    data_c = torch.zeros(C, n_rows.max(), d, dtype=dt, device=dev)
    for i, r in enumerate(rows):
        data_c[i, :len(r)] = r
    tg = torch.cat([p.tg0.expand(len(p.classes), -1) for p in P]).clone()
    tc = torch.cat([p.tc0.expand(len(p.classes), -1) for p in P]).clone()
    common = dict(n_critic=int(s.n_critic), gp_weight=float(s.gp_weight),
                  betas=tuple(s.betas), dropout=float(s.dropout),
                  generator_dropout=s.generator_dropout, band=tuple(s.band))
    stages = []
    if s.tune_lr:
        grids = [("lr1", tuple(s.lr1_grid), int(s.lr1_epochs)),
                 ("lr2", tuple(s.lr2_grid), int(s.lr2_epochs))]
    else:
        grids = [("lr", (float(s.lr),), int(s.epochs))]
    # classes with the same batch size and mini-batches per epoch share one stack (with
    # their learning-rate candidates); others get their own, so that no model computes
    # padded rows or idle steps (the networks' arithmetic dominates at ~150 features)
    sig = {}
    for i in range(C):
        sig.setdefault((int(batches[i]), int(-(-n_rows[i] // batches[i]))), []).append(i)
    groups = [np.asarray(v) for v in sig.values()]
    # per fit: its classes in each stack, and the stack sizes
    stacks = [[[units[i][1] for i in gi if units[i][0] == k] for gi in groups] for k in range(len(P))]
    stack_models = [len(gi) * max(len(g[1]) for g in grids) for gi in groups]
    for st, (name, grid, epochs) in enumerate(grids):
        last = st == len(grids) - 1
        L = len(grid)
        start_g = tg  # per class: the state this stage starts from (snapshot "epoch 0")
        crit = np.empty((epochs, C, L))
        gen = np.empty((epochs, C, L))
        end_g, end_c, snaps = [None] * C, [None] * C, [None] * C
        for gi in groups:
            rep = np.repeat(gi, L)  # model m: class gi[m // L], candidate m % L
            res = train_stack(
                gnet, cnet, tg[rep], tc[rep], data_c[rep][:, :n_rows[gi].max()], n_rows[rep],
                batches[rep], alpha=alphas[rep], lr=np.tile(np.asarray(grid, float), len(gi)),
                epochs=epochs, generator=_streams(streams, gi, st, L, dev),
                snapshot_every=int(s.snapshot_every) if (last and s.knee) else 0, **common)
            crit[:, gi, :] = res["critic"].reshape(epochs, len(gi), L)
            gen[:, gi, :] = res["generator"].reshape(epochs, len(gi), L)
            for a, i in enumerate(gi):
                end_g[i] = res["theta_g"][a * L:(a + 1) * L]
                end_c[i] = res["theta_c"][a * L:(a + 1) * L]
                if res["snapshots"] is not None:
                    snaps[i] = res["snapshots"][:, a * L:(a + 1) * L]
            snap_epochs = np.r_[0, res["snapshot_epochs"]].astype(int)
            del res
        chosen, scores = [], []
        for i in range(C):
            curves = [crit[:, i, j] for j in range(L)]
            if L == 1:
                j, sc = 0, np.zeros(1)
            elif name == "lr1":
                j, sc = selection.choose_lr1(curves, float(s.lr1_threshold), tuple(s.band))
            else:
                j, sc = selection.choose_lr2(curves, tuple(s.band))
            chosen.append(int(j))
            scores.append(np.asarray(sc, float))
        tg = torch.stack([end_g[i][chosen[i]] for i in range(C)])
        tc = torch.stack([end_c[i][chosen[i]] for i in range(C)])
        stages.append({"name": name, "lrs": [float(v) for v in grid], "critic": crit,
                       "generator": gen, "chosen": chosen, "scores": scores, "epochs": epochs})

    # ---- epoch choice on the final stage's chosen curve
    generators = [{} for _ in P]
    history = [{} for _ in P]
    for i, (f, c) in enumerate(units):
        curve = stages[-1]["critic"][:, i, stages[-1]["chosen"][i]]
        kept = selection.cut_index(curve, tuple(s.band))
        if s.knee:
            knee, kept = selection.knee_epoch(curve, band=tuple(s.band))
            cand = snap_epochs[snap_epochs <= kept]  # snapshots before the cut
            k = int(np.flatnonzero(snap_epochs == cand[np.argmin(np.abs(cand - knee))])[0])
            theta = snaps[i][k - 1, stages[-1]["chosen"][i]] if k > 0 else start_g[i]
            snap = int(snap_epochs[k])
        else:
            knee, snap = None, stages[-1]["epochs"]
            theta = tg[i]
        generators[f][c] = theta.detach().cpu().clone()
        per_class = []
        for stg in stages:
            per_class.append({"name": stg["name"], "lrs": stg["lrs"], "epochs": stg["epochs"],
                              "critic": stg["critic"][:, i], "generator": stg["generator"][:, i],
                              "chosen": stg["chosen"][i], "scores": stg["scores"][i]})
        history[f][c] = {
            "stages": per_class, "alpha": float(alphas[i]), "batch_size": int(batches[i]),
            "n_rows": int(n_rows[i]), "knee_epoch": knee, "cut_epoch": int(kept),
            "snapshot_epoch": snap,
            **{stg["name"]: stg["lrs"][stg["chosen"][i]] for stg in stages}}
    del snaps
    elapsed = time.perf_counter() - t0
    return [Retrained(generators[k], history[k], stacks[k], stack_models, elapsed, True, gnet.sizes)
            for k in range(len(P))]


def _streams(streams, units, stage, L, dev):
    """One seeded ``torch.Generator`` per stack model (unit x candidate) of a stage."""
    import torch

    out = []
    for i in units:
        fit_seed, class_pos = streams[i]
        for j in range(L):
            g = torch.Generator(device=dev)
            g.manual_seed(int(np.random.SeedSequence([fit_seed, class_pos, stage, j])
                              .generate_state(1)[0]))
            out.append(g)
    return out
