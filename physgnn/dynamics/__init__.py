"""Forces on graphs: couplings, the ACMP right-hand side, and vector fields for ODE solvers."""

from .coupling import COUPLINGS, attention_weights, coupling
from .fields import ACMPField, AllenCahn, AttractionRepulsion, Diffusion, GraphField
from .graff import OMEGAS, GRAFFField
from .graph import SparseGraph
from .official import NORMALISATIONS, NormalisedDiffusion, OfficialACMPField, normalised_adjacency
from .rhs import FORMS, acmp_rhs

__all__ = [
    "ACMPField",
    "AllenCahn",
    "AttractionRepulsion",
    "COUPLINGS",
    "Diffusion",
    "FORMS",
    "GRAFFField",
    "GraphField",
    "OMEGAS",
    "NORMALISATIONS",
    "NormalisedDiffusion",
    "OfficialACMPField",
    "SparseGraph",
    "acmp_rhs",
    "attention_weights",
    "normalised_adjacency",
    "coupling",
]
