r"""Over-squashing, measured: how much a node's output can feel each input node (Topping et al., ICLR 2022;
Di Giovanni et al., ICML 2023).

The **sensitivity** of node i's output after L layers to node j's input features is the norm of the Jacobian
block

.. math::  s_{ij} = \Bigl\lVert \frac{\partial h_i^{(L)}}{\partial x_j} \Bigr\rVert_F ,

computed here exactly with autograd (:func:`jacobian_sensitivity`: one backward pass per output channel of node
i). For a GCN :math:`h^{(\ell)} = \sigma(\hat A h^{(\ell-1)} W_\ell)` with :math:`|\sigma'| \le 1` (ReLU, tanh)
every path from j to i multiplies entries of :math:`\hat A \ge 0` and weight matrices, so

.. math::  s_{ij} \le \Bigl(\prod_{\ell=1}^{L} \lVert W_\ell \rVert_2\Bigr)\, \sqrt{F_0}\, (\hat A^L)_{ij}

(:math:`F_0` the input width; the Frobenius norm of an :math:`F_L \times F_0` block is at most
:math:`\sqrt{F_0}` times its spectral norm), the bound of Topping et al.: the graph enters only through
:math:`(\hat A^L)_{ij}`, zero beyond L hops (:func:`hop_distance`) and small where many paths share a bottleneck.

Shapes: ``x`` [N, F]; returns [N].
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch_geometric.utils import to_scipy_sparse_matrix

from . import _checks

__all__ = ["jacobian_sensitivity", "hop_distance"]


def jacobian_sensitivity(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, node: int) -> torch.Tensor:
    r""":math:`s_{ij} = \lVert \partial h_i / \partial x_j \rVert_F` for every j, with :math:`h = \mathrm{fn}(x)`
    and i = ``node``.

    Args:
        fn: maps features [N, F] to outputs [N, F'] (a model with its graph bound, e.g.
            ``lambda x: model(x, edge_index)``); it must be differentiable and must not mix nodes across a batch.
        x: input features [N, F], floating point.
        node: the node i whose output is differentiated.

    Returns:
        [N], the Frobenius norm of the Jacobian block of every input node j (0 for nodes i cannot see).
    """
    x = _checks.features(x, "jacobian_sensitivity")
    if x.dim() != 2:
        raise ValueError(f"jacobian_sensitivity: x must have shape [N, F], got {tuple(x.shape)}")
    n = x.size(0)
    if isinstance(node, bool) or not isinstance(node, int) or not 0 <= node < n:
        raise ValueError(f"jacobian_sensitivity: node must be an integer in [0, {n - 1}], got {node!r}")
    x = x.detach().requires_grad_(True)
    out = fn(x)
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.size(0) != n:
        raise ValueError(f"jacobian_sensitivity: fn must return [N, F'] with N = {n}, got "
                         f"{tuple(getattr(out, 'shape', ())) or type(out).__name__}")
    squares = torch.zeros(n, dtype=x.dtype, device=x.device)
    for c in range(out.size(1)):
        (g,) = torch.autograd.grad(out[node, c], x, retain_graph=c + 1 < out.size(1), allow_unused=True)
        if g is not None:
            squares += (g.detach() ** 2).sum(1)
    return squares.sqrt()


def hop_distance(edge_index: torch.Tensor, num_nodes: int, source: int) -> torch.Tensor:
    """Shortest-path length in hops from ``source`` to every node along the edges (as undirected), by
    breadth-first search (SciPy's ``csgraph``); -1 for nodes in another component. Returns [N] (long)."""
    from scipy.sparse.csgraph import shortest_path

    edge_index = _checks.edges(edge_index, num_nodes, "hop_distance")
    if isinstance(source, bool) or not isinstance(source, int) or not 0 <= source < num_nodes:
        raise ValueError(f"hop_distance: source must be an integer in [0, {num_nodes - 1}], got {source!r}")
    adj = to_scipy_sparse_matrix(edge_index.cpu(), num_nodes=num_nodes).tocsr()
    dist = shortest_path(adj, directed=False, unweighted=True, indices=source)
    dist[~torch.isfinite(torch.from_numpy(dist)).numpy()] = -1
    return torch.from_numpy(dist).long()
