"""Saving and loading a fitted WGAN (``save`` / ``load``) and its pre-trained weights
(``save_pretrained`` / ``load_pretrained``), with ``torch.save``, written atomically."""

from __future__ import annotations

import os

from ...utils import atomic_path
from .networks import critic_sizes, generator_sizes


def state(model) -> dict:
    """What :func:`save` writes: the class name, the parameters (a table passed as
    ``external`` is not kept: the fitted weights are) and every fitted attribute."""
    params = model.get_params()
    if params.get("external") is not None and not isinstance(params["external"], (str, os.PathLike)):
        params["external"] = None
    if isinstance(params.get("pretrained"), dict):
        params["pretrained"] = None
    fitted = {k: v for k, v in model.__dict__.items() if k.endswith("_") and not k.startswith("_")}
    return {"class": type(model).__name__, "params": params, "fitted": fitted}


def save(model, path):
    import torch

    if not hasattr(model, "generators_"):
        raise RuntimeError(f"{type(model).__name__} is not fitted: call fit(X, y) first")
    with atomic_path(path) as tmp:
        torch.save(state(model), tmp)
    return path


def load(cls, path):
    import torch

    st = torch.load(path, map_location="cpu", weights_only=False)
    if st.get("class") != cls.__name__:
        raise ValueError(f"{path} holds a {st.get('class')}, not a {cls.__name__}")
    obj = cls(**st["params"])
    obj.__dict__.update(st["fitted"])
    return obj


def save_pretrained(model, path):
    import torch

    if not hasattr(model, "pretrained_"):
        raise RuntimeError("not fitted: call fit(X, y) first")
    with atomic_path(path) as tmp:
        torch.save({**model.pretrained_, "kind": "wgan_pretrained"}, tmp)
    return path


def load_pretrained(source, latent_dim, d, hidden) -> dict:
    """Pre-trained weights (a dict, or a file written by :func:`save_pretrained`), checked
    against the networks these settings build (features ``d``, ``latent_dim``, ``hidden``)."""
    import torch

    pre = source if isinstance(source, dict) else torch.load(source, map_location="cpu",
                                                             weights_only=False)
    want_g = generator_sizes(latent_dim, hidden, d)
    if tuple(pre["sizes_g"]) != tuple(want_g) or tuple(pre["sizes_c"]) != critic_sizes(d, hidden):
        raise ValueError(f"pre-trained network {tuple(pre['sizes_g'])} does not match this "
                         f"data/settings {tuple(want_g)} (features, latent_dim, hidden)")
    return pre
