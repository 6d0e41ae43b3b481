r"""Residual baselines with layer normalisation, as Platonov et al. (2023) train them on heterophilous graphs.

Every model here has the same shape (Platonov et al., Section 4; their ``model.py``):

.. math::

    H^{(0)} = \mathrm{GELU}(\mathrm{drop}(X W_{\rm in} + b_{\rm in})),\qquad
    H^{(l+1)} = H^{(l)} + \mathrm{FFN}_l\big(\mathrm{agg}_l(\mathrm{LN}_l(H^{(l)}))\big),\qquad
    \text{logits} = \mathrm{LN}_{\rm out}(H^{(L)})\, W_{\rm out} + b_{\rm out},

a *pre-norm* residual block: the LayerNorm acts on the branch, the skip connection carries :math:`H^{(l)}` unchanged.
:math:`\mathrm{FFN}(z) = \mathrm{drop}(\mathrm{GELU}(\mathrm{drop}(z W_1 + b_1)) W_2 + b_2)` maps back to the width
``hidden``; its inner width is ``hidden`` times ``hidden_multiplier``. The aggregation :math:`\mathrm{agg}` is what
tells the models apart (:math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}`, :math:`D` the degrees):

* :class:`ResNet`: :math:`\mathrm{agg}(Z) = Z` (the graph ignored);
* :class:`ResGCN`: :math:`\mathrm{agg}(Z) = \hat A Z`; with ``separate=True`` the ego/neighbour-separated
  :math:`[Z \,\|\, D^{-1/2} A D^{-1/2} Z]` (no self-loops, the node's own row concatenated instead);
* :class:`ResSAGE`: :math:`\mathrm{agg}(Z) = [Z \,\|\, D^{-1} A Z]` (always separated: GraphSAGE's mean);
* :class:`ResGAT`: PyG's ``GATConv`` with ``heads`` heads of width ``hidden / heads``, concatenated; with
  ``separate=True``, :math:`[Z \,\|\, \mathrm{GAT}(Z)]` where the attention runs over the neighbours only.

Where this differs from Platonov et al.'s DGL code, on purpose: GAT's attention scores come from PyG's ``GATConv``
(each head scores its own slice of the transformed features; theirs scores the whole vector per head), and the
ego half of a separated block is the block's input :math:`Z` rather than :math:`Z` after the attention's linear
map (the FFN's first linear layer absorbs that map). Binary tasks use ``out_channels=1`` with a logistic loss,
as theirs do.

Two heterophily-specific models that PyG ships are wrapped with the same interface: :class:`LINKX` (Lim et al.,
2021; PyG ``models.LINKX``) and :class:`FAGCN` (Bo et al., 2021; PyG ``FAConv``).

Every model: ``Model(in_channels, hidden, out_channels, ...)``; ``forward(x, edge_index)``: [N, F], [2, E] →
logits [N, C]. ``edge_index`` is taken as given (PyG's [source; target] convention; symmetrise it for an
undirected graph, e.g. with ``torch_geometric.utils.to_undirected``).
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import FAConv, GATConv, models as pyg_models
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import degree, remove_self_loops, to_torch_csr_tensor

from .. import _checks
from .._identity import TensorKey, matches

__all__ = ["ResNet", "ResGCN", "ResSAGE", "ResGAT", "LINKX", "FAGCN", "FeedForward", "ResidualBlock"]


_positive_int = _checks.positive_int
_dropout = _checks.dropout_rate


def _csr(edge_index: torch.Tensor, weight: torch.Tensor, n: int) -> torch.Tensor:
    """The [N, N] CSR matrix with entry (target, source) = weight (rows aggregate incoming messages)."""
    with torch.sparse.check_sparse_tensor_invariants(enable=False):  # edge_index was checked already
        return to_torch_csr_tensor(edge_index.flip(0), weight, size=(n, n))


def gcn_operator(edge_index: torch.Tensor, n: int, *, self_loops: bool = True, dtype=torch.float32) -> torch.Tensor:
    r""":math:`\tilde D^{-1/2}(A + I)\tilde D^{-1/2}` (``self_loops=True``) or :math:`D^{-1/2} A D^{-1/2}` as a
    CSR matrix [N, N] (PyG's ``gcn_norm``); existing self-loops are dropped first. Isolated nodes get a zero row."""
    ei, _ = remove_self_loops(edge_index)
    ei, w = gcn_norm(ei, None, n, add_self_loops=self_loops, dtype=dtype)
    return _csr(ei, w, n)


def mean_operator(edge_index: torch.Tensor, n: int, *, dtype=torch.float32) -> torch.Tensor:
    r""":math:`D^{-1} A` as a CSR matrix [N, N]: row :math:`i` averages the sources of the edges into :math:`i`
    (self-loops dropped; a node without in-edges gets a zero row)."""
    ei, _ = remove_self_loops(edge_index)
    deg = degree(ei[1], n, dtype=dtype)
    return _csr(ei, deg.clamp(min=1).reciprocal()[ei[1]], n)


class FeedForward(nn.Module):
    r""":math:`\mathrm{drop}(\mathrm{GELU}(\mathrm{drop}(z W_1 + b_1)) W_2 + b_2)`: [N, in_multiplier·dim] → [N, dim],
    inner width ``int(dim * hidden_multiplier)``."""

    def __init__(self, dim: int, dropout: float, *, in_multiplier: int = 1, hidden_multiplier: float = 1.0):
        super().__init__()
        inner = int(dim * hidden_multiplier)
        if inner < 1:
            raise ValueError(f"FeedForward: hidden_multiplier must make the inner width >= 1, got {hidden_multiplier!r}")
        self.lin1 = nn.Linear(in_multiplier * dim, inner)
        self.lin2 = nn.Linear(inner, dim)
        self.dropout = dropout

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = nn.functional.gelu(nn.functional.dropout(self.lin1(z), self.dropout, self.training))
        return nn.functional.dropout(self.lin2(z), self.dropout, self.training)


class ResidualBlock(nn.Module):
    r"""One pre-norm block :math:`H + \mathrm{FFN}(\mathrm{agg}(\mathrm{LN}(H)))`: [N, dim] → [N, dim]. ``agg`` (given
    to ``forward``) maps [N, dim] to [N, dim], or to the concatenation [N, 2·dim] if ``separate``."""

    def __init__(self, dim: int, dropout: float, *, separate: bool, hidden_multiplier: float):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.ffn = FeedForward(dim, dropout, in_multiplier=2 if separate else 1, hidden_multiplier=hidden_multiplier)

    def forward(self, h: torch.Tensor, agg) -> torch.Tensor:
        return h + self.ffn(agg(self.norm(h)))


class _Residual(nn.Module):
    """The shared frame: input map, ``num_layers`` blocks, output LayerNorm and linear map; input checks and the
    graph operand (built once per graph; rebuilt for another ``edge_index`` object, an edit in place, another
    node count or dtype — see ``physgnn._identity``)."""

    separate = False

    def __init__(self, in_channels, hidden, out_channels, num_layers, dropout, hidden_multiplier):
        super().__init__()
        where = type(self).__name__
        self.in_channels = _positive_int(in_channels, "in_channels", where)
        _positive_int(hidden, "hidden", where)
        _positive_int(out_channels, "out_channels", where)
        self.num_layers = _positive_int(num_layers, "num_layers", where)
        self.dropout = _dropout(dropout, where)
        if isinstance(hidden_multiplier, bool) or not isinstance(hidden_multiplier, (int, float)) or not hidden_multiplier > 0:
            raise ValueError(f"{where}: hidden_multiplier must be a positive number, got {hidden_multiplier!r}")
        self.lin_in = nn.Linear(in_channels, hidden)
        self.blocks = nn.ModuleList(
            ResidualBlock(hidden, self.dropout, separate=self.separate, hidden_multiplier=hidden_multiplier)
            for _ in range(num_layers))
        self.norm_out = nn.LayerNorm(hidden)
        self.lin_out = nn.Linear(hidden, out_channels)
        self._key, self._operand = None, None

    def _build(self, edge_index: torch.Tensor, n: int, dtype):  # the graph operand the blocks use
        return edge_index

    def _aggregate(self, z, graph, layer: int):  # agg of block ``layer``
        raise NotImplementedError

    def _graph(self, x, edge_index):
        where = type(self).__name__
        x = _checks.features(x, where)
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"{where}: x must have shape [N, {self.in_channels}], got {tuple(x.shape)}")
        extra = (x.size(0), x.dtype)
        if not matches(self._key, edge_index, extra=extra):
            self._key, self._operand = None, None
            checked = _checks.edges(edge_index, x.size(0), where)
            self._operand = self._build(checked, x.size(0), x.dtype)
            self._key = TensorKey.of(edge_index, extra=extra)
        return x, self._operand

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x, graph = self._graph(x, edge_index)
        h = nn.functional.gelu(nn.functional.dropout(self.lin_in(x), self.dropout, self.training))
        for layer, block in enumerate(self.blocks):
            h = block(h, lambda z, layer=layer: self._aggregate(z, graph, layer))
        return self.lin_out(self.norm_out(h))


