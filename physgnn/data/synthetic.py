"""Synthetic graphs that need no files: a contextual SBM with a homophily knob, a grid, a ring.

They are the always-available default of the book: every experiment can run on them offline.
"""

from __future__ import annotations

import math

import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, to_undirected

__all__ = ["contextual_sbm", "grid_graph", "ring_graph", "random_split"]


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def random_split(num_nodes: int, train: float = 0.6, val: float = 0.2, *, generator=None):
    """Boolean masks (train, val, test), each [num_nodes], from one random permutation."""
    _check_int("num_nodes", num_nodes, 1)
    if not (0 < train < 1 and 0 <= val < 1 and train + val < 1):
        raise ValueError(f"random_split: need 0 < train, 0 <= val and train + val < 1; got train={train}, val={val}")
    perm = torch.randperm(num_nodes, generator=generator)
    n_tr, n_va = int(round(train * num_nodes)), int(round(val * num_nodes))
    masks = [torch.zeros(num_nodes, dtype=torch.bool) for _ in range(3)]
    masks[0][perm[:n_tr]] = True
    masks[1][perm[n_tr : n_tr + n_va]] = True
    masks[2][perm[n_tr + n_va :]] = True
    return tuple(masks)


def contextual_sbm(
    num_nodes: int = 1000,
    num_classes: int = 2,
    homophily: float = 0.5,
    avg_degree: float = 10.0,
    num_features: int = 16,
    feature_signal: float = 1.0,
    seed: int = 0,
) -> Data:
    """A contextual stochastic block model: an SBM graph with Gaussian features around class means.

    Classes are balanced. Edge probabilities are p_in within a class and p_out across classes, chosen so
    that the expected number of undirected edges is ``num_nodes * avg_degree / 2`` and the expected edge
    homophily (the fraction of edges that join nodes of the same class) is ``homophily``:

        p_in = h · E / P_in,   p_out = (1 − h) · E / P_out,

    with E the expected edge count and P_in, P_out the numbers of same-class and cross-class node pairs.
    Features are x_i = μ_{y_i} + ε_i with ε_i ~ N(0, I) and class means μ_c of norm ``feature_signal``
    (random directions), so ``feature_signal`` sets how much the features alone reveal.

    Returns:
        ``Data`` with ``x`` [N, num_features], ``y`` [N], undirected ``edge_index`` [2, E] (both
        directions, no self-loops), a 60/20/20 random split (``train_mask``, ``val_mask``, ``test_mask``),
        and ``name = "csbm"``, ``metric = "accuracy"``.
    """
    _check_int("num_nodes", num_nodes, 2)
    _check_int("num_classes", num_classes, 2)
    _check_int("num_features", num_features, 1)
    if not isinstance(homophily, (int, float)) or not 0.0 <= homophily <= 1.0:
        raise ValueError(f"contextual_sbm: homophily must be a number in [0, 1], got {homophily!r}")
    if not avg_degree > 0:
        raise ValueError(f"contextual_sbm: avg_degree must be > 0, got {avg_degree!r}")
    if num_nodes < 2 * num_classes:
        raise ValueError(f"contextual_sbm: need at least 2 nodes per class, got {num_nodes} nodes for {num_classes} classes")

    g = torch.Generator().manual_seed(seed)
    y = torch.arange(num_nodes) % num_classes
    y = y[torch.randperm(num_nodes, generator=g)]
    sizes = torch.bincount(y, minlength=num_classes).double()
    pairs_in = float((sizes * (sizes - 1) / 2).sum())
    pairs_out = num_nodes * (num_nodes - 1) / 2 - pairs_in
    expected_edges = num_nodes * avg_degree / 2
    p_in = homophily * expected_edges / pairs_in
    p_out = (1 - homophily) * expected_edges / pairs_out
    if p_in > 1 or p_out > 1:
        raise ValueError(
            f"contextual_sbm: avg_degree={avg_degree} with homophily={homophily} needs an edge probability "
            f"above 1 (p_in={p_in:.3f}, p_out={p_out:.3f}); lower avg_degree or raise num_nodes"
        )

    # Sample the upper triangle row block by row block: memory O(block * N), never N x N.
    prob = torch.full((num_classes, num_classes), p_out, dtype=torch.float64)
    prob.fill_diagonal_(p_in)
    rows, cols = [], []
    block = max(1, 2**20 // num_nodes)
    col_idx = torch.arange(num_nodes)
    for start in range(0, num_nodes, block):
        r = torch.arange(start, min(start + block, num_nodes))
        p = prob[y[r]][:, y]
        hit = torch.rand(p.shape, generator=g, dtype=torch.float64) < p
        hit &= col_idx.view(1, -1) > r.view(-1, 1)
        i, j = hit.nonzero(as_tuple=True)
        rows.append(r[i])
        cols.append(j)
    edge_index = torch.stack([torch.cat(rows), torch.cat(cols)])
    edge_index = to_undirected(edge_index, num_nodes=num_nodes)

    means = torch.randn(num_classes, num_features, generator=g)
    means = feature_signal * means / means.norm(dim=1, keepdim=True)
    x = means[y] + torch.randn(num_nodes, num_features, generator=g)
    train, val, test = random_split(num_nodes, generator=g)
    data = Data(x=x, y=y, edge_index=edge_index, train_mask=train, val_mask=val, test_mask=test)
    data.name, data.metric = "csbm", "accuracy"
    return data


def grid_graph(height: int, width: int | None = None) -> Data:
    """A 2-D lattice with 4-neighbour connectivity (the graph of the five-point discrete Laplacian).

    PyG's ``torch_geometric.utils.grid`` builds the 8-neighbour lattice with self-loops; the book's
    Allen–Cahn and heat-equation pictures need the plain 4-neighbour one, so it is built here.

    Returns:
        ``Data`` with ``edge_index`` [2, E] (both directions), ``pos`` [N, 2] (column, row) and
        ``num_nodes = height * width``; node ``r * width + c`` sits at row r, column c.
    """
    width = height if width is None else width
    _check_int("height", height, 1)
    _check_int("width", width, 1)
    idx = torch.arange(height * width).view(height, width)
    right = torch.stack([idx[:, :-1].reshape(-1), idx[:, 1:].reshape(-1)])
    down = torch.stack([idx[:-1, :].reshape(-1), idx[1:, :].reshape(-1)])
    edge_index = coalesce(to_undirected(torch.cat([right, down], 1), num_nodes=height * width))
    rr, cc = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    pos = torch.stack([cc.reshape(-1), rr.reshape(-1)], 1).float()
    data = Data(edge_index=edge_index, pos=pos, num_nodes=height * width)
    data.name = f"grid{height}x{width}"
    return data


def ring_graph(num_nodes: int) -> Data:
    """A cycle: node i is joined to i − 1 and i + 1 (mod N). ``pos`` places the nodes on the unit circle."""
    _check_int("num_nodes", num_nodes, 3)
    i = torch.arange(num_nodes)
    edge_index = coalesce(to_undirected(torch.stack([i, (i + 1) % num_nodes]), num_nodes=num_nodes))
    angle = 2 * math.pi * i.float() / num_nodes
    data = Data(edge_index=edge_index, pos=torch.stack([angle.cos(), angle.sin()], 1), num_nodes=num_nodes)
    data.name = f"ring{num_nodes}"
    return data
