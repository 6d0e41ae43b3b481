"""physgnn.sensitivity: the autograd Jacobian norms against the dense (Â^L)_ij of a linear GCN, the bound of
Topping et al. for a ReLU GCN (and a violated variant it must reject), zero beyond L hops, hop distances against a
dense BFS, errors."""

import pytest
import torch
from torch_geometric.nn import GCNConv

from physgnn.data import contextual_sbm
from physgnn.sensitivity import hop_distance, jacobian_sensitivity
from dense import gcn_adjacency


@pytest.fixture(scope="module")
def graph():
    return contextual_sbm(num_nodes=30, num_classes=2, homophily=0.5, avg_degree=3, num_features=4, seed=2)


def a_hat(g):
    return gcn_adjacency(g.edge_index, g.num_nodes)


def gcn_stack(channels, depth, act):
    torch.manual_seed(0)
    convs = [GCNConv(channels, channels).double() for _ in range(depth)]

    def fn(x, ei):
        for conv in convs:
            x = act(conv(x, ei))
        return x

    return convs, fn


def test_linear_gcn_sensitivity_is_the_power_of_a_hat(graph):
    # W = I, no bias, no activation: ∂h_i/∂x_j = (Â^L)_ij I_F, so s_ij = (Â^L)_ij √F
    convs, fn = gcn_stack(4, 3, lambda z: z)
    with torch.no_grad():
        for c in convs:
            c.lin.weight.copy_(torch.eye(4))
            c.bias.zero_()
    x = torch.randn(graph.num_nodes, 4, dtype=torch.float64)
    s = jacobian_sensitivity(lambda z: fn(z, graph.edge_index), x, node=5)
    dense = torch.linalg.matrix_power(a_hat(graph), 3)[5] * 2.0
    assert torch.allclose(s, dense, atol=1e-12)


def test_relu_gcn_obeys_the_path_bound_and_is_blind_beyond_l_hops(graph):
    depth = 3
    convs, fn = gcn_stack(4, depth, torch.relu)
    x = torch.randn(graph.num_nodes, 4, dtype=torch.float64)
    hub = int(torch.bincount(graph.edge_index[1], minlength=graph.num_nodes).argmax())
    s = jacobian_sensitivity(lambda z: fn(z, graph.edge_index), x, node=hub)
    lip = torch.prod(torch.stack([torch.linalg.matrix_norm(c.lin.weight.detach(), ord=2) for c in convs]))
    bound = lip * 2.0 * torch.linalg.matrix_power(a_hat(graph), depth)[hub]
    assert (s <= bound + 1e-12).all()
    assert s.max() > 0.05 * bound.max()  # the bound is not vacuous here
    # a bound one hop short (Â^{L-1}) is violated: it does not account for the last layer's spread
    short = lip * 2.0 * torch.linalg.matrix_power(a_hat(graph), depth - 1)[hub]
    assert (s > short + 1e-12).any()
    dist = hop_distance(graph.edge_index, graph.num_nodes, hub)
    assert (s[(dist > depth) | (dist < 0)] == 0).all()


def test_hop_distance_matches_a_dense_breadth_first_search(graph):
    n = graph.num_nodes
    a = a_hat(graph) > 0
    reach, dist = torch.zeros(n, dtype=torch.bool), torch.full((n,), -1)
    reach[7], dist[7], k = True, 0, 0
    while True:
        k += 1
        new = (a[reach].any(0)) & ~reach
        if not new.any():
            break
        dist[new], reach = k, reach | new
    assert torch.equal(hop_distance(graph.edge_index, n, 7), dist)


def test_bad_input_raises_clear_errors(graph):
    x = torch.randn(graph.num_nodes, 4)
    with pytest.raises(ValueError, match="node must be an integer"):
        jacobian_sensitivity(lambda z: z, x, node=graph.num_nodes)
    with pytest.raises(ValueError, match="fn must return"):
        jacobian_sensitivity(lambda z: z.sum(1), x, node=0)
    with pytest.raises(ValueError, match="source must be"):
        hop_distance(graph.edge_index, graph.num_nodes, -1)
    with pytest.raises(ValueError, match="edge_index"):
        hop_distance(graph.edge_index.float(), graph.num_nodes, 0)
