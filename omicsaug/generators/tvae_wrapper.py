"""``tvae``: the tabular variational autoencoder of the ``ctgan`` package (Xu et al. 2019),
one model per class. The ``ctgan`` package is under the Business Source License 1.1 with an
additional use grant that allows research use; see the README.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .base import Generator, int_seed

log = logging.getLogger("omicsaug")


class TVAEGenerator(Generator):
    """TVAE (Xu et al. 2019, NeurIPS), fitted per class (it has no class condition).

    Parameters
    ----------
    epochs : int, default 300
        As for ``ctgan``: on a few rows an epoch is a single gradient step.
    batch_size : int, default 500
        Cut to the class's rows (as ``ctgan`` does): a batch larger than the data only
        repeats the same single step, and TVAE samples in batches of this size.
    embedding_dim, compress_dims, decompress_dims, l2scale, loss_factor :
        passed to ``ctgan.TVAE`` (its defaults).
    cuda : bool, default True
        Use a GPU when one is present.
    random_state : int or None
        Seeds the model before fit and before every sample.
    """

    scale = False      # TVAE has its own mode-specific normalisation
    uses_torch = True
    min_class_size = 2

    @classmethod
    def max_features(cls, params):
        """The ctgan package's data transformer (shared with ``ctgan``) fits a Bayesian
        mixture per column and turns each column into up to 11 inputs, so a fit's time grows
        with the width (benchmarks/RESULTS.md, wide-table section); 500 columns is the widest
        this workflow runs, as for ``ctgan``."""
        return 500

    @classmethod
    def minutes_per_fit(cls, params: dict) -> float:
        # not measured apart: CTGAN's estimate (same package, epochs, batch handling)
        return 0.2 + 0.35 * params.get("epochs", 300) / 100

    def __init__(self, epochs=300, batch_size=500, embedding_dim=128, compress_dims=(128, 128),
                 decompress_dims=(128, 128), l2scale=1e-5, loss_factor=2, cuda=True,
                 random_state=None):
        self.epochs = epochs
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.compress_dims = compress_dims
        self.decompress_dims = decompress_dims
        self.l2scale = l2scale
        self.loss_factor = loss_factor
        self.cuda = cuda
        self.random_state = random_state

    def _fit_class(self, Z, rng):
        import torch
        from ctgan import TVAE

        batch = max(1, min(int(self.batch_size), len(Z)))
        if batch != self.batch_size:
            log.info("TVAE: %d rows -> batch_size %d (from %d)", len(Z), batch, self.batch_size)
        seed = int_seed(rng)
        np.random.seed(seed)
        torch.manual_seed(seed)
        model = TVAE(embedding_dim=self.embedding_dim, compress_dims=tuple(self.compress_dims),
                     decompress_dims=tuple(self.decompress_dims), l2scale=self.l2scale,
                     batch_size=batch, epochs=self.epochs, loss_factor=self.loss_factor,
                     enable_gpu=bool(self.cuda))
        model.set_random_state(seed)
        columns = [f"f{j}" for j in range(Z.shape[1])]
        model.fit(pd.DataFrame(Z, columns=columns))
        return {"model": model, "columns": columns}

    def _sample_class(self, model, n, rng):
        seed = int_seed(rng)
        model["model"].set_random_state(seed)
        out = model["model"].sample(n)
        return np.asarray(pd.DataFrame(out)[model["columns"]], dtype=float), None
