"""The omics WGAN of Cusworth, Gkoutos & Acharjee (2024): ``wgan`` and ``wgan_classic``.

- :mod:`.estimator` - :class:`WGANGenerator` (the registry's ``wgan``): parameters, fitted
  state, sampling; :mod:`.classic` - :class:`ClassicWGANGenerator` (``wgan_classic``).
- :mod:`.persistence` - saving and loading a fitted model and pre-trained weights.
- :mod:`.protocol` - pre-training (growing) and per-class re-training with the
  learning-rate and knee choices, as functions over a :class:`~.protocol.Settings`.
- :mod:`.training` / :mod:`.gradients` - the stacked WGAN-GP loop and a step's gradients.
- :mod:`.networks` - stacked networks, growing, Adam, random streams.
- :mod:`.selection` - curve cut, knee epoch, learning-rate choices.
- :mod:`.scaling` - the skewness-chosen per-feature scaler.
- :mod:`.external` - the external table matched to the training features.
- :mod:`.plots` - loss-curve figures.
"""

from .classic import ClassicWGANGenerator
from .estimator import WGANGenerator

__all__ = ["ClassicWGANGenerator", "WGANGenerator"]
