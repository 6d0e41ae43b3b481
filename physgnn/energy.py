r"""Energies that measure how alike neighbours are, and the double-well potential.

Dirichlet energy (the notation page, eq. :eq:`dirichlet-energy`), two forms:

* unnormalised, the one ACMP and the oversmoothing survey plot:

  .. math:: E(X) = \frac{1}{N} \sum_i \sum_{j \in N(i)} w_{ij} \lVert x_i - x_j \rVert^2

  summed over the directed edges in ``edge_index`` (an undirected graph stores both directions, so each
  undirected edge counts twice), with :math:`w_{ij} = 1` when no weights are given;
* degree-normalised: :math:`E(X) = \operatorname{trace}(X^\top L X)` with
  :math:`L = I - \tilde D^{-1/2}(A + I)\tilde D^{-1/2}`, the Laplacian of the normalised adjacency that a
  GCN layer multiplies by.

Double well (Chapter 5, eq. :eq:`ch5-double-well`): :math:`W(x) = (1 - x^2)^2 / 4`, minima at ±1, a hump at 0;
its force is :math:`-W'(x) = x(1 - x^2)`.
"""

from __future__ import annotations

import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import homophily as _pyg_homophily

from . import _checks

__all__ = ["dirichlet_energy", "double_well", "double_well_force", "homophily", "adjusted_homophily"]


def dirichlet_energy(
    x: torch.Tensor,
    edge_index: torch.Tensor,
    edge_weight: torch.Tensor | None = None,
    normalized: bool = False,
) -> torch.Tensor:
    r"""Dirichlet energy of node features ``x`` on a graph: how much neighbours differ.

    Args:
        x: node features [N, d] (or [N] for one channel), floating point.
        edge_index: [2, E] integer edges ``j → i`` (PyG: row 0 source, row 1 target).
        edge_weight: optional [E] weights :math:`w_{ij}` (unnormalised form only).
        normalized: ``False`` for :math:`\frac1N\sum_i\sum_{j\in N(i)} w_{ij}\lVert x_i-x_j\rVert^2`,
            ``True`` for :math:`\operatorname{trace}(X^\top L X)`, :math:`L = I - \tilde D^{-1/2}(A+I)\tilde D^{-1/2}`.

    Returns:
        A 0-d tensor, differentiable in ``x`` (and ``edge_weight``).
    """
    x = _checks.features(x, "dirichlet_energy")
    if x.dim() == 1:
        x = x.unsqueeze(1)
    n = x.size(0)
    edge_index = _checks.edges(edge_index, n, "dirichlet_energy")
    edge_weight = _checks.edge_weights(edge_weight, edge_index.size(1), "dirichlet_energy")
    if not normalized:
        src, dst = edge_index
        sq = (x[dst] - x[src]).pow(2).sum(1)
        if edge_weight is not None:
            sq = sq * edge_weight
        return sq.sum() / n
    if edge_weight is not None:
        raise ValueError("dirichlet_energy: edge_weight is only used by the unnormalised form (normalized=False)")
    # trace(X^T L X) = ||X||_F^2 - <X, Â X> with Â = D̃^{-1/2}(A + I)D̃^{-1/2}
    ei, w = gcn_norm(edge_index, None, n, add_self_loops=True, dtype=x.dtype)
    ax = torch.zeros_like(x).index_add_(0, ei[1], x[ei[0]] * w.unsqueeze(1))
    return x.pow(2).sum() - (x * ax).sum()


def double_well(x: torch.Tensor) -> torch.Tensor:
    r"""The Allen–Cahn double-well potential :math:`W(x) = (1 - x^2)^2/4`, elementwise (any shape)."""
    _checks.floating(x, "double_well")
    return (1 - x * x).pow(2) / 4


def double_well_force(x: torch.Tensor) -> torch.Tensor:
    r"""The force of the double well, :math:`-W'(x) = x(1 - x^2)`, elementwise: pushes entries towards ±1."""
    _checks.floating(x, "double_well_force")
    return x * (1 - x * x)


def homophily(edge_index: torch.Tensor, y: torch.Tensor, method: str = "edge") -> float:
    """Homophily of labels ``y`` [N] on a graph, through PyG's ``torch_geometric.utils.homophily``.

    ``method``: ``"edge"`` (fraction of edges joining same-class nodes), ``"node"`` (mean over nodes of the
    fraction of same-class neighbours) or ``"edge_insensitive"`` (class-insensitive, Lim et al. 2021).
    """
    _checks.choice(method, ("edge", "node", "edge_insensitive"), "method", "homophily")
    if not isinstance(y, torch.Tensor) or y.dim() != 1 or y.is_floating_point():
        raise ValueError("homophily: y must be an integer label tensor of shape [N]")
    edge_index = _checks.edges(edge_index, y.numel(), "homophily")
    return float(_pyg_homophily(edge_index, y, method=method))


def adjusted_homophily(edge_index: torch.Tensor, y: torch.Tensor) -> float:
    r"""Edge homophily corrected for what degrees and class sizes give by chance (Platonov et al., "Characterizing graph datasets
    for node classification", NeurIPS 2023):

    .. math::

        h_{\text{adj}} = \frac{h_{\text{edge}} - \sum_k \bar p_k^2}{1 - \sum_k \bar p_k^2}, \qquad
        \bar p_k = \frac{D_k}{\sum_l D_l},\quad D_k = \sum_{i:\, y_i = k} d_i ,

    with :math:`d_i` the number of edges into node i. :math:`\sum_k \bar p_k^2` is the edge homophily expected
    when every edge end is drawn in proportion to degree (the configuration-model null), so
    :math:`h_{\text{adj}} = 0` means "as many same-class edges as chance gives", negative values mean edges prefer
    other classes, and 1 means every edge joins equal labels. Unlike the node-uniform level
    :math:`\sum_k p_k^2`, it is not fooled when one class has the high-degree nodes.

    ``edge_index`` [2, E] (an undirected graph lists both directions), ``y`` [N] integer labels. Raises
    ``ValueError`` for a graph without edges or with a single degree-weighted class (the measure is undefined).
    """
    if not isinstance(y, torch.Tensor) or y.dim() != 1 or y.is_floating_point() or y.numel() == 0:
        raise ValueError("adjusted_homophily: y must be a non-empty integer label tensor of shape [N]")
    if int(y.min()) < 0:
        raise ValueError(f"adjusted_homophily: labels must be non-negative class indices, found {int(y.min())}")
    edge_index = _checks.edges(edge_index, y.numel(), "adjusted_homophily")
    if edge_index.size(1) == 0:
        raise ValueError("adjusted_homophily: the graph has no edges")
    src, dst = edge_index
    h_edge = (y[src] == y[dst]).double().mean()
    degree = torch.bincount(dst, minlength=y.numel()).double()
    class_degree = degree.new_zeros(int(y.max()) + 1).index_add_(0, y, degree)   # on y's device
    null = ((class_degree / class_degree.sum()) ** 2).sum()
    if float(null) >= 1.0 - 1e-12:
        raise ValueError("adjusted_homophily: every edge ends in one class, so chance already gives h = 1; undefined")
    return float((h_edge - null) / (1 - null))

