"""The gradients of one WGAN-GP step, written out by hand, and their autograd references.

With networks this small the per-operation overhead of ``torch.autograd`` dominates a CPU
step, so :func:`critic_step` (critic loss with gradient penalty, its double backward
included) and :func:`generator_step` compute loss and parameter gradient directly. The
autograd versions (:func:`critic_step_autograd`, :func:`generator_step_autograd`) are the
reference the tests compare against, and :func:`~.training.train_stack`'s
``engine="autograd"``.
"""

from __future__ import annotations

from .networks import StackedMLP, bmm


def _flat(grads_w, grads_b):
    import torch

    G = grads_w[0].shape[0]
    parts = []
    for gw, gb in zip(grads_w, grads_b):
        parts += [gw.reshape(G, -1), gb.reshape(G, -1)]
    return torch.cat(parts, 1)


def _wsum(x, w):
    """Per model ``sum_b x[g, b] * w[g, b]`` (``G x B`` -> ``G``) as a batched matrix
    product: its summation order is fixed per model, whereas ``(x * w).sum(1)`` picks a
    different reduction path for a stack of one model than for several."""
    import torch

    return bmm(x.unsqueeze(1), w.unsqueeze(2)).reshape(-1)


def critic_step(cnet: StackedMLP, pc, real, fake, eps, w, gp_weight, masks=None):
    """Critic loss per model and its gradient, written out by hand (no autograd).

    ``loss = sum_b w_b * (C(fake_b) - C(real_b)) + gp_weight * sum_b w_b * (||dC/dx(x_b)|| - 1)^2``
    with interpolates ``x_b = real_b + eps_b * (fake_b - real_b)`` (Gulrajani et al. 2017);
    ``w`` (G x B) holds the batch weights (1/batch size, 0 for padding). One forward pass
    on ``[real; fake; interpolates]``; the input gradient of the critic is propagated back
    through the network, and the penalty's parameter gradient is the backward pass of that
    chain (second derivative of SELU included). :func:`critic_step_autograd` is the same
    computation with ``torch.autograd`` (used to test this one).

    Returns ``(loss (G,), grad (G, P))``.
    """
    import torch

    B = real.shape[1]
    L = cnet.n_layers
    Ws = pc[0::2]
    x = torch.cat([real, fake, torch.lerp(real, fake, eps)], 1)
    out, hs, pre, d1 = cnet.forward_cache(pc, x, masks)
    out = out.squeeze(-1)
    I = slice(2 * B, 3 * B)
    # SELU'' = SELU' where a <= 0 and 0 elsewhere (times the dropout scale, already in d1)
    # (d - d * [a > 0]: the same values as torch.where(a > 0, 0, d), without its slow mask)
    d2i = [torch.addcmul(d[:, I], d[:, I], torch.relu(a[:, I]).sign_(), value=-1.0)
           for d, a in zip(d1, pre)]
    # input gradient of the critic at the interpolates: g[i] = dC/dh_i
    g = [None] * L
    g[L - 1] = Ws[L - 1].transpose(1, 2)                    # G x 1 x n_{L-1}
    deltas = [None] * (L - 1)
    d1i = [d[:, I] for d in d1]
    for i in range(L - 2, -1, -1):
        deltas[i] = g[i + 1] * d1i[i]
        g[i] = bmm(deltas[i], Ws[i].transpose(1, 2))
    gx = g[0]
    nrm = (gx.square().sum(2) + 1e-12).sqrt()
    gp = (nrm - 1.0).square()
    loss = _wsum(torch.add(out[:, B:2 * B] - out[:, :B], gp, alpha=gp_weight), w)
    # ---- backward of the penalty through the input-gradient chain
    dW = [None] * L
    a_gp = [None] * (L - 1)
    ug = gx * (2.0 * gp_weight * w * (nrm - 1.0) / nrm).unsqueeze(-1)
    for i in range(L - 1):
        dW[i] = bmm(ug.transpose(1, 2), deltas[i])
        ud = bmm(ug, Ws[i])
        a_gp[i] = ud * g[i + 1] * d2i[i]
        ug = ud * d1i[i]
    dW[L - 1] = ug.sum(1).unsqueeze(-1)
    # ---- ordinary backward of the whole loss
    A = torch.cat([-w, w, torch.zeros_like(w)], 1).unsqueeze(-1)
    db = [None] * L
    for i in range(L - 1, -1, -1):
        dW[i] = dW[i] + bmm(hs[i].transpose(1, 2), A)
        db[i] = A.sum(1, keepdim=True)
        if i > 0:
            A = bmm(A, Ws[i].transpose(1, 2)) * d1[i - 1]
            A[:, I] += a_gp[i - 1]
    return loss, _flat(dW, db)


