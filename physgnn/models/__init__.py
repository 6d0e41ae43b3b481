"""Models: graph neural ODEs (ACMP, GRAND) and discrete baselines (GCN, GAT, GCNII, MLP)."""

from .acmp import ACMP, GRAND, OfficialACMP
from .baselines import GAT, GCN, GCNII, MLP
from .ode import METHODS, GraphODE

MODELS = {"acmp": ACMP, "grand": GRAND, "gcn": GCN, "gat": GAT, "gcnii": GCNII, "mlp": MLP}

__all__ = ["ACMP", "GAT", "GCN", "GCNII", "GRAND", "GraphODE", "METHODS", "MLP", "MODELS", "OfficialACMP"]
