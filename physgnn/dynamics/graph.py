"""A graph laid out once as a sparse CSR matrix, so each force evaluation is one sparse product.

Message passing over ``edge_index`` on a CPU gathers ``x[src]`` and scatter-adds into the targets, which is
slow (Squirrel: hundreds of ms per call). Sorting the edges by target once and multiplying by a CSR matrix
whose values are the per-edge coefficients does the same sum in one ``torch.sparse`` kernel (a few ms), and
autograd flows into the values (so β and attention weights stay differentiable).
"""

from __future__ import annotations

import warnings

import torch

from .. import _checks

__all__ = ["SparseGraph"]

warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")


class SparseGraph(torch.nn.Module):
    """The edges ``j → i`` of a graph, sorted by target ``i`` and stored as a CSR pattern.

    Args:
        edge_index: [2, E] integer edges, row 0 the source j, row 1 the target i (PyG convention).
        num_nodes: N.

    Attributes:
        perm: [E] the order that sorts the original edges by (target, source).
        crow, col: the CSR pattern (row = target, column = source).
        row: [E] the target of each sorted edge.
        in_degree: [N] number of incoming edges, self-loops excluded.

    It is an ``nn.Module`` holding these as buffers, so ``.to(device)`` on a model moves them too.
    """

    def __init__(self, edge_index: torch.Tensor, num_nodes: int):
        if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 1:
            raise ValueError(f"SparseGraph: num_nodes must be a positive integer, got {num_nodes!r}")
        edge_index = _checks.edges(edge_index, num_nodes, "SparseGraph")
        super().__init__()
        src, dst = edge_index
        self.num_nodes = num_nodes
        self.num_edges = edge_index.size(1)
        perm = torch.argsort(dst * num_nodes + src)
        counts = torch.bincount(dst, minlength=num_nodes)
        self.register_buffer("edge_index", edge_index, persistent=False)
        self.register_buffer("perm", perm, persistent=False)
        self.register_buffer("row", dst[perm], persistent=False)
        self.register_buffer("col", src[perm], persistent=False)
        self.register_buffer("crow", torch.cat([counts.new_zeros(1), counts.cumsum(0)]), persistent=False)
        self.register_buffer("in_degree", torch.bincount(dst[src != dst], minlength=num_nodes), persistent=False)

    def extra_repr(self) -> str:
        return f"num_nodes={self.num_nodes}, num_edges={self.num_edges}"

    def matrix(self, values: torch.Tensor) -> torch.Tensor:
        """The N×N CSR matrix M with M[i, j] = values[e] for edge e = (j → i); ``values`` in original edge order."""
        return torch.sparse_csr_tensor(
            self.crow, self.col, values[self.perm], (self.num_nodes, self.num_nodes), check_invariants=False
        )

    def propagate(self, values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Σ_j values_{j→i} · x_j for every i: [N, d]."""
        return self.matrix(values) @ x

    def row_sum(self, values: torch.Tensor) -> torch.Tensor:
        """Σ_j values_{j→i} for every i: [N]."""
        return values.new_zeros(self.num_nodes).index_add(0, self.edge_index[1], values)

    def with_diagonal(self) -> "SparseGraph":
        """The same graph plus one slot per node on the diagonal (appended after the E edges), so that an operator
        ``M − diag(m)`` is a single CSR matrix: ``matrix(torch.cat([edge_values, diagonal_values]))``."""
        loops = torch.arange(self.num_nodes, device=self.edge_index.device).repeat(2, 1)
        return SparseGraph(torch.cat([self.edge_index, loops], 1), self.num_nodes)
