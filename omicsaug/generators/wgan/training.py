"""Engine of the omics WGAN (Cusworth, Gkoutos & Acharjee 2024, BMC Med Inform Decis Mak 24:90).

Four parts, each usable on its own:

* :class:`SkewScaler` - per-feature scaling chosen by ``scipy.stats.skewtest``
  (Yeo-Johnson where skewed, robust scaling otherwise), with a safe inverse.
* :class:`StackedMLP` - ``G`` independent fully connected networks of identical shape whose
  parameters live in one ``(G, P)`` tensor; a layer is one ``torch.baddbmm`` over all ``G``.
  The per-class GANs and the learning-rate candidates of the paper are trained *together*
  as one stacked model: one step costs about the same Python/torch overhead as one model.
* :func:`train_stack` - the WGAN-GP loop (Gulrajani et al. 2017) with the paper's
  generator loss ``-mean(critic(fake)) - alpha * log ||fake batch||_2``, per-model learning
  rates, batch sizes, alphas and early freezing, losses recorded on the device (no host
  synchronisation per step) and generator snapshots every ``snapshot_every`` epochs.
  The gradients of a step, including the gradient penalty's double backward, are written
  out by hand (:func:`critic_step`, :func:`generator_step`): with networks this small the
  per-operation overhead of ``torch.autograd`` dominates a CPU step. The autograd versions
  (:func:`critic_step_autograd`, :func:`generator_step_autograd`) are kept as the reference
  the tests compare against, and as ``engine="autograd"``.
* Epoch and learning-rate selection on loss curves: :func:`cut_index`,
  :func:`knee_epoch`, :func:`instability`, :func:`progress`, :func:`choose_lr1`,
  :func:`choose_lr2`.

Conventions: an *epoch* is one pass over a model's own training rows in shuffled
mini-batches (the last one may be smaller); the critic is updated on every mini-batch and
the generator after every ``n_critic``-th critic update (2:1 in the paper). In a stack the
models with fewer mini-batches per epoch simply skip the surplus steps (their parameters and
Adam moments stay untouched), so each model's schedule is exactly what it would be alone.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

#: SELU constants (Klambauer et al. 2017); alpha' = -lambda * alpha is SELU's negative limit
SELU_ALPHA_PRIME = -1.7580993408473766
SELU_LAMBDA = 1.0507009873554805
SELU_LAMBDA_ALPHA = 1.7580993408473766


# ============================================================================ scaling
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


# ======================================================================= the networks
class StackedMLP:
    """``G`` independent MLPs ``sizes[0] -> ... -> sizes[-1]`` in one flat parameter tensor.

    Hidden layers: affine -> SELU -> alpha-dropout; the last layer is affine only. Weights
    are stored as ``(in, out)`` blocks followed by the bias, layer after layer, in a
    ``(G, P)`` tensor ``theta``; :meth:`forward` takes ``x`` of shape ``(G, B, sizes[0])``.
    """

    def __init__(self, sizes):
        self.sizes = tuple(int(s) for s in sizes)
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"invalid layer sizes {sizes}")
        self.slices = []
        o = 0
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            self.slices.append((o, a, b))
            o += a * b + b
        self.n_params = o

    @property
    def n_layers(self):
        return len(self.slices)

    def layer_range(self, i):
        o, a, b = self.slices[i]
        return o, o + a * b + b

    def init(self, G, generator, device, dtype):
        """Kaiming-normal weights for SELU (``std = 1/sqrt(fan_in)``, i.e. PyTorch's
        ``kaiming_normal_(nonlinearity='linear')`` as its SELU docs prescribe), zero biases."""
        import torch

        theta = torch.zeros(G, self.n_params, device=device, dtype=dtype)
        for o, a, b in self.slices:
            theta[:, o:o + a * b] = torch.randn(G, a * b, generator=generator, device=device,
                                                dtype=dtype) / math.sqrt(a)
        return theta

    def views(self, theta, requires_grad=False):
        """Per-layer ``[W0, b0, W1, b1, ...]`` views into ``theta`` (shapes ``(G, in, out)``
        and ``(G, 1, out)``). With ``requires_grad`` they are autograd leaves sharing
        ``theta``'s storage: in-place updates of ``theta`` show through, and gradients come
        per layer (joined by :meth:`flat`) instead of through slicing a flat leaf, whose
        backward would zero-fill a full ``(G, P)`` tensor per slice.
        """
        G = theta.shape[0]
        out = []
        for o, n_in, n_out in self.slices:
            W = theta[:, o:o + n_in * n_out].view(G, n_in, n_out)
            b = theta[:, o + n_in * n_out:o + n_in * n_out + n_out].view(G, 1, n_out)
            if requires_grad:
                W.requires_grad_(True)
                b.requires_grad_(True)
            out += [W, b]
        return out

    @staticmethod
    def flat(grads):
        """Join per-layer gradients into one ``(G, P)`` tensor (the layout of ``theta``)."""
        import torch

        G = grads[0].shape[0]
        return torch.cat([g.reshape(G, -1) for g in grads], 1)

    def dropout_masks(self, G, B, dropout, generator, device, dtype):
        """Alpha-dropout masks for one forward pass: per hidden layer ``(M, C)`` such that
        the layer output is ``selu(a) * M + C``; None when ``dropout == 0``.

        Alpha-dropout (Klambauer et al. 2017) sets a dropped unit to SELU's negative limit
        alpha' and then applies ``x -> k * x + m`` so that mean and variance are kept:
        ``M = k * keep`` and ``C = k * alpha' * (1 - keep) + m``. All hidden layers are
        drawn from one uniform tensor.
        """
        import torch

        if not dropout or self.n_layers < 2:
            return None
        q = 1.0 - dropout  # keep probability
        k = (q * (1.0 + dropout * SELU_ALPHA_PRIME ** 2)) ** -0.5
        m = -k * SELU_ALPHA_PRIME * dropout
        widths = [n for (_, _, n) in self.slices[:-1]]
        keep = (draw(torch.rand, generator, G, (B, sum(widths)), device, dtype) < q).to(dtype)
        M = keep * k
        C = keep * (-k * SELU_ALPHA_PRIME) + (k * SELU_ALPHA_PRIME + m)
        return list(zip(M.split(widths, 2), C.split(widths, 2)))

    def forward(self, params, x, dropout=0.0, generator=None, masks=None):
        """Apply the ``G`` networks to ``x`` (``G x B x sizes[0]``); ``params`` is ``theta``
        or its :meth:`views`. Alpha-dropout with the given ``masks`` or, when
        ``dropout > 0``, freshly drawn ones (:meth:`dropout_masks`). Differentiable.
        """
        import torch

        if not isinstance(params, (list, tuple)):
            params = self.views(params)
        last = len(self.slices) - 1
        if masks is None and dropout:
            masks = self.dropout_masks(x.shape[0], x.shape[1], dropout, generator, x.device, x.dtype)
        for i in range(last + 1):
            x = torch.baddbmm(params[2 * i + 1], x, params[2 * i])
            if i < last:
                x = torch.selu(x)
                if masks is not None:
                    x = torch.addcmul(masks[i][1], x, masks[i][0])
        return x

    def forward_cache(self, params, x, masks=None):
        """Forward pass keeping what the hand-written gradients need: per hidden layer its
        input, its pre-activation and SELU's derivative there (times the dropout scale)."""
        import torch

        last = len(self.slices) - 1
        hs, pre, d1 = [x], [], []
        for i in range(last):
            a = torch.baddbmm(params[2 * i + 1], x, params[2 * i])
            s = torch.selu(a)
            ds = selu_grad(a)
            if masks is not None:
                M, C = masks[i]
                ds = ds * M
                x = torch.addcmul(C, s, M)
            else:
                x = s
            hs.append(x)
            pre.append(a)
            d1.append(ds)
        out = torch.baddbmm(params[2 * last + 1], x, params[2 * last])
        return out, hs, pre, d1