def critic_step_autograd(cnet: StackedMLP, pc, real, fake, eps, w, gp_weight, masks=None):
    """:func:`critic_step` with ``torch.autograd`` (``pc`` must be leaves requiring grad)."""
    import torch

    B = real.shape[1]
    with torch.enable_grad():
        interp = torch.lerp(real, fake, eps).requires_grad_(True)
        out = cnet.forward(pc, torch.cat([real, fake, interp], 1), masks=masks).squeeze(-1)
        (gi,) = torch.autograd.grad(out[:, 2 * B:].sum(), interp, create_graph=True)
        gp = (gi.square().sum(2) + 1e-12).sqrt().sub(1.0).square()
        loss = ((out[:, B:2 * B] - out[:, :B]) * w).sum(1) + gp_weight * (gp * w).sum(1)
        grads = torch.autograd.grad(loss.sum(), pc)
    return loss.detach(), StackedMLP.flat(list(grads))


def generator_step(gnet: StackedMLP, cnet: StackedMLP, pg, pc, z, w, valid, alpha,
                   masks_g=None, masks_c=None):
    """Generator loss ``-sum_b w_b C(G(z_b)) - alpha * log ||G(z)||_2`` per model (the norm
    over the rows marked ``valid``) and its gradient, by hand. Returns ``(loss, grad)``."""
    import torch

    fake, hs, _, d1 = gnet.forward_cache(pg, z, masks_g)
    out, _, _, d1c = cnet.forward_cache(pc, fake, masks_c)
    sq = _wsum(fake.square().sum(2), valid) + 1e-12
    loss = -_wsum(out.squeeze(-1), w) - alpha * 0.5 * torch.log(sq)
    Wc, Wg = pc[0::2], pg[0::2]
    A = (-w).unsqueeze(-1)
    for i in range(cnet.n_layers - 1, -1, -1):
        A = bmm(A, Wc[i].transpose(1, 2))
        if i > 0:
            A = A * d1c[i - 1]
    A = A - fake * (valid * (alpha / sq).unsqueeze(-1)).unsqueeze(-1)
    L = gnet.n_layers
    dW, db = [None] * L, [None] * L
    for i in range(L - 1, -1, -1):
        dW[i] = bmm(hs[i].transpose(1, 2), A)
        db[i] = A.sum(1, keepdim=True)
        if i > 0:
            A = bmm(A, Wg[i].transpose(1, 2)) * d1[i - 1]
    return loss, _flat(dW, db)


def generator_step_autograd(gnet: StackedMLP, cnet: StackedMLP, pg, pc, z, w, valid, alpha,
                            masks_g=None, masks_c=None):
    """:func:`generator_step` with ``torch.autograd`` (``pg`` must require grad)."""
    import torch

    with torch.enable_grad():
        fake = gnet.forward(pg, z, masks=masks_g)
        out = cnet.forward(pc, fake, masks=masks_c).squeeze(-1)
        sq = (fake.square().sum(2) * valid).sum(1) + 1e-12
        loss = -(out * w).sum(1) - alpha * 0.5 * torch.log(sq)
        grads = torch.autograd.grad(loss.sum(), pg)
    return loss.detach(), StackedMLP.flat(list(grads))
