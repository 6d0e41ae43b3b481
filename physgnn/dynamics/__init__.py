"""Forces on graphs: couplings, the ACMP right-hand side, and vector fields for ODE solvers."""

from .conservative import STEPS, hamiltonian, wave_jacobian, wave_step
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
    "STEPS",
    "acmp_rhs",
    "hamiltonian",
    "wave_jacobian",
    "wave_step",
    "attention_weights",
    "normalised_adjacency",
    "coupling",
]
