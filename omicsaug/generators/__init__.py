"""Augmentation methods, registered by name.

Every method is a :class:`~omicsaug.generators.base.Generator` (``fit(X, y)`` then
``sample(n_per_class)``, seeded by ``random_state``). A new method is one module plus one
line in ``REGISTRY``; the workflow's single augment rule serves every registered name.
"""

from .base import Generator
from .ctgan_wrapper import CTGANGenerator
from .duplicate import DuplicateGenerator
from .gaussian_copula import GaussianCopulaGenerator
from .genesom import GenESOMGenerator
from .gmm import GMMGenerator
from .gmm_independent import IndependentGMMGenerator
from .imbalanced import RandomOversamplingGenerator, SMOTEGenerator
from .none import NoAugmentation
from .tvae_wrapper import TVAEGenerator
from .wgan import ClassicWGANGenerator, WGANGenerator

REGISTRY: dict[str, type[Generator]] = {
    "none": NoAugmentation,
    "gmm": GMMGenerator,
    "gmm_independent": IndependentGMMGenerator,
    "ctgan": CTGANGenerator,
    "smote": SMOTEGenerator,
    "random_oversampling": RandomOversamplingGenerator,
    "genesom": GenESOMGenerator,
    "wgan": WGANGenerator,
    "wgan_classic": ClassicWGANGenerator,
    "duplicate": DuplicateGenerator,
    "tvae": TVAEGenerator,
    "gaussian_copula": GaussianCopulaGenerator,
}


def get_generator(name: str, random_state=None, **params) -> Generator:
    """Instantiate a registered generator with its hyper-parameters."""
    if name not in REGISTRY:
        raise KeyError(f"unknown augmentation method {name!r}; registered: {sorted(REGISTRY)}")
    cls = REGISTRY[name]
    bad = set(params) - set(cls._param_names())
    if bad:
        raise ValueError(f"{name}: unknown parameter(s) {sorted(bad)}; valid: {cls._param_names()}")
    return cls(random_state=random_state, **params)


__all__ = ["Generator", "REGISTRY", "get_generator"]
