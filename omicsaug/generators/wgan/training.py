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
from .networks import StackedAdam, StackedMLP


#: Longest scalar tail of PyTorch's vectorised CPU loops, in elements (two AVX-512 vectors
#: of float32): an elementwise kernel over a contiguous tensor treats its last
#: ``numel % 32`` elements with scalar code, which may round differently (~1e-7) from the
#: vector code (exp, fused multiply-adds). See ``train_stack`` on padding rows.
_TAIL = 32


def padding_rows(*nets):
    """Zero-weight rows added to every mini-batch of a per-model-stream stack, so that the
    scalar tail of every elementwise kernel falls on padding (see :func:`train_stack`)."""
    widths = [n for net in nets for n in net.sizes if n > 1]
    return -(-_TAIL // min(widths))


def _rowsum(x, w):
    """``sum_k w[k] * x[k]`` added in order ``k = 0, 1, ...`` (torch or numpy): a library
    sum over the first axis picks its summation order from the array's layout, which
    differs between a stack of one model and of several."""
    acc = x[0] * w[0]
    for k in range(1, len(x)):
        acc = acc + x[k] * w[k]
    return acc


def _at(masks, i):
    """Mask pairs of one step from an epoch's masks (``Gc x steps x rows x width``)."""
    return None if masks is None else [(M[:, i], C[:, i]) for M, C in masks]


def _epoch_draws(gens, G, rows, n_max, K, S, R, latent, wc, wg, dev, dt):
    """One epoch's random numbers for ``G`` models: uniforms ``U`` (``order``: G x n_max,
    per-row sort keys; ``eps``: G x K x R x 1; ``critic_masks``: G x K x 3R x wc;
    ``fake_masks``: G x K x R x wg; ``gen_masks`` / ``gen_critic_masks``: G x S x R x wg / wc)
    and normals ``Z`` (``critic``: G x K x R x latent; ``gen``: G x S x R x latent), for ``K``
    mini-batches of ``R`` rows and ``S`` generator steps. With a list of streams each
    model's block comes from its own stream in three calls (its row order, its uniforms,
    its normals), so a model's numbers do not depend on the other models of its stack;
    with one stream, one call each for the whole stack."""
    import torch

    sizes_u = [K * R, K * 3 * R * wc, K * R * wg, S * R * wg, S * R * wc]
    n_u, n_z = sum(sizes_u), (K + S) * R * latent
    if isinstance(gens, (list, tuple)):
        order = torch.full((G, n_max), 2.0, device=dev, dtype=dt)   # padding sorts last
        u = torch.empty(G, n_u, device=dev, dtype=dt)
        z = torch.empty(G, n_z, device=dev, dtype=dt)
        for g, tg in enumerate(gens):
            order[g, :rows[g]] = torch.rand(int(rows[g]), generator=tg, device=dev, dtype=dt)
            u[g] = torch.rand(n_u, generator=tg, device=dev, dtype=dt)
            z[g] = torch.randn(n_z, generator=tg, device=dev, dtype=dt)
    else:
        order = torch.rand(G, n_max, generator=gens, device=dev, dtype=dt)
        u = torch.rand(G, n_u, generator=gens, device=dev, dtype=dt)
        z = torch.randn(G, n_z, generator=gens, device=dev, dtype=dt)
    eps, cm, fm, gm, gcm = u.split(sizes_u, 1)
    U = {"order": order, "eps": eps.view(G, K, R, 1), "critic_masks": cm.view(G, K, 3 * R, wc),
         "fake_masks": fm.view(G, K, R, wg), "gen_masks": gm.view(G, S, R, wg),
         "gen_critic_masks": gcm.view(G, S, R, wc)}
    zc, zg = z.split([K * R * latent, S * R * latent], 1)
    return U, {"critic": zc.view(G, K, R, latent), "gen": zg.view(G, S, R, latent)}


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
                engine="manual", stop_when_dead=True):
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

    Random streams and stack size: with one stream per model every draw of a model (its row
    order, noise, dropout masks, interpolation weights: one block per model and epoch) comes
    from its own stream, and each mini-batch carries ``padding_rows`` extra rows of weight
    zero at its end. PyTorch's vectorised elementwise kernels treat the last few elements of
    a tensor with scalar code that rounds differently; over a ``(G, rows, width)`` tensor
    those elements are the last model's padding, so every real value is computed by the
    same code whichever models share the stack (Adam runs per model, see
    :class:`~.networks.StackedAdam`). A model's result is then the same alone or in any
    stack (one torch thread, as the augment rule runs; tested bit for bit).

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
    if per_model and len(generator) != G:
        raise ValueError(f"need one generator per model ({G}), got {len(generator)}")
    R = B + (padding_rows(gnet, cnet) if per_model else 0)   # rows per mini-batch

    # constant per-step tables (positions, weights, masks), built once on the host
    j = np.arange(R)
    pos = np.zeros((K, G, R), np.int64)
    wts = np.zeros((K, G, R))
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
    # per epoch parity: the mini-batches with a generator step (any model), in order
    gen_slots = {r: [k for k in range(K) if gen_act[r, k].any()] for r in range(period)}

    def T(a):
        return torch.tensor(np.asarray(a), dtype=dt, device=dev)

    pos_t = torch.tensor(pos, device=dev)
    w_t = T(wts)                                       # K x G x R
    valid_t = (w_t > 0).to(dt)
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
    alive_np = np.ones(G)      # host copy of ``alive`` (the optimiser steps are chosen there)
    alive = torch.ones(G, 1, device=dev, dtype=dt)

    closs = torch.zeros(epochs * K, G, device=dev, dtype=dt)
    gloss = torch.zeros(epochs * K, G, device=dev, dtype=dt)
    n_snap = epochs // snapshot_every if snapshot_every else 0
    snaps = torch.empty(n_snap, G, gnet.n_params, device=dev, dtype=dt) if n_snap else None
    lo, hi = band if band is not None else (None, None)
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
    wc, wg = cnet.mask_width if dropout else 0, gnet.mask_width if gdrop else 0

    # Adam's second moments decay into denormal floats for parameters with tiny gradients,
    # which makes elementwise CPU kernels many times slower: flush them to zero meanwhile.
    flush = torch.set_flush_denormal(True)
    try:
        with torch.no_grad():
            for e in range(epochs):
                Gc = len(act)
                slots = gen_slots[e % period]
                # the epoch's random numbers, one block per model (its own stream, if any):
                # row order; per mini-batch the critic's noise, generator and critic dropout
                # masks and interpolation weights; per generator step its noise and masks
                U, Z = _epoch_draws(gens, Gc, rows, n_max, K, len(slots), R, latent, wc, wg, dev, dt)
                perm = (U["order"] + pad[:Gc] if not per_model else U["order"]).argsort(1)
                mc_all = cnet.masks_from_uniform(U["critic_masks"], dropout)      # Gc x K x 3R
                mf_all = gnet.masks_from_uniform(U["fake_masks"], gdrop)          # Gc x K x R
                mg_all = gnet.masks_from_uniform(U["gen_masks"], gdrop)           # Gc x S x R
                mgc_all = cnet.masks_from_uniform(U["gen_critic_masks"], dropout)  # Gc x S x R
                ebuf = torch.zeros(K, Gc, device=dev, dtype=dt)
                gbuf = torch.zeros(K, Gc, device=dev, dtype=dt)
                at = alive_np[act]
                slot = 0
                for k in range(K):
                    w = w_t[k]
                    real = data[gidx, perm.gather(1, pos_t[k])]          # Gc x R x d
                    # ---- critic
                    fake = gnet.forward(pg, Z["critic"][:, k], masks=_at(mf_all, k))
                    masks = _at(mc_all, k)
                    loss_c, grad_c = c_step(cnet, pc, real, fake, U["eps"][:, k], w, gp_weight, masks)
                    opt_c.step(grad_c, act_c_np[k, act] * at)
                    ebuf[k] = loss_c
                    # ---- generator
                    key = (e % period, k)
                    if slot < len(slots) and slots[slot] == k:
                        loss_g, grad_g = g_step(gnet, cnet, pg, pc, Z["gen"][:, slot], w, valid_t[k],
                                                alpha_t, _at(mg_all, slot), _at(mgc_all, slot))
                        opt_g.step(grad_g, gen_act[key][act] * at)
                        gbuf[k] = loss_g
                        slot += 1
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
                    ep = _rowsum(ebuf, act_ck.T) / Kg_t
                    if Gc == G:
                        ecurve[e] = ep
                    else:
                        ecurve[e, act_t] = ep
                    alive.mul_(((ep >= lo) & (ep <= hi)).to(dt)[:, None])
                    keep = alive[:, 0].cpu().numpy() > 0
                    alive_np[act] = keep
                    if stop_when_dead:
                        if not keep.any():
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
                            opt_g.select(theta_g, np.flatnonzero(keep))
                            opt_c.select(theta_c, np.flatnonzero(keep))
                            pg = gnet.views(theta_g, requires_grad=not manual)
                            pc = cnet.views(theta_c, requires_grad=not manual)
                            gens = [gens[j] for j in np.flatnonzero(keep)]
                            rows = rows[keep]
                            data = data[ix]
                            pos_t, w_t, valid_t = pos_t[:, ix], w_t[:, ix], valid_t[:, ix]
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
    if last < epochs:   # every model left the band: frozen from here on
        closs[last * K:] = float("nan")
        gloss[last * K:] = float("nan")
        if n_snap:
            for i in range(last // snapshot_every, n_snap):
                snaps[i] = theta_g
    # ---- per-epoch means on the host (one transfer at the end)
    c = closs.cpu().numpy().reshape(epochs, K, G)
    gl = gloss.cpu().numpy().reshape(epochs, K, G)
    critic = ecurve.cpu().double().numpy() if ecurve is not None else \
        _rowsum(c.transpose(1, 0, 2), act_c_np[:, None]) / K_g[None, :]
    gmask = np.stack([np.stack([gen_act[e % period, k] for k in range(K)]) for e in range(epochs)]) \
        if epochs else np.zeros((0, K, G))
    gcount = gmask.sum(1)
    gen = np.where(gcount > 0, _rowsum(gl.transpose(1, 0, 2), gmask.transpose(1, 0, 2))
                   / np.maximum(gcount, 1), np.nan)
    return {"theta_g": theta_g, "theta_c": theta_c, "critic": critic, "generator": gen,
            "epochs_run": last,
            "snapshots": snaps,
            "snapshot_epochs": (np.arange(n_snap) + 1) * snapshot_every if n_snap else np.empty(0, int)}
