"""``ctgan``: the reference CTGAN implementation (package ``ctgan``, Xu et al. 2019).

The ``ctgan`` package is under the Business Source License 1.1 with an additional use
grant that allows research use; see the README.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from .base import Generator, int_seed

log = logging.getLogger("omicsaug")
CLASS = "__class__"


def valid_batch(n_rows: int, batch_size: int, pac: int) -> tuple[int, int]:
    """(batch_size, pac) that CTGAN accepts for a table of ``n_rows``.

    CTGAN asserts that ``batch_size`` is even and that the discriminator's input divides
    into packs of ``pac`` rows. Batches larger than the table only repeat rows (CTGAN samples
    rows with replacement), so the batch is cut to the table size rounded up to a multiple of
    lcm(2, pac); pac itself is cut to half the table so that a pack never spans the whole data.
    """
    if n_rows < 2:
        raise ValueError("CTGAN needs at least 2 rows")
    pac = max(1, min(int(pac), n_rows // 2))
    step = 2 * pac // math.gcd(2, pac)
    want = min(int(batch_size), n_rows)
    batch = max(step, int(math.ceil(want / step)) * step)
    return batch, pac


class CTGANGenerator(Generator):
    """Conditional tabular GAN (Xu et al. 2019, NeurIPS), conditioned on the class.

    One model is fitted on all rows with the class as its discrete column; rows of class c
    are sampled with the condition ``class = c`` and labelled c. (CTGAN may still decode a
    different class for a few rows; the log reports how often.)

    Parameters
    ----------
    epochs : int, default 300
        The EAE study used 20. On an 18-row table one epoch is a single gradient step, so
        20 epochs leave the generator barely trained; 300 (CTGAN's own default) costs a few
        seconds and gives it a fair chance. Set ``epochs: 20`` in the config to reproduce the
        paper.
    batch_size : int, default 500
        Cut to fit the table (see :func:`valid_batch`).
    pac : int, default 10
        Rows per discriminator pack (PacGAN); cut for small tables.
    embedding_dim, generator_dim, discriminator_dim, generator_lr, discriminator_lr :
        passed to ``ctgan.CTGAN`` (its defaults).
    cuda : bool, default True
        Use a GPU when one is present (CTGAN falls back to the CPU otherwise).
    random_state : int or None
        Seeds numpy and torch before fit and before every sample.
    """

    scale = False      # CTGAN has its own mode-specific normalisation
    uses_torch = True
    per_class = False  # conditional on the class
    min_class_size = 1

    @classmethod
    def minutes_per_fit(cls, params: dict) -> float:
        # 7.8 s per seed for 20 epochs on the EAE subset, about 10 s per 100 epochs (x2 margin)
        return 0.2 + 0.35 * params.get("epochs", 300) / 100

    @classmethod
    def max_features(cls, params):
        """CTGAN fits a Bayesian mixture per column and turns each column into up to 11
        inputs, so a fit's time grows with the width: at 300 epochs on 12 rows one fit took
        140 s at 200 columns on one core (benchmarks/RESULTS.md, wide-table section); 500 columns
        is the widest this workflow runs."""
        return 500

    def __init__(self, epochs=300, batch_size=500, pac=10, embedding_dim=128,
                 generator_dim=(256, 256), discriminator_dim=(256, 256), generator_lr=2e-4,
                 discriminator_lr=2e-4, cuda=True, random_state=None):
        self.epochs = epochs
        self.batch_size = batch_size
        self.pac = pac
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.cuda = cuda
        self.random_state = random_state

    @staticmethod
    def _seed(seed):
        import torch

        np.random.seed(seed)
        torch.manual_seed(seed)

    def _fit_all(self, Z, y, rng):
        from ctgan import CTGAN

        batch, pac = valid_batch(len(Z), self.batch_size, self.pac)
        if (batch, pac) != (self.batch_size, self.pac):
            log.info("CTGAN: %d rows -> batch_size %d, pac %d (from %d, %d)", len(Z), batch, pac,
                     self.batch_size, self.pac)
        self.columns_ = [f"f{j}" for j in range(Z.shape[1])]
        df = pd.DataFrame(Z, columns=self.columns_)
        df[CLASS] = y.astype(str)
        self.labels_ = {str(c): c for c in self.classes_}
        seed = int_seed(rng)
        self._seed(seed)
        model = CTGAN(epochs=self.epochs, batch_size=batch, pac=pac,
                      embedding_dim=self.embedding_dim, generator_dim=tuple(self.generator_dim),
                      discriminator_dim=tuple(self.discriminator_dim),
                      generator_lr=self.generator_lr, discriminator_lr=self.discriminator_lr,
                      enable_gpu=bool(self.cuda), verbose=False)
        model.set_random_state(seed)
        try:
            model.fit(df, discrete_columns=[CLASS])
        except AssertionError as exc:
            raise ValueError(
                f"CTGAN rejected batch_size={batch}, pac={pac} for {len(Z)} rows ({exc!r}): "
                "batch_size must be even and a multiple of pac. Set ctgan's batch_size/pac "
                "in the config's methods block.") from exc
        self.model_ = model

    def _sample_all(self, n, rng):
        Zs, ys, agree = [], [], []
        for c, k in n.items():
            if k == 0:
                continue
            seed = int_seed(rng)
            self._seed(seed)
            self.model_.set_random_state(seed)
            out = self.model_.sample(k, condition_column=CLASS, condition_value=str(c))
            Zs.append(out[self.columns_].to_numpy(dtype=float))
            ys.append(np.repeat(c, k))
            agree.append(float((out[CLASS].astype(str) == str(c)).mean()))
        if not Zs:
            return np.empty((0, self.n_features_in_)), np.empty(0, dtype=self.classes_.dtype), np.empty(0, int)
        log.info("CTGAN: decoded class agrees with the condition for %.0f %% of rows",
                 100 * float(np.mean(agree)))
        Z = np.vstack(Zs)
        return Z, np.concatenate(ys), np.full(len(Z), -1)
