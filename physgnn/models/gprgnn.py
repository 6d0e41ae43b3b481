r"""GPR-GNN (Chien et al., ICLR 2021): a learned polynomial filter of the normalised adjacency.

.. math::

    H = \mathrm{MLP}(X), \qquad Z = \sum_{k=0}^{K} \theta_k\, \hat A^{k} H ,

with :math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}` and the weights :math:`\theta_0, \dots, \theta_K`
learned with the rest of the model (Chien et al. write them
:math:`\gamma_k`; the book keeps :math:`\gamma` for the spring constant of Chapter 9). On an eigenvector of :math:`L = I - \hat A` with eigenvalue :math:`\lambda`
the propagation multiplies by the polynomial :math:`r(\lambda) = \sum_k \theta_k (1 - \lambda)^k`
(:func:`physgnn.spectral.polynomial_response`): positive, decreasing :math:`\theta_k` give a low-pass filter,
alternating signs a high-pass one, so training picks the filter the labels ask for.

The weights start as personalised PageRank, :math:`\theta_k = a(1 - a)^k` and :math:`\theta_K = (1 - a)^K`
(the paper's default initialisation, ``teleport`` = :math:`a`). PyG ships no GPR layer, so the propagation is
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
    r"""GPR-GNN: a 2-layer MLP (width ``hidden``, ``dropout``), then :math:`Z = \sum_{k \le K} \theta_k \hat A^k H`
    with learned :math:`\theta` (``K`` hops, PageRank start with teleport ``teleport``). ``theta`` is the
    parameter of shape [K + 1]. Shapes: [N, F], [2, E] → [N, C]."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, K: int = 10, dropout: float = 0.5,
                 teleport: float = 0.1):
        super().__init__()
        where = "GPRGNN"
        self.in_channels = _checks.positive_int(in_channels, "in_channels", where)
        _checks.positive_int(hidden, "hidden", where)
        _checks.positive_int(out_channels, "out_channels", where)
        self.K = _checks.positive_int(K, "K", where)
        self.dropout = _checks.dropout_rate(dropout, where)
        if isinstance(teleport, bool) or not isinstance(teleport, (int, float)) or not 0 < teleport < 1:
            raise ValueError(f"GPRGNN: teleport must be a number in (0, 1) (the PageRank teleport), got {teleport!r}")
        theta = teleport * (1 - teleport) ** torch.arange(K + 1, dtype=torch.float32)
        theta[-1] = (1 - teleport) ** K
        self.theta = nn.Parameter(theta)
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
        z = self.theta[0] * h
        for k in range(1, self.K + 1):
            h = self._adj @ h
            z = z + self.theta[k] * h
        return z
