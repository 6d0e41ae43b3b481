r"""Coupling weights :math:`a_{ij}`: how strongly node i is pulled towards its neighbour j.

Three kinds, all returned per edge in the order of ``edge_index`` (edge e is j → i):

* ``"gcn"``: the entries of :math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}`,
  :math:`a_{ij} = 1/\sqrt{\tilde d_i \tilde d_j}` with :math:`\tilde d = d + 1` (as PyG's ``GCNConv``);
* ``"rw"``: row-normalised (random walk), :math:`a_{ij} = 1/d_i`, so :math:`\sum_j a_{ij} = 1`;
* ``"attention"``: scaled dot-product attention on features,
  :math:`a_{ij} = \operatorname{softmax}_{j \in N(i)} \langle x_i, x_j\rangle / \sqrt{d}` (rows sum to 1).

Degrees count incoming edges without self-loops; a self-loop gets the same formula with j = i.
"""

from __future__ import annotations

import math

import torch
from torch_geometric.utils import softmax

from .. import _checks

__all__ = ["coupling", "COUPLINGS", "attention_weights"]

COUPLINGS = ("gcn", "rw", "attention")


def attention_weights(query: torch.Tensor, key: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    r"""Per-edge softmax over the incoming edges of each target: :math:`\mathrm{softmax}_j(q_i \cdot k_j / \sqrt{d})`.

    ``query``, ``key``: [N, d]; returns [E], differentiable in both.
    """
    src, dst = edge_index
    scores = (query[dst] * key[src]).sum(-1) / math.sqrt(query.size(-1))
    return softmax(scores, dst, num_nodes=query.size(0))


def coupling(edge_index: torch.Tensor, num_nodes: int, kind: str = "gcn", x: torch.Tensor | None = None) -> torch.Tensor:
    """Edge weights a_ij [E] for ``edge_index`` [2, E] (j → i). ``kind`` in ``"gcn"``, ``"rw"``, ``"attention"``.

    ``x`` [N, d] is required for (and only used by) ``"attention"``.
    """
    _checks.choice(kind, COUPLINGS, "coupling kind", "coupling")
    if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 1:
        raise ValueError(f"coupling: num_nodes must be a positive integer, got {num_nodes!r}")
    edge_index = _checks.edges(edge_index, num_nodes, "coupling")
    src, dst = edge_index
    if kind == "attention":
        if x is None:
            raise ValueError("coupling: kind='attention' needs node features x of shape [N, d]")
        x = _checks.features(x, "coupling")
        if x.size(0) != num_nodes or x.dim() != 2:
            raise ValueError(f"coupling: x must have shape [{num_nodes}, d], got {tuple(x.shape)}")
        return attention_weights(x, x, edge_index)
    if x is not None:
        raise ValueError(f"coupling: x is only used by kind='attention', not {kind!r}")
    deg = torch.bincount(dst[src != dst], minlength=num_nodes).double()
    if kind == "gcn":
        dinv = (deg + 1).rsqrt()
        return (dinv[src] * dinv[dst]).float()
    inv = torch.where(deg > 0, 1.0 / deg.clamp(min=1), torch.zeros_like(deg))
    return inv[dst].float()
