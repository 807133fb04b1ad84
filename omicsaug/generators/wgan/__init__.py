"""The omics WGAN of Cusworth, Gkoutos & Acharjee (2024): ``wgan`` and ``wgan_classic``.

- :mod:`.estimator` - :class:`WGANGenerator`, :class:`ClassicWGANGenerator` (the registry's
  ``wgan`` and ``wgan_classic``): parameters, fitted state, sampling, persistence.
- :mod:`.protocol` - pre-training (growing) and per-class re-training with the
  learning-rate and knee choices, as functions over a :class:`~.protocol.Settings`.
- :mod:`.training` / :mod:`.gradients` - the stacked WGAN-GP loop and a step's gradients.
- :mod:`.networks` - stacked networks, growing, Adam, random streams.
- :mod:`.selection` - curve cut, knee epoch, learning-rate choices.
- :mod:`.scaling` - the skewness-chosen per-feature scaler.
- :mod:`.external` - the external table matched to the training features.
- :mod:`.plots` - loss-curve figures.
"""

from .estimator import ClassicWGANGenerator, WGANGenerator

__all__ = ["ClassicWGANGenerator", "WGANGenerator"]
