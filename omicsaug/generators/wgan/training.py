"""The WGAN-GP training loop of the omics WGAN: :func:`train_stack`.

The loop of Gulrajani et al. (2017) with the paper's generator loss
``-mean(critic(fake)) - alpha * log ||fake batch||_2``, per-model learning rates, batch
sizes, alphas and early freezing, losses recorded on the device (no host synchronisation
per step) and generator snapshots every ``snapshot_every`` epochs; the gradients of a step
are :mod:`.gradients`.

Conventions: an *epoch* is one pass over a model's own training rows in shuffled
mini-batches (the last one may be smaller); the critic is updated on every mini-batch and
the generator after every ``n_critic``-th critic update (2:1 in the paper). In a stack the
models with fewer mini-batches per epoch simply skip the surplus steps (their parameters and
Adam moments stay untouched), so each model's schedule is exactly what it would be alone.
"""

from __future__ import annotations

import numpy as np

from .gradients import critic_step, critic_step_autograd, generator_step, generator_step_autograd
from .networks import StackedAdam, StackedMLP, draw


class _Twinned(list):
    """Per-model generators whose stack already has its twin (see :func:`train_stack`)."""

    twinned = True


def _schedule(n_rows, batch):
    """Per model: batch (cut to the rows), mini-batches per epoch; stack-wide maxima."""
    n_rows = np.asarray(n_rows, int)
    batch = np.minimum(np.asarray(batch, int), n_rows)
    if (batch < 1).any():
        raise ValueError("every model needs at least one training row and a batch size >= 1")
    K_g = -(-n_rows // batch)  # ceil
    return batch, K_g, int(K_g.max()), int(batch.max())


def train_stack(gnet: StackedMLP, cnet: StackedMLP, theta_g, theta_c, data, n_rows, batch, *,
                alpha, lr, epochs, n_critic=2, gp_weight=10.0, betas=(0.5, 0.9), dropout=0.7,
                generator_dropout=None, snapshot_every=0, band=None, generator=None,
                engine="manual", stop_when_dead=True, n_real=None):
    """Train ``G`` WGAN-GP models side by side; returns a dict of results.

    Parameters
    ----------
    gnet, cnet : StackedMLP
        Generator (latent -> features) and critic (features -> 1) shapes.
    theta_g, theta_c : torch.Tensor, shape (G, P)
        Initial parameters (copied, not modified).
    data : torch.Tensor, shape (G, N_max, d)
        Each model's (scaled) training rows, padded to ``N_max``.
    n_rows, batch : sequences of G ints
        Real rows and mini-batch size per model (a batch larger than the data is cut).
    alpha, lr : sequences of G floats
        Weight of the ``log ||fake||_2`` term and the Adam learning rate (critic and generator).
    epochs : int
    n_critic : int, default 2
        Critic updates per generator update (2:1 in the paper).
    gp_weight : float, default 10
        Gradient-penalty weight (Gulrajani et al. 2017).
    betas : tuple, default (0.5, 0.9)
        Adam betas (Gulrajani et al. 2017; the paper does not say).
    dropout : float, default 0.7
        Alpha-dropout probability after every hidden SELU of the critic.
    generator_dropout : float or None
        The same for the generator (None: ``dropout``). Generator dropout is part of the
        generator's noise: keep it on when sampling.
    snapshot_every : int, default 0
        Keep a copy of every model's generator every this many epochs (0: none).
    band : (lo, hi) or None
        Freeze a model (no further updates) after the first epoch whose mean critic loss
        leaves ``[lo, hi]`` (the paper's -10 / 15 cut), so its state stays usable.
    generator : torch.Generator or list of G of them
        Source of every random draw (batches, noise, dropout, interpolation weights). A list
        gives each model its own stream: a model's training then depends on its own seed,
        rows and batch size only, not on the stack it shares (its draws have the stack's
        batch size ``max(batch)``, so stack models of one batch size, as ``_retrain`` does).
    engine : {"manual", "autograd"}, default "manual"
        Hand-written gradients (:func:`critic_step`, :func:`generator_step`; about twice
        as fast on a CPU) or the ``torch.autograd`` reference.

    stop_when_dead : bool, default True
        With a ``band``: stop once every model has left it. A model outside the band is
        frozen (parameters, moments, snapshots stay), so stopping changes none of its
        results; the epochs not run get NaN losses, which end every curve where its model
        left the band (the paper's cut) anyway. The second learning-rate stage often loses
        all candidates within a few hundred of its 5,000 epochs. With per-model streams the
        stack also shrinks as models leave the band (a dropped model's losses are NaN from
        there on): the survivors' draws and updates are unchanged, so are their results,
        and the stack's cost follows the models still training.
    n_real : int or None
        The first ``n_real`` models decide the stop (the others are padding, e.g. the twin).

    Returns
    -------
    dict with ``theta_g``, ``theta_c``, ``critic`` and ``generator`` (numpy, epochs x G: the
    mean critic loss incl. gradient penalty, and the mean generator loss, per epoch),
    ``snapshots`` (tensor n_snap x G x P_g, or None) and ``snapshot_epochs`` (1-based).
    """
    import torch

    if engine not in ("manual", "autograd"):
        raise ValueError(f"engine must be 'manual' or 'autograd', got {engine!r}")
    dev, dt = theta_g.device, theta_g.dtype
    gdrop = dropout if generator_dropout is None else generator_dropout
    G, n_max, d = data.shape
    latent = gnet.sizes[0]
    n_rows = np.asarray(n_rows, int)
    batch, K_g, K, B = _schedule(n_rows, batch)
    if len(n_rows) != G or len(batch) != G:
        raise ValueError("n_rows and batch need one entry per model")
    per_model = isinstance(generator, (list, tuple))
    if per_model and not getattr(generator, "twinned", False):
        # Vectorised kernels treat the last elements of a tensor (the loop's tail) with
        # scalar code that rounds differently (~1e-7), so the stack's last model would train
        # slightly differently from the same model elsewhere in a stack. A throw-away twin
        # of the last model takes the tail: every real model then gives the same bits alone
        # or in any stack (one torch thread, as the augment rule runs).
        import torch as _t

        twin = _t.Generator(device=dev)
        twin.manual_seed(0)
        gens = _Twinned([*generator, twin])
        last = lambda a: np.r_[np.broadcast_to(np.asarray(a, float), (G,)), np.broadcast_to(np.asarray(a, float), (G,))[-1:]]
        res = train_stack(gnet, cnet, _t.cat([theta_g, theta_g[-1:]]), _t.cat([theta_c, theta_c[-1:]]),
                          _t.cat([data, data[-1:]]), np.r_[n_rows, n_rows[-1:]],
                          np.r_[np.asarray(batch), np.asarray(batch)[-1:]], alpha=last(alpha),
                          lr=last(lr), epochs=epochs, n_critic=n_critic, gp_weight=gp_weight,
                          betas=betas, dropout=dropout, generator_dropout=generator_dropout,
                          snapshot_every=snapshot_every, band=band, generator=gens, engine=engine,
                          stop_when_dead=stop_when_dead, n_real=G)
        return {**res, "theta_g": res["theta_g"][:G], "theta_c": res["theta_c"][:G],
                "critic": res["critic"][:, :G], "generator": res["generator"][:, :G],
                "snapshots": None if res["snapshots"] is None else res["snapshots"][:, :G]}

    # constant per-step tables (positions, weights, masks), built once on the host
    j = np.arange(B)
    pos = np.zeros((K, G, B), np.int64)
    wts = np.zeros((K, G, B))
    for k in range(K):
        p = k * batch[:, None] + j[None, :]
        ok = (j[None, :] < batch[:, None]) & (p < n_rows[:, None])
        pos[k] = np.where(ok, p, 0)
        wts[k] = np.where(ok, 1.0 / np.maximum(ok.sum(1, keepdims=True), 1), 0.0)
    act_c_np = (np.arange(K)[:, None] < K_g[None, :]).astype(float)  # K x G
    # generator after every n_critic-th critic step of each model, counted across epochs;
    # the pattern repeats every n_critic epochs
    period = n_critic
    gen_act = {}
    for r in range(period):
        for k in range(K):
            c = r * K_g + k + 1
            gen_act[r, k] = ((k < K_g) & (c % n_critic == 0)).astype(float)

    def T(a):
        return torch.tensor(np.asarray(a), dtype=dt, device=dev)

    pos_t = torch.tensor(pos, device=dev)
    w_t = T(wts)                                       # K x G x B
    valid_t = (w_t > 0).to(dt)
    act_c_t = T(act_c_np)[..., None]                   # K x G x 1
    gen_act_t = {key: T(m)[:, None] for key, m in gen_act.items()}
    gen_any = {key: bool(m.any()) for key, m in gen_act.items()}
    alpha_t = T(np.broadcast_to(np.asarray(alpha, float), (G,)))
    lr_np = np.broadcast_to(np.asarray(lr, float), (G,))
    pad = T(np.arange(n_max)[None, :] >= n_rows[:, None]) * 2.0  # sorts padding last
    gidx = torch.arange(G, device=dev)[:, None]
    Kg_t = T(K_g)
    act_ck = T(act_c_np.T)                              # G x K (for the epoch mean)

    theta_g = theta_g.detach().clone()
    theta_c = theta_c.detach().clone()
    manual = engine == "manual"
    c_step = critic_step if manual else critic_step_autograd
    g_step = generator_step if manual else generator_step_autograd
    opt_g = StackedAdam(theta_g, lr_np, betas)
    opt_c = StackedAdam(theta_c, lr_np, betas)
    alive = torch.ones(G, 1, device=dev, dtype=dt)

    closs = torch.zeros(epochs * K, G, device=dev, dtype=dt)
    gloss = torch.zeros(epochs * K, G, device=dev, dtype=dt)
    n_snap = epochs // snapshot_every if snapshot_every else 0
    snaps = torch.empty(n_snap, G, gnet.n_params, device=dev, dtype=dt) if n_snap else None
    lo, hi = band if band is not None else (None, None)
    n_real = G if n_real is None else int(n_real)
    # with a band, the per-epoch critic loss that decides a model's fate is the curve itself
    ecurve = torch.full((epochs, G), float("nan"), device=dev, dtype=dt) if band is not None else None
    last = epochs
    # The stack shrinks as models leave the band (per-model streams only: a shared stream's
    # draws would change for the others). ``act`` holds the original index of every model
    # still in the stack; a dropped model's parameters stay frozen in the full tensors.
    act = np.arange(G)
    act_t = torch.arange(G, device=dev)
    dropped_at = np.full(G, epochs)     # first epoch a model no longer ran
    shrink = per_model and band is not None and stop_when_dead
    full_g, full_c = theta_g, theta_c   # the stack's tensors while every model is in it
    gens = list(generator) if per_model else generator
    rows = n_rows
    pg = gnet.views(theta_g, requires_grad=not manual)
    pc = cnet.views(theta_c, requires_grad=not manual)

    # Adam's second moments decay into denormal floats for parameters with tiny gradients,
    # which makes elementwise CPU kernels many times slower: flush them to zero meanwhile.
    flush = torch.set_flush_denormal(True)
    try:
        with torch.no_grad():
            for e in range(epochs):
                Gc = len(act)
                if per_model:  # each model shuffles its own rows; padding sorts last
                    u = torch.full((Gc, n_max), 2.0, device=dev, dtype=dt)
                    for g, tg_ in enumerate(gens):
                        u[g, :rows[g]] = torch.rand(int(rows[g]), generator=tg_, device=dev, dtype=dt)
                    perm = u.argsort(1)
                else:
                    perm = (torch.rand(G, n_max, generator=gens, device=dev, dtype=dt) + pad).argsort(1)
                ebuf = torch.zeros(K, Gc, device=dev, dtype=dt)
                gbuf = torch.zeros(K, Gc, device=dev, dtype=dt)
                for k in range(K):
                    w = w_t[k]
                    real = data[gidx, perm.gather(1, pos_t[k])]          # G x B x d
                    # ---- critic
                    z = draw(torch.randn, gens, Gc, (B, latent), dev, dt)
                    fake = gnet.forward(pg, z, gdrop, gens)
                    eps = draw(torch.rand, gens, Gc, (B, 1), dev, dt)
                    masks = cnet.dropout_masks(Gc, 3 * B, dropout, gens, dev, dt)
                    loss_c, grad_c = c_step(cnet, pc, real, fake, eps, w, gp_weight, masks)
                    opt_c.step(grad_c, act_c_t[k] * alive)
                    ebuf[k] = loss_c
                    # ---- generator
                    key = (e % period, k)
                    if gen_any[key]:
                        z = draw(torch.randn, gens, Gc, (B, latent), dev, dt)
                        mg = gnet.dropout_masks(Gc, B, gdrop, gens, dev, dt)
                        mc = cnet.dropout_masks(Gc, B, dropout, gens, dev, dt)
                        loss_g, grad_g = g_step(gnet, cnet, pg, pc, z, w, valid_t[k], alpha_t, mg, mc)
                        opt_g.step(grad_g, gen_act_t[key] * alive)
                        gbuf[k] = loss_g
                if Gc == G:
                    closs[e * K:(e + 1) * K] = ebuf
                    gloss[e * K:(e + 1) * K] = gbuf
                else:
                    closs[e * K:(e + 1) * K, act_t] = ebuf
                    gloss[e * K:(e + 1) * K, act_t] = gbuf
                if n_snap and (e + 1) % snapshot_every == 0 and (e + 1) // snapshot_every <= n_snap:
                    i = (e + 1) // snapshot_every - 1
                    if Gc == G:
                        snaps[i] = theta_g
                    else:
                        snaps[i] = full_g
                        snaps[i, act_t] = theta_g
                if band is not None:
                    ep = (ebuf.T * act_ck).sum(1) / Kg_t
                    if Gc == G:
                        ecurve[e] = ep
                    else:
                        ecurve[e, act_t] = ep
                    alive.mul_(((ep >= lo) & (ep <= hi)).to(dt)[:, None])
                    if stop_when_dead:
                        keep = alive[:, 0].cpu().numpy() > 0
                        keep |= act >= n_real          # padding (the twin) stays last
                        if not keep[act < n_real].any():
                            last = e + 1
                            break
                        if shrink and not keep.all():
                            # drop the models that left the band: every tensor indexed by
                            # model is cut to the survivors (their draws, batches and
                            # updates are unchanged, so are their results)
                            if Gc == G:
                                full_g, full_c = theta_g.clone(), theta_c.clone()
                            else:
                                full_g[act_t], full_c[act_t] = theta_g, theta_c
                            dropped_at[act[~keep]] = e + 1
                            ix = torch.as_tensor(np.flatnonzero(keep), device=dev)
                            act = act[keep]
                            act_t = act_t[ix]
                            theta_g, theta_c = theta_g[ix].contiguous(), theta_c[ix].contiguous()
                            for opt, th in ((opt_g, theta_g), (opt_c, theta_c)):
                                opt.theta = th
                                opt.lr, opt.m, opt.v, opt.t = opt.lr[ix], opt.m[ix], opt.v[ix], opt.t[ix]
                            pg = gnet.views(theta_g, requires_grad=not manual)
                            pc = cnet.views(theta_c, requires_grad=not manual)
                            gens = [gens[j] for j in np.flatnonzero(keep)]
                            rows = rows[keep]
                            data = data[ix]
                            pos_t, w_t, valid_t = pos_t[:, ix], w_t[:, ix], valid_t[:, ix]
                            act_c_t = act_c_t[:, ix]
                            gen_act_t = {key: m[ix] for key, m in gen_act_t.items()}
                            alpha_t, Kg_t, act_ck, alive = alpha_t[ix], Kg_t[ix], act_ck[ix], alive[ix]
                            gidx = torch.arange(len(act), device=dev)[:, None]
    finally:
        if flush:
            torch.set_flush_denormal(False)

    if len(act) < G:   # back to the full stack: the dropped models as they were frozen
        full_g[act_t], full_c[act_t] = theta_g, theta_c
        theta_g, theta_c = full_g, full_c
        for j in np.flatnonzero(dropped_at < last):   # a dropped model's losses end there
            closs[dropped_at[j] * K:, j] = float("nan")
            gloss[dropped_at[j] * K:, j] = float("nan")
    if last < epochs:   # every (real) model left the band: frozen from here on
        closs[last * K:] = float("nan")
        gloss[last * K:] = float("nan")
        if n_snap:
            for i in range(last // snapshot_every, n_snap):
                snaps[i] = theta_g
    # ---- per-epoch means on the host (one transfer at the end)
    c = closs.cpu().numpy().reshape(epochs, K, G)
    gl = gloss.cpu().numpy().reshape(epochs, K, G)
    critic = ecurve.cpu().double().numpy() if ecurve is not None else \
        (c * act_c_np[None]).sum(1) / K_g[None, :]
    gmask = np.stack([np.stack([gen_act[e % period, k] for k in range(K)]) for e in range(epochs)]) \
        if epochs else np.zeros((0, K, G))
    gcount = gmask.sum(1)
    gen = np.where(gcount > 0, (gl * gmask).sum(1) / np.maximum(gcount, 1), np.nan)
    return {"theta_g": theta_g, "theta_c": theta_c, "critic": critic, "generator": gen,
            "epochs_run": last,
            "snapshots": snaps,
            "snapshot_epochs": (np.arange(n_snap) + 1) * snapshot_every if n_snap else np.empty(0, int)}