def selu_grad(a):
    """SELU's derivative at ``a``: lambda for a > 0, lambda * alpha * exp(a) otherwise
    (one fused ATen kernel, the one autograd itself uses)."""
    import torch

    return torch.ops.aten.elu_backward(torch.ones_like(a), SELU_LAMBDA_ALPHA / SELU_LAMBDA,
                                       SELU_LAMBDA, 1.0, False, a)


def generator_sizes(latent, hidden, d):
    return (latent, *hidden, d)


def critic_sizes(d, hidden):
    return (d, *reversed(tuple(hidden)), 1)


def grow(theta_old, net_old: StackedMLP, net_new: StackedMLP, keep: str, generator):
    """Copy trained layers into a larger network (progressive growing).

    ``keep='first'``: the old network's hidden layers are the first layers of the new one
    (generator: noise -> 50 -> [new 100] -> new output). ``keep='last'``: the old layers are
    the last ones (critic: new input -> [new 100] -> 50 -> 1). The remaining layers (the new
    hidden layer and the re-sized input/output layer) are freshly initialised.
    """
    G = theta_old.shape[0]
    theta = net_new.init(G, generator, theta_old.device, theta_old.dtype)
    k_old, k_new = net_old.n_layers, net_new.n_layers
    if keep == "first":
        pairs = [(i, i) for i in range(k_old - 1)]  # all but the old output layer
    else:
        pairs = [(k_old - 1 - j, k_new - 1 - j) for j in range(k_old - 1)]  # all but the old input
    for i_old, i_new in pairs:
        if net_old.slices[i_old][1:] != net_new.slices[i_new][1:]:
            raise ValueError(f"layer shapes differ: {net_old.slices[i_old]} vs {net_new.slices[i_new]}")
        a0, b0 = net_old.layer_range(i_old)
        a1, b1 = net_new.layer_range(i_new)
        theta[:, a1:b1] = theta_old[:, a0:b0]
    return theta


