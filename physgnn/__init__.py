"""physgnn: physics-inspired graph neural networks.

The package behind the book *Forces on Graphs*. Its public surface is six small modules:

``physgnn.data``      real benchmarks (through PyG's dataset classes) and synthetic graphs
``physgnn.energy``    Dirichlet energy, the double well, homophily
``physgnn.dynamics``  couplings and vector fields: diffusion, attraction-repulsion, Allen-Cahn, ACMP
``physgnn.models``    graph neural ODEs (ACMP, GRAND) and discrete baselines (GCN, GAT, GCNII, MLP)
``physgnn.train``     training with early stopping, over one or all splits
``physgnn.plot``      the book's palette and figure helpers
"""

from ._version import version as _version  # noqa: E402

#: the release plus the git commit when known, e.g. "0.1.0+g1a2b3c4" (see physgnn._version)
__version__ = _version()

from . import data, dynamics, energy, models, plot, train, utils  # noqa: E402,F401

__all__ = ["data", "dynamics", "energy", "models", "plot", "train", "utils", "__version__"]
