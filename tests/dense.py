"""Independent dense references shared by the tests (never imported by physgnn)."""

import torch


def gcn_adjacency(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """Â = D̃^-1/2 (A + I) D̃^-1/2 as a dense float64 [N, N] matrix, with A[i, j] = 1 for an edge j -> i."""
    a = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    a[edge_index[1], edge_index[0]] = 1.0
    a = a + torch.eye(num_nodes, dtype=torch.float64)
    d = a.sum(1).rsqrt()
    return d[:, None] * a * d[None, :]
