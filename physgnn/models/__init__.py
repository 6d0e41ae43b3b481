"""Models: graph neural ODEs (ACMP, GRAND), discrete baselines (GCN, GAT, GCNII, MLP), the residual LayerNorm baselines
of Platonov et al. (ResNet, ResGCN, ResSAGE, ResGAT), three heterophily-specific models (LINKX, FAGCN, GPR-GNN), and
GRAFF, the gradient flow of a learned energy."""

from .acmp import ACMP, GRAND, OfficialACMP
from .baselines import GAT, GCN, GCNII, MLP
from .gprgnn import GPRGNN
from .graff import GRAFF
from .ode import METHODS, GraphODE
from .residual import FAGCN, LINKX, ResGAT, ResGCN, ResNet, ResSAGE

#: every model built as ``Model(in_channels, hidden, out_channels)``; LINKX is not here: it also needs ``num_nodes``
MODELS = {"acmp": ACMP, "grand": GRAND, "gcn": GCN, "gat": GAT, "gcnii": GCNII, "mlp": MLP, "graff": GRAFF,
          "resnet": ResNet, "resgcn": ResGCN, "ressage": ResSAGE, "resgat": ResGAT, "fagcn": FAGCN, "gprgnn": GPRGNN}

__all__ = ["ACMP", "FAGCN", "GAT", "GCN", "GCNII", "GPRGNN", "GRAFF", "GRAND", "GraphODE", "LINKX", "METHODS", "MLP", "MODELS",
           "OfficialACMP",
           "ResGAT", "ResGCN", "ResNet", "ResSAGE"]
