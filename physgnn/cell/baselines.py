r"""GCN, GCNII and MLP with K members side by side (see :mod:`physgnn.cell.layers` for the layout).

Each stacked layer repeats, for every member at once, what the separate model's PyG layer computes:

* GCN (PyG ``models.GCN`` with ``GCNConv``): :math:`H_k \leftarrow \hat A (H_k W_k^\top) + b_k`, ReLU and dropout
  between layers, with :math:`\operatorname{diag}(\hat A, \dots, \hat A)` for :math:`\hat A`;
* GCNII (``GCN2Conv``, shared weights): :math:`H_k \leftarrow \mathrm{ReLU}\big(Z_k((1-\beta_l)I + \beta_l W_{k,l})\big)`,
  :math:`Z_k = (1-\alpha)\hat A\,\mathrm{drop}(H_k) + \alpha H_k^{(0)}`;
* MLP (PyG ``models.MLP``): linear, ReLU, dropout, ..., linear.

Member k's dropout masks come from ``generators[k]`` in the order the separate model draws them.
Shapes: ``forward(x, edge_index)``: x [N, F], edge_index [2, E] → logits [K, N, C].
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import spmm, to_torch_csr_tensor

from .. import _checks
from .._identity import TensorKey, matches
from ..models.baselines import GCN, GCNII, MLP
from .dropout import dropout
from .layers import InputLayer, check_features, linear, stack, union_edges

__all__ = ["StackedGCN", "StackedGCNII", "StackedMLP"]


def _params(tensors) -> nn.Parameter:
    return nn.Parameter(stack(tensors))


class _Stacked(nn.Module):
    def __init__(self, models, generators):
        super().__init__()
        self.members = len(models)
        self.generators = list(generators)
        self.in_channels = models[0].in_channels
        self.dropout = models[0].dropout
        self.input = InputLayer()
        self._adj_key, self._adj = None, None

    def keep(self, index: list[int]) -> None:
        """Keep the members at ``index`` (see :func:`physgnn.cell.fit._shrink`, which slices the parameters)."""
        self.members = len(index)
        self.generators = [self.generators[i] for i in index]
        self._adj_key, self._adj = None, None
        self.input = InputLayer()

    def _block_adjacency(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """diag(Â, ..., Â) as a CSR matrix [K·N, K·N] (row = target), built once per graph."""
        n = x.size(0)
        extra = (n, edge_index.device if isinstance(edge_index, torch.Tensor) else None, x.dtype)
        if not matches(self._adj_key, edge_index, extra=extra):
            union = union_edges(_checks.edges(edge_index, n, type(self).__name__), n, self.members)
            size = n * self.members
            ei, w = gcn_norm(union, None, size, add_self_loops=True, dtype=x.dtype)
            with torch.sparse.check_sparse_tensor_invariants(enable=False):
                self._adj = to_torch_csr_tensor(ei.flip(0), w, size=(size, size))
            self._adj_key = TensorKey.of(edge_index, extra=extra)
        return self._adj

    def _propagate(self, adj: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        k, n, d = h.shape
        return spmm(adj, h.reshape(k * n, d), reduce="sum").view(k, n, d)


class StackedGCN(_Stacked):
    """K copies of one :class:`~physgnn.models.GCN` configuration (no PairNorm)."""

    def __init__(self, models, generators):
        super().__init__(models, generators)
        first = models[0].net
        if first.norms is not None and any(not isinstance(norm, nn.Identity) for norm in first.norms):
            raise ValueError("fit_cell: GCN with pairnorm=True is not supported; use pairnorm=False or train with physgnn.train.fit")
        self.num_layers = first.num_layers
        self.p_hidden = first.dropout.p
        self.input_weight = _params([m.net.convs[0].lin.weight.t() for m in models])  # [K, F, d], see InputLayer
        self.weights = nn.ParameterList(_params([m.net.convs[i].lin.weight for m in models]) for i in range(1, self.num_layers))
        self.biases = nn.ParameterList(_params([m.net.convs[i].bias for m in models]) for i in range(self.num_layers))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = check_features(x, self.in_channels, type(self).__name__)
        adj = self._block_adjacency(x, edge_index)
        h = self.input(x, self.input_weight, None, self.dropout, self.training, self.generators)
        for i in range(self.num_layers):
            if i > 0:
                h = linear(h, self.weights[i - 1], None)
            h = self._propagate(adj, h) + self.biases[i].unsqueeze(1)
            if i < self.num_layers - 1:
                h = dropout(torch.relu(h), self.p_hidden, self.training, self.generators)
        return h


class StackedGCNII(_Stacked):
    """K copies of one :class:`~physgnn.models.GCNII` configuration."""

    def __init__(self, models, generators):
        super().__init__(models, generators)
        first = models[0]
        self.lin_in_weight = _params([m.lin_in.weight.t() for m in models])
        self.lin_in_bias = _params([m.lin_in.bias for m in models])
        self.conv_weights = nn.ParameterList(_params([m.convs[i].weight1 for m in models]) for i in range(len(first.convs)))
        self.alphas = [conv.alpha for conv in first.convs]
        self.betas = [conv.beta for conv in first.convs]
        self.lin_out_weight = _params([m.lin_out.weight for m in models])
        self.lin_out_bias = _params([m.lin_out.bias for m in models])

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = check_features(x, self.in_channels, type(self).__name__)
        adj = self._block_adjacency(x, edge_index)
        drop = lambda t: dropout(t, self.dropout, self.training, self.generators)  # noqa: E731
        h = h0 = torch.relu(self.input(x, self.lin_in_weight, self.lin_in_bias, self.dropout, self.training, self.generators))
        for weight, alpha, beta in zip(self.conv_weights, self.alphas, self.betas):
            z = self._propagate(adj, drop(h)).mul_(1 - alpha).add_(alpha * h0)
            h = torch.relu(torch.baddbmm(z, z, weight, beta=1.0 - beta, alpha=beta))
        return linear(drop(h), self.lin_out_weight, self.lin_out_bias)


class StackedMLP(_Stacked):
    """K copies of one :class:`~physgnn.models.MLP` configuration."""

    def __init__(self, models, generators):
        super().__init__(models, generators)
        first = models[0].net
        if any(not isinstance(norm, nn.Identity) for norm in first.norms):
            raise ValueError("fit_cell: MLP with a normalisation layer is not supported; train it with physgnn.train.fit")
        self.p_layers = list(first.dropout)
        self.input_weight = _params([m.net.lins[0].weight.t() for m in models])  # [K, F, d], see InputLayer
        self.weights = nn.ParameterList(_params([m.net.lins[i].weight for m in models]) for i in range(1, len(first.lins)))
        self.biases = nn.ParameterList(_params([m.net.lins[i].bias for m in models]) for i in range(len(first.lins)))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = check_features(x, self.in_channels, "StackedMLP")
        h = self.input(x, self.input_weight, self.biases[0], self.dropout, self.training, self.generators)
        last = len(self.biases) - 1
        for i in range(last + 1):
            if i > 0:
                h = linear(h, self.weights[i - 1], self.biases[i])
            if i < last:
                h = torch.relu(h)
            h = dropout(h, self.p_layers[i], self.training, self.generators)
        return h


STACKED = {GCN: StackedGCN, GCNII: StackedGCNII, MLP: StackedMLP}