class ResNet(_Residual):
    """Residual perceptron on the features alone (``edge_index`` is checked, then ignored).

    Args: ``in_channels`` F, ``hidden`` width, ``out_channels`` C, ``num_layers`` residual blocks (>= 1),
    ``dropout`` in [0, 1), ``hidden_multiplier`` (FFN inner width / ``hidden``). Shapes: [N, F], [2, E] → [N, C].
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.2,
                 hidden_multiplier: float = 1.0):
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout, hidden_multiplier)

    def _aggregate(self, z, graph, layer):
        return z


class ResGCN(_Residual):
    r"""Residual GCN: :math:`\mathrm{agg}(Z) = \hat A Z`, or :math:`[Z \,\|\, D^{-1/2} A D^{-1/2} Z]` with
    ``separate=True``. Same arguments as :class:`ResNet`, plus ``separate``. Shapes: [N, F], [2, E] → [N, C]."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.2,
                 hidden_multiplier: float = 1.0, separate: bool = False):
        if not isinstance(separate, bool):
            raise ValueError(f"ResGCN: separate must be True or False, got {separate!r}")
        self.separate = separate
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout, hidden_multiplier)

    def _build(self, edge_index, n, dtype):
        return gcn_operator(edge_index, n, self_loops=not self.separate, dtype=dtype)

    def _aggregate(self, z, adj, layer):
        return torch.cat([z, adj @ z], dim=-1) if self.separate else adj @ z


