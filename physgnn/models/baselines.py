r"""Discrete baselines of any depth, built from PyG's own layers and models.

* :class:`GCN`: :math:`H^{(l+1)} = \sigma(\hat A H^{(l)} W^{(l)})` (Kipf & Welling, 2017) — PyG ``models.GCN``;
* :class:`GAT`: attention-weighted neighbours (Veličković et al., 2018) — PyG ``models.GAT``;
* :class:`GCNII`: initial residual and identity mapping (Chen et al., 2020) — PyG ``GCN2Conv``;
* :class:`MLP`: the graph ignored — PyG ``models.MLP``.

``pairnorm=True`` inserts PyG's ``PairNorm`` (Zhao & Akoglu, 2020) after every hidden layer of GCN and GAT.
GCN and GCNII multiply by the normalised adjacency :math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}` as a sparse
CSR matrix, built once per graph (PyG's ``gcn_norm``; the layers get ``normalize=False``): on a CPU that is far faster
than scatter-based message passing, and PyG would otherwise renormalise in every layer of every forward pass. Every model: ``forward(x, edge_index)``: [N, F], [2, E] → logits [N, C];
``dropout`` applies to the input and between layers.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GCN2Conv, models as pyg_models
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import to_torch_csr_tensor

from .. import _checks
from .._identity import TensorKey, matches
from .dropout import input_dropout

__all__ = ["GCN", "GAT", "GCNII", "MLP"]


_positive_int = _checks.positive_int


class _Baseline(nn.Module):
    sparse = False

    def __init__(self, in_channels, hidden, out_channels, num_layers, dropout):
        super().__init__()
        where = type(self).__name__
        self.in_channels = _positive_int(in_channels, "in_channels", where)
        _positive_int(hidden, "hidden", where)
        _positive_int(out_channels, "out_channels", where)
        self.num_layers = _positive_int(num_layers, "num_layers", where)
        if not 0 <= dropout < 1:
            raise ValueError(f"{where}: dropout must be in [0, 1), got {dropout!r}")
        self.dropout = dropout
        self._adj_key, self._adj = None, None

    def _graph(self, x, edge_index):
        """Check ``x`` and return it with the graph operand: the normalised adjacency (CSR) for the sparse models,
        the checked ``edge_index`` otherwise. Both are rebuilt (and the edges re-checked) only for another
        ``edge_index`` object, an edit in place, or another size, dtype or device (see ``physgnn._identity``)."""
        where = type(self).__name__
        x = _checks.like_parameters(_checks.features(x, where), self, where)
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"{where}: x must have shape [N, {self.in_channels}], got {tuple(x.shape)}")
        extra = (x.size(0), edge_index.device if isinstance(edge_index, torch.Tensor) else None, x.dtype)
        if not matches(self._adj_key, edge_index, extra=extra):
            self._adj_key, self._adj = None, None
            checked = _checks.edges(edge_index, x.size(0), where)
            if self.sparse:
                # row = target i, column = source j (flip: PyG's edge_index is [source; target]); edge_index was
                # validated above, so the invariant checks are off (explicitly: torch warns otherwise)
                ei, w = gcn_norm(checked, None, x.size(0), add_self_loops=True, dtype=x.dtype)
                with torch.sparse.check_sparse_tensor_invariants(enable=False):
                    self._adj = to_torch_csr_tensor(ei.flip(0), w, size=(x.size(0), x.size(0)))
            else:
                self._adj = checked
            self._adj_key = TensorKey.of(edge_index, extra=extra)
        return x, self._adj


class GCN(_Baseline):
    """A ``num_layers``-deep GCN (PyG ``models.GCN``), optionally with PairNorm."""

    sparse = True

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.5, pairnorm: bool = False):
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout)
        self.net = pyg_models.GCN(in_channels, hidden, num_layers, out_channels=out_channels, dropout=dropout, norm="pairnorm" if pairnorm else None,
                                  normalize=False)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x, adj = self._graph(x, edge_index)
        return self.net(input_dropout(x, self.dropout, self.training), adj)


class GAT(_Baseline):
    """A ``num_layers``-deep GAT (PyG ``models.GAT``) with ``heads`` attention heads per hidden layer."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.5, heads: int = 8, pairnorm: bool = False):
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout)
        _positive_int(heads, "heads", "GAT")
        self.net = pyg_models.GAT(in_channels, hidden, num_layers, out_channels=out_channels, dropout=dropout, heads=heads, norm="pairnorm" if pairnorm else None)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x, edge_index = self._graph(x, edge_index)
        return self.net(input_dropout(x, self.dropout, self.training), edge_index)


class GCNII(_Baseline):
    r"""GCNII: :math:`H^{(l+1)} = \sigma\big(((1-\alpha)\hat A H^{(l)} + \alpha H^{(0)})((1-\beta_l)I + \beta_l W^{(l)})\big)`,
    :math:`\beta_l = \log(\theta / l + 1)`, with PyG's ``GCN2Conv``; linear maps in and out."""

    sparse = True

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 16, dropout: float = 0.5, alpha: float = 0.1, theta: float = 0.5):
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout)
        self.lin_in = nn.Linear(in_channels, hidden)
        self.convs = nn.ModuleList(GCN2Conv(hidden, alpha=alpha, theta=theta, layer=l + 1, normalize=False) for l in range(num_layers))
        self.lin_out = nn.Linear(hidden, out_channels)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x, adj = self._graph(x, edge_index)
        drop = lambda t: nn.functional.dropout(t, self.dropout, self.training)  # noqa: E731
        h = h0 = torch.relu(self.lin_in(input_dropout(x, self.dropout, self.training)))
        for conv in self.convs:
            h = torch.relu(conv(drop(h), h0, adj))
        return self.lin_out(drop(h))


class MLP(_Baseline):
    """A ``num_layers``-deep perceptron on the node features alone (PyG ``models.MLP``)."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.5):
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout)
        self.net = pyg_models.MLP(in_channels=in_channels, hidden_channels=hidden, out_channels=out_channels, num_layers=num_layers, dropout=dropout, norm=None)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x, _ = self._graph(x, edge_index)
        return self.net(input_dropout(x, self.dropout, self.training))
