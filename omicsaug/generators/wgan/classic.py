"""``wgan_classic``: the "ClassicGAN" baseline of Cusworth, Gkoutos & Acharjee (2024)."""

from __future__ import annotations

from .estimator import WGANGenerator


class ClassicWGANGenerator(WGANGenerator):
    """"ClassicGAN" baseline of Cusworth et al. (2024): the same networks and re-training
    protocol (learning-rate search, knee epoch) but alpha = 0, no pre-training and no
    progressive growing (all layers initialised together, one GAN per class).

    Parameters are those of :class:`WGANGenerator` without ``alpha``, ``pretrain``,
    ``external``, ``pretrained``, ``grow`` and the pre-training settings.
    """

    def __init__(self, batch_size=(10, 20), tune_lr=True, lr1_grid=(5e-4, 1e-4, 1e-3),
                 lr2_grid=(1e-5, 5e-5, 1e-4), lr1_epochs=1000, lr2_epochs=1000, lr1_threshold=3.0,
                 lr=1e-4, epochs=2000, knee=True, snapshot_every=20, band=(-10.0, 15.0),
                 hidden=(50, 100, 200), latent_dim=None, dropout=0.7, generator_dropout=None,
                 n_critic=2, gp_weight=10.0, betas=(0.5, 0.9), device="auto", random_state=None):
        self._store(locals())

    pretrain_params = None
    pretrained_file = None

    @classmethod
    def pretrains_externally(cls, params: dict) -> bool:
        return False   # trained from scratch on each class

    def _protocol(self):
        return {"alpha": 0.0, "pretrain": "none", "grow": False, "pretrained": None}
