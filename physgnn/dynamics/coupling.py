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


def attention_weights(query: torch.Tensor, key: torch.Tensor, edge_index: torch.Tensor, graph=None) -> torch.Tensor:
    r"""Per-edge softmax over the incoming edges of each target: :math:`\mathrm{softmax}_j(q_i \cdot k_j / \sqrt{d})`.

    ``query``, ``key``: [N, d]; returns [E] in the order of ``edge_index``, differentiable in both. The scores
    :math:`q_i \cdot k_j` are a sampled dense product (:math:`QK^\top` at the edges only, ``torch.sparse.sampled_addmm``
    on the CSR pattern), which never forms the [E, d] gathers ``query[dst]`` and ``key[src]``: on Tolokers (a
    million edges) forward and backward take 0.2 s instead of 0.85 s. ``graph``: the
    :class:`~physgnn.dynamics.graph.SparseGraph` of ``edge_index`` if the caller has one (else it is built here).
    """
    from .graph import SparseGraph

    n = query.size(0)
    if graph is None:
        graph = SparseGraph(edge_index, n)
    with torch.sparse.check_sparse_tensor_invariants(enable=False):
        pattern = torch.sparse_csr_tensor(graph.crow, graph.col, query.new_zeros(graph.num_edges), (n, n))
        sorted_scores = torch.sparse.sampled_addmm(pattern, query, key.t(), beta=0.0).values()
    scores = sorted_scores.new_empty(graph.num_edges).index_copy(0, graph.perm, sorted_scores)  # back to edge order
    return softmax(scores / math.sqrt(query.size(-1)), edge_index[1], num_nodes=n)


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