class ResSAGE(_Residual):
    r"""Residual GraphSAGE: :math:`\mathrm{agg}(Z) = [Z \,\|\, D^{-1} A Z]` (own row and neighbour mean).
    Same arguments as :class:`ResNet`. Shapes: [N, F], [2, E] → [N, C]."""

    separate = True

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.2,
                 hidden_multiplier: float = 1.0):
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout, hidden_multiplier)

    def _build(self, edge_index, n, dtype):
        return mean_operator(edge_index, n, dtype=dtype)

    def _aggregate(self, z, adj, layer):
        return torch.cat([z, adj @ z], dim=-1)


class ResGAT(_Residual):
    r"""Residual GAT: :math:`\mathrm{agg}(Z) = \mathrm{GATConv}(Z)` (``heads`` heads of width ``hidden/heads``,
    concatenated, self-loops added), or :math:`[Z \,\|\, \mathrm{GATConv}(Z)]` over the neighbours only with
    ``separate=True``. ``hidden`` must be a multiple of ``heads``. Shapes: [N, F], [2, E] → [N, C]."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.2,
                 hidden_multiplier: float = 1.0, heads: int = 8, separate: bool = False):
        _positive_int(heads, "heads", "ResGAT")
        if isinstance(hidden, int) and hidden % heads:
            raise ValueError(f"ResGAT: hidden ({hidden}) must be a multiple of heads ({heads}); e.g. hidden={heads * max(1, hidden // heads)}")
        if not isinstance(separate, bool):
            raise ValueError(f"ResGAT: separate must be True or False, got {separate!r}")
        self.separate = separate
        super().__init__(in_channels, hidden, out_channels, num_layers, dropout, hidden_multiplier)
        self.convs = nn.ModuleList(GATConv(hidden, hidden // heads, heads=heads, add_self_loops=not separate)
                                   for _ in range(num_layers))

    def _build(self, edge_index, n, dtype):
        ei, _ = remove_self_loops(edge_index)
        return ei

    def _aggregate(self, z, ei, layer):
        msg = self.convs[layer](z, ei)
        return torch.cat([z, msg], dim=-1) if self.separate else msg


class LINKX(nn.Module):
    r"""LINKX (Lim et al., 2021) through PyG's ``models.LINKX``: an MLP of the adjacency row and an MLP of the features,
    combined and mixed by a final MLP. The adjacency MLP has one weight row per node, so ``num_nodes`` is fixed at
    construction and a graph of another size is rejected. Shapes: [N, F], [2, E] → [N, C]."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, *, num_nodes: int, num_layers: int = 1,
                 dropout: float = 0.5):
        super().__init__()
        for name, v in (("in_channels", in_channels), ("hidden", hidden), ("out_channels", out_channels),
                        ("num_nodes", num_nodes), ("num_layers", num_layers)):
            _positive_int(v, name, "LINKX")
        self.in_channels, self.num_nodes = in_channels, num_nodes
        self.net = pyg_models.LINKX(num_nodes, in_channels, hidden, out_channels, num_layers, dropout=_dropout(dropout, "LINKX"))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = _checks.features(x, "LINKX")
        if x.dim() != 2 or x.size(1) != self.in_channels or x.size(0) != self.num_nodes:
            raise ValueError(f"LINKX: x must have shape [{self.num_nodes}, {self.in_channels}] (num_nodes is fixed at "
                             f"construction), got {tuple(x.shape)}")
        return self.net(x, _checks.edges(edge_index, x.size(0), "LINKX"))