# ==================================================================== optimiser
class StackedAdam:
    """Adam (Kingma & Ba 2015) on a ``(G, P)`` tensor with one learning rate per model.

    ``step(grad, weight)`` applies the update scaled by ``weight`` (shape ``(G, 1)``, 0 or
    1): a model with weight 0 keeps its parameters, moments and step count, exactly as if
    the step had not happened.
    """

    def __init__(self, theta, lr, betas=(0.5, 0.9), eps=1e-8):
        import torch

        self.theta = theta
        self.lr = torch.tensor(np.asarray(lr, dtype=float), dtype=theta.dtype,
                               device=theta.device).reshape(-1, 1)
        self.b1, self.b2 = float(betas[0]), float(betas[1])
        self.eps = float(eps)
        self.m = torch.zeros_like(theta)
        self.v = torch.zeros_like(theta)
        self.t = torch.zeros_like(self.lr)

    def step(self, grad, weight):
        import torch

        self.m.lerp_(grad, weight * (1.0 - self.b1))
        self.v.lerp_(grad * grad, weight * (1.0 - self.b2))
        self.t.add_(weight)
        bc1 = (1.0 - torch.pow(self.b1, self.t)).clamp_min_(1e-12)
        bc2 = (1.0 - torch.pow(self.b2, self.t)).clamp_min_(1e-12)
        denom = (self.v / bc2).sqrt_().add_(self.eps)
        self.theta.sub_(self.m / denom * (self.lr * weight / bc1))


# ============================================================ gradients of one step
def _flat(grads_w, grads_b):
    import torch

    G = grads_w[0].shape[0]
    parts = []
    for gw, gb in zip(grads_w, grads_b):
        parts += [gw.reshape(G, -1), gb.reshape(G, -1)]
    return torch.cat(parts, 1)


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
    d2i = [d[:, I] * (a[:, I] <= 0) for d, a in zip(d1, pre)]
    # input gradient of the critic at the interpolates: g[i] = dC/dh_i
    g = [None] * L
    g[L - 1] = Ws[L - 1].transpose(1, 2)                    # G x 1 x n_{L-1}
    deltas = [None] * (L - 1)
    d1i = [d[:, I] for d in d1]
    for i in range(L - 2, -1, -1):
        deltas[i] = g[i + 1] * d1i[i]
        g[i] = torch.bmm(deltas[i], Ws[i].transpose(1, 2))
    gx = g[0]
    nrm = (gx.square().sum(2) + 1e-12).sqrt()
    gp = (nrm - 1.0).square()
    loss = ((out[:, B:2 * B] - out[:, :B]) * w).sum(1) + gp_weight * (gp * w).sum(1)
    # ---- backward of the penalty through the input-gradient chain
    dW = [None] * L
    a_gp = [None] * (L - 1)
    ug = gx * (2.0 * gp_weight * w * (nrm - 1.0) / nrm).unsqueeze(-1)
    for i in range(L - 1):
        dW[i] = torch.bmm(ug.transpose(1, 2), deltas[i])
        ud = torch.bmm(ug, Ws[i])
        a_gp[i] = ud * g[i + 1] * d2i[i]
        ug = ud * d1i[i]
    dW[L - 1] = ug.sum(1).unsqueeze(-1)
    # ---- ordinary backward of the whole loss
    A = torch.cat([-w, w, torch.zeros_like(w)], 1).unsqueeze(-1)
    db = [None] * L
    for i in range(L - 1, -1, -1):
        dW[i] = dW[i] + torch.bmm(hs[i].transpose(1, 2), A)
        db[i] = A.sum(1, keepdim=True)
        if i > 0:
            A = torch.bmm(A, Ws[i].transpose(1, 2)) * d1[i - 1]
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
    sq = (fake.square().sum(2) * valid).sum(1) + 1e-12
    loss = -(out.squeeze(-1) * w).sum(1) - alpha * 0.5 * torch.log(sq)
    Wc, Wg = pc[0::2], pg[0::2]
    A = (-w).unsqueeze(-1)
    for i in range(cnet.n_layers - 1, -1, -1):
        A = torch.bmm(A, Wc[i].transpose(1, 2))
        if i > 0:
            A = A * d1c[i - 1]
    A = A - fake * (valid * (alpha / sq).unsqueeze(-1)).unsqueeze(-1)
    L = gnet.n_layers
    dW, db = [None] * L, [None] * L
    for i in range(L - 1, -1, -1):
        dW[i] = torch.bmm(hs[i].transpose(1, 2), A)
        db[i] = A.sum(1, keepdim=True)
        if i > 0:
            A = torch.bmm(A, Wg[i].transpose(1, 2)) * d1[i - 1]
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


# ===================================================================== training
def draw(fn, generator, G, shape, device, dtype):
    """``G x shape`` random numbers from ``fn`` (``torch.rand`` / ``torch.randn``): one call
    from a shared ``torch.Generator``, or, when ``generator`` is a list of ``G`` generators
    (one random stream per model), model ``g``'s slice from ``generator[g]`` alone, so that
    a model's draws do not depend on which other models share its stack."""
    import torch

    if isinstance(generator, (list, tuple)):
        if len(generator) != G:
            raise ValueError(f"need one generator per model ({G}), got {len(generator)}")
        return torch.stack([fn(tuple(shape), generator=g, device=device, dtype=dtype)
                            for g in generator])
    return fn((G, *shape), generator=generator, device=device, dtype=dtype)


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


# ============================================================ curve-based selection
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
