"""The stacked networks of the omics WGAN and their optimiser.

* :class:`StackedMLP` - ``G`` independent fully connected networks of identical shape whose
  parameters live in one ``(G, P)`` tensor; a layer is one ``torch.baddbmm`` over all ``G``.
  The per-class GANs and the learning-rate candidates of the paper are trained *together*
  as one stacked model: one step costs about the same Python/torch overhead as one model.
* :func:`generator_sizes`, :func:`critic_sizes`: the layer shapes; :func:`grow` copies
  trained layers into a larger network (progressive growing).
* :class:`StackedAdam` - Adam on a ``(G, P)`` tensor with one learning rate per model.
* :func:`draw` - random numbers from one shared stream or from one stream per model.
"""

from __future__ import annotations

import math

import numpy as np

#: SELU constants (Klambauer et al. 2017); alpha' = -lambda * alpha is SELU's negative limit
SELU_ALPHA_PRIME = -1.7580993408473766
SELU_LAMBDA = 1.0507009873554805
SELU_LAMBDA_ALPHA = 1.7580993408473766


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
        u = draw(torch.rand, generator, G, (B, self.mask_width), device, dtype)
        return self.masks_from_uniform(u, dropout)

    @property
    def mask_width(self):
        """Units of all hidden layers together (uniforms per row for one set of masks)."""
        return sum(n for (_, _, n) in self.slices[:-1])

    def masks_from_uniform(self, u, dropout):
        """:meth:`dropout_masks` from given uniforms ``u`` (``..., mask_width``): any
        leading shape, e.g. a whole epoch's masks at once; None when ``dropout == 0``."""
        if not dropout or self.n_layers < 2:
            return None
        q = 1.0 - dropout  # keep probability
        k = (q * (1.0 + dropout * SELU_ALPHA_PRIME ** 2)) ** -0.5
        m = -k * SELU_ALPHA_PRIME * dropout
        widths = [n for (_, _, n) in self.slices[:-1]]
        keep = (q - u).sign_().clamp_min_(0.0)   # (u < q) as 0/1, without a bool tensor
        M = keep * k
        C = keep * (-k * SELU_ALPHA_PRIME) + (k * SELU_ALPHA_PRIME + m)
        return list(zip(M.split(widths, -1), C.split(widths, -1)))

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
            x = bmm(x, params[2 * i], params[2 * i + 1])
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
            a = bmm(x, params[2 * i], params[2 * i + 1])
            s = torch.selu(a)
            if masks is not None:
                M, C = masks[i]
                ds = selu_grad(a, M)   # SELU'(a) * M in one kernel
                x = torch.addcmul(C, s, M)
            else:
                ds = selu_grad(a)
                x = s
            hs.append(x)
            pre.append(a)
            d1.append(ds)
        out = bmm(x, params[2 * last], params[2 * last + 1])
        return out, hs, pre, d1


def bmm(a, b, bias=None):
    """``torch.bmm`` (or ``torch.baddbmm`` with ``bias``) whose result per matrix does not
    depend on how many matrices the batch holds. For a single output column PyTorch takes
    another kernel when the batch has one matrix than when it has several (results ~1e-6
    apart, measured), which would make a stack of one model train differently from the
    same model in a larger stack: a single column is computed as the first of two (the
    second zero)."""
    import torch

    if b.shape[-1] == 1:
        pad = torch.nn.functional.pad
        return bmm(a, pad(b, (0, 1)), None if bias is None else pad(bias, (0, 1)))[..., :1]
    return torch.bmm(a, b) if bias is None else torch.baddbmm(bias, a, b)


def selu_grad(a, scale=None):
    """SELU's derivative at ``a``: lambda for a > 0, lambda * alpha * exp(a) otherwise
    (one fused ATen kernel, the one autograd itself uses), times ``scale`` when given."""
    import torch

    return torch.ops.aten.elu_backward(torch.ones_like(a) if scale is None else scale,
                                       SELU_LAMBDA_ALPHA / SELU_LAMBDA, SELU_LAMBDA, 1.0, False, a)


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

    ``step(grad, active)`` updates the models where ``active`` (host array of ``G``, 0/1)
    is set; the others keep their parameters, moments and step count, exactly as if the
    step had not happened. Each model's row is updated by PyTorch's fused Adam kernel
    (``torch._fused_adam_``, the kernel of ``torch.optim.Adam(fused=True)``): one pass over
    the parameters instead of a dozen elementwise operations (about 7 times faster on a
    CPU at these sizes), and a model's update is computed on its own row, so it does not
    depend on which other models share the stack.
    """

    def __init__(self, theta, lr, betas=(0.5, 0.9), eps=1e-8):
        import torch

        self.theta = theta
        self.lr = np.asarray(lr, dtype=float).reshape(-1).copy()
        self.b1, self.b2 = float(betas[0]), float(betas[1])
        self.eps = float(eps)
        self.m = torch.zeros_like(theta)
        self.v = torch.zeros_like(theta)
        # one step counter per model (float tensors, as the fused kernel takes them)
        self.t = [torch.zeros((), dtype=theta.dtype, device=theta.device) for _ in range(theta.shape[0])]

    def step(self, grad, active):
        import torch

        active = np.asarray(active, dtype=float).reshape(-1)
        for g in np.flatnonzero(active > 0):
            self.t[g].add_(1.0)
            torch._fused_adam_([self.theta[g]], [grad[g]], [self.m[g]], [self.v[g]], [], [self.t[g]],
                               lr=float(self.lr[g]), beta1=self.b1, beta2=self.b2, weight_decay=0.0,
                               eps=self.eps, amsgrad=False, maximize=False)

    def select(self, theta, keep):
        """The optimiser of the models ``keep`` (indices), now living in ``theta``."""
        import torch

        keep = np.asarray(keep)
        ix = torch.as_tensor(keep, device=theta.device)
        self.theta = theta
        self.lr = self.lr[keep]
        self.m, self.v = self.m[ix].contiguous(), self.v[ix].contiguous()
        self.t = [self.t[j] for j in keep]


# ================================================================ random streams
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
