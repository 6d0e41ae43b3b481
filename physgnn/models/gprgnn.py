r"""GPR-GNN (Chien et al., ICLR 2021): a learned polynomial filter of the normalised adjacency.

.. math::

    H = \mathrm{MLP}(X), \qquad Z = \sum_{k=0}^{K} \gamma_k\, \hat A^{k} H ,

with :math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}` and the weights :math:`\gamma_0, \dots, \gamma_K`
learned with the rest of the model. On an eigenvector of :math:`L = I - \hat A` with eigenvalue :math:`\lambda`
the propagation multiplies by the polynomial :math:`g(\lambda) = \sum_k \gamma_k (1 - \lambda)^k`
(:func:`physgnn.spectral.polynomial_response`): positive, decreasing :math:`\gamma_k` give a low-pass filter,
alternating signs a high-pass one, so training picks the filter the labels ask for.

The weights start as personalised PageRank, :math:`\gamma_k = a(1 - a)^k` and :math:`\gamma_K = (1 - a)^K`
(the paper's default initialisation, ``init_alpha`` = :math:`a`). PyG ships no GPR layer, so the propagation is
written here with PyG's ``gcn_norm`` and a sparse CSR product (the same operand as :class:`physgnn.models.GCN`).
Shapes: ``forward(x, edge_index)``: [N, F], [2, E] → logits [N, C].
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import models as pyg_models

from .. import _checks
from .._identity import TensorKey, matches
from .residual import gcn_operator

__all__ = ["GPRGNN"]


class GPRGNN(nn.Module):
    r"""GPR-GNN: a 2-layer MLP (width ``hidden``, ``dropout``), then :math:`Z = \sum_{k \le K} \gamma_k \hat A^k H`
    with learned :math:`\gamma` (``K`` hops, PageRank start with teleport ``init_alpha``). ``gamma`` is the
    parameter of shape [K + 1]. Shapes: [N, F], [2, E] → [N, C]."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, K: int = 10, dropout: float = 0.5,
                 init_alpha: float = 0.1):
        super().__init__()
        where = "GPRGNN"
        self.in_channels = _checks.positive_int(in_channels, "in_channels", where)
        _checks.positive_int(hidden, "hidden", where)
        _checks.positive_int(out_channels, "out_channels", where)
        self.K = _checks.positive_int(K, "K", where)
        self.dropout = _checks.dropout_rate(dropout, where)
        if isinstance(init_alpha, bool) or not isinstance(init_alpha, (int, float)) or not 0 < init_alpha < 1:
            raise ValueError(f"GPRGNN: init_alpha must be a number in (0, 1) (the PageRank teleport), got {init_alpha!r}")
        gamma = init_alpha * (1 - init_alpha) ** torch.arange(K + 1, dtype=torch.float32)
        gamma[-1] = (1 - init_alpha) ** K
        self.gamma = nn.Parameter(gamma)
        self.mlp = pyg_models.MLP([in_channels, hidden, out_channels], dropout=self.dropout, norm=None)
        self._key, self._adj = None, None

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = _checks.features(x, "GPRGNN")
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"GPRGNN: x must have shape [N, {self.in_channels}], got {tuple(x.shape)}")
        extra = (x.size(0), x.dtype)
        if not matches(self._key, edge_index, extra=extra):
            self._key, self._adj = None, None
            self._adj = gcn_operator(_checks.edges(edge_index, x.size(0), "GPRGNN"), x.size(0), dtype=x.dtype)
            self._key = TensorKey.of(edge_index, extra=extra)
        x = nn.functional.dropout(x, self.dropout, self.training)
        h = self.mlp(x)
        z = self.gamma[0] * h
        for k in range(1, self.K + 1):
            h = self._adj @ h
            z = z + self.gamma[k] * h
        return z