class FAGCN(nn.Module):
    r"""FAGCN (Bo et al., 2021) with PyG's ``FAConv``: :math:`H^{(0)} = \mathrm{ReLU}(X W_{\rm in})`, then
    ``num_layers`` times :math:`h_i \leftarrow \epsilon h^{(0)}_i + \sum_{j} \alpha_{ij} h_j / \sqrt{d_i d_j}` with
    signed attention :math:`\alpha_{ij} = \tanh(a^\top[h_i \| h_j]) \in (-1, 1)` (low- and high-pass at once);
    logits :math:`H W_{\rm out}`. ``eps`` is :math:`\epsilon`. Shapes: [N, F], [2, E] → [N, C]."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2, dropout: float = 0.5,
                 eps: float = 0.3):
        super().__init__()
        for name, v in (("in_channels", in_channels), ("hidden", hidden), ("out_channels", out_channels), ("num_layers", num_layers)):
            _positive_int(v, name, "FAGCN")
        self.in_channels = in_channels
        self.dropout = _dropout(dropout, "FAGCN")
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps <= 1:
            raise ValueError(f"FAGCN: eps must be a number in [0, 1], got {eps!r}")
        self.lin_in = nn.Linear(in_channels, hidden)
        self.convs = nn.ModuleList(FAConv(hidden, eps=float(eps), dropout=self.dropout) for _ in range(num_layers))
        self.lin_out = nn.Linear(hidden, out_channels)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = _checks.features(x, "FAGCN")
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"FAGCN: x must have shape [N, {self.in_channels}], got {tuple(x.shape)}")
        ei, _ = remove_self_loops(_checks.edges(edge_index, x.size(0), "FAGCN"))
        drop = lambda t: nn.functional.dropout(t, self.dropout, self.training)  # noqa: E731
        h = h0 = drop(torch.relu(self.lin_in(drop(x))))
        for conv in self.convs:
            h = conv(h, h0, ei)
        return self.lin_out(drop(h))
