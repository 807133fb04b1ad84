"""genESOM (Ultsch & Loetsch 2024): the ``genesom`` generator.

- :mod:`.estimator` - :class:`GenESOMGenerator`: map, radius, parents and zones of the
  synthetic rows.
- :mod:`.esom` - the emergent self-organising map on a toroidal grid, U- and P-matrix.
- :mod:`.radius` - the data-driven generation radius (Delaunay neighbours, 1-D mixture).
- :mod:`.plots` - the per-fit figures (U-matrix, radius, convergence).
"""

from .estimator import GenESOMGenerator

__all__ = ["GenESOMGenerator"]
