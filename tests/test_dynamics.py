"""The forces: agreement with a dense computation, gradients, and the physics each field must obey."""

from __future__ import annotations

import math

import pytest
import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import coalesce

from physgnn.data import contextual_sbm, grid_graph
from physgnn.dynamics import ACMPField, AllenCahn, AttractionRepulsion, Diffusion, acmp_rhs, coupling
from physgnn.energy import dirichlet_energy
from physgnn.models import GraphODE

F64 = torch.float64


def random_graph(n=9, p=0.35, seed=0, self_loops=True):
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, n, generator=g) < p).nonzero().T  # directed, may include i == i
    if not self_loops:
        a = a[:, a[0] != a[1]]
    return coalesce(a, num_nodes=n)


def dense_rhs(x, edge_index, w, alpha, beta, delta):
    """Independent reference: build M[i, j] = w_{j→i} − β on edges and sum over j with broadcasting."""
    n = x.size(0)
    m = torch.zeros(n, n, dtype=x.dtype)
    m[edge_index[1], edge_index[0]] = w - beta
    diff = x.unsqueeze(0) - x.unsqueeze(1)  # diff[i, j] = x_j − x_i
    return alpha * (m.unsqueeze(-1) * diff).sum(1) + delta * x * (1 - x**2)


@pytest.mark.parametrize("beta", [0.0, 0.3, 1.5])
@pytest.mark.parametrize("per_channel", [False, True])
def test_acmp_rhs_matches_dense(beta, per_channel):
    for seed in range(3):
        ei = random_graph(seed=seed)
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(9, 4, generator=g, dtype=F64)
        w = torch.rand(ei.size(1), generator=g, dtype=F64)
        alpha = torch.rand(4, generator=g, dtype=F64) + 0.1 if per_channel else 0.7
        delta = torch.rand(4, generator=g, dtype=F64) if per_channel else 1.3
        got = acmp_rhs(x, ei, w, alpha=alpha, beta=beta, delta=delta)
        assert torch.allclose(got, dense_rhs(x, ei, w, alpha, beta, delta), atol=1e-12)


def test_self_loops_contribute_nothing():
    ei = random_graph(self_loops=False)
    loops = torch.arange(9).repeat(2, 1)
    x = torch.randn(9, 3, dtype=F64)
    w = torch.rand(ei.size(1), dtype=F64)
    a = acmp_rhs(x, ei, w, alpha=1.0, beta=0.4, delta=0.5)
    b = acmp_rhs(x, torch.cat([ei, loops], 1), torch.cat([w, torch.full((9,), 5.0, dtype=F64)]), alpha=1.0, beta=0.4, delta=0.5)
    assert torch.allclose(a, b, atol=1e-12)


def test_acmp_rhs_gradcheck():
    ei = random_graph(n=6, p=0.5)
    x = torch.randn(6, 3, dtype=F64, requires_grad=True)
    w = torch.rand(ei.size(1), dtype=F64, requires_grad=True)
    alpha = torch.rand(3, dtype=F64, requires_grad=True)
    beta = torch.tensor(0.3, dtype=F64, requires_grad=True)
    delta = torch.rand(3, dtype=F64, requires_grad=True)
    f = lambda x, w, a, b, d: acmp_rhs(x, ei, w, alpha=a, beta=b, delta=d)  # noqa: E731
    assert torch.autograd.gradcheck(f, (x, w, alpha, beta, delta))


def test_sparse_product_values_and_features_gradients():
    """SparseGraph.propagate (CSR forward, sampled dense product for the edge-value gradient) against a dense
    matrix product, and gradcheck in both the edge values and the features, for 2-D and 1-D features."""
    from physgnn.dynamics.graph import SparseGraph

    ei = random_graph(n=7, p=0.45, seed=4)
    graph = SparseGraph(ei, 7)
    v = torch.rand(ei.size(1), dtype=F64, requires_grad=True)
    for shape in ((7, 3), (7,)):
        x = torch.randn(*shape, dtype=F64, requires_grad=True)
        dense = torch.zeros(7, 7, dtype=F64).index_put((ei[1], ei[0]), v, accumulate=True)
        assert torch.allclose(graph.propagate(v, x), dense @ x, atol=1e-12)
        with torch.no_grad():  # the plain product, without the autograd function
            assert torch.allclose(graph.propagate(v, x), dense @ x, atol=1e-12)
        assert torch.autograd.gradcheck(lambda v, x: graph.propagate(v, x), (v, x))


def test_field_equals_acmp_rhs_in_both_forms():
    data = contextual_sbm(120, seed=3)
    x = torch.randn(120, 5, dtype=F64)
    field = ACMPField(data.edge_index, 120, 5, beta=0.2, delta=0.7, alpha=0.9).double()
    w = coupling(data.edge_index, 120, "gcn").double()
    ref = acmp_rhs(x, data.edge_index, w, alpha=0.9, beta=0.2, delta=0.7)
    # the field stores α, β, δ as float32 parameters, so agreement is to float32 precision
    assert torch.allclose(field(0, x), ref, rtol=0, atol=1e-6)
    code = ACMPField(data.edge_index, 120, 5, beta=0.2, delta=0.7, alpha=0.9, form="code").double()
    # code form = paper form + (rowsum(w − β) − 1) · x  (the dropped degree term)
    rows = torch.zeros(120, dtype=F64).index_add_(0, data.edge_index[1], w - 0.2)
    assert torch.allclose(code(0, x), ref + 0.9 * (rows - 1).unsqueeze(1) * x, rtol=0, atol=1e-6)


def test_attention_weights_match_a_dense_masked_softmax_with_gradients():
    """The sampled-product attention against an independent dense computation: scores Q Kᵀ / √d on the N×N grid,
    −∞ off the edges, softmax along each row, read back per edge; and gradcheck in the queries and keys."""
    from physgnn.dynamics import attention_weights

    ei = random_graph(n=8, p=0.4, seed=5, self_loops=False)
    g = torch.Generator().manual_seed(5)
    q = torch.randn(8, 3, dtype=F64, generator=g, requires_grad=True)
    k = torch.randn(8, 3, dtype=F64, generator=g, requires_grad=True)
    src, dst = ei
    dense = torch.full((8, 8), -math.inf, dtype=F64)
    dense[dst, src] = 0.0
    dense = dense + (q @ k.t()) / math.sqrt(3)
    ref = torch.nan_to_num(torch.softmax(dense, dim=1))[dst, src]
    got = attention_weights(q, k, ei)
    assert torch.allclose(got, ref, atol=1e-12)
    assert torch.allclose(torch.zeros(8, dtype=F64).index_add_(0, dst, got)[torch.bincount(dst, minlength=8) > 0], torch.ones(1, dtype=F64))
    assert torch.autograd.gradcheck(lambda q, k: attention_weights(q, k, ei), (q, k))


def test_couplings():
    data = contextual_sbm(80, seed=1)
    ei, n = data.edge_index, 80
    ei_pyg, w_pyg = gcn_norm(ei, None, n, add_self_loops=True)
    keep = ei_pyg[0] != ei_pyg[1]
    ref = {(int(s), int(t)): float(v) for s, t, v in zip(*ei_pyg[:, keep], w_pyg[keep])}
    w = coupling(ei, n, "gcn")
    assert all(math.isclose(float(v), ref[(int(s), int(t))], rel_tol=1e-6) for s, t, v in zip(*ei, w))
    for kind, kwargs in (("rw", {}), ("attention", {"x": torch.randn(n, 4)})):
        w = coupling(ei, n, kind, **kwargs)
        rows = torch.zeros(n).index_add_(0, ei[1], w)
        has = torch.bincount(ei[1], minlength=n) > 0
        assert torch.allclose(rows[has], torch.ones(int(has.sum())), atol=1e-6)
    with pytest.raises(ValueError, match="needs node features"):
        coupling(ei, n, "attention")
    with pytest.raises(ValueError, match="allowed"):
        coupling(ei, n, "laplacian")


def solve(field, x0, T, step=0.05, points=11, method="rk4"):
    ode = GraphODE(field, T=T, method=method, step_size=step)
    return ode(x0, torch.linspace(0, T, points, dtype=x0.dtype))


def test_diffusion_conserves_sum_decays_energy_and_reaches_consensus():
    data = contextual_sbm(150, homophily=0.6, avg_degree=8, seed=2)
    ei = data.edge_index
    ones = torch.ones(ei.size(1), dtype=F64)
    field = Diffusion(ei, 150, 3, edge_weight=ones, alpha=0.5, learn_alpha=False).double()
    x0 = torch.randn(150, 3, dtype=F64)
    xs = solve(field, x0, T=40.0, points=81)
    sums = xs.sum(1)
    assert torch.allclose(sums, sums[0].expand_as(sums), atol=1e-9)  # mass conserved (symmetric weights)
    energy = torch.stack([dirichlet_energy(x, ei) for x in xs])
    assert (energy[1:] <= energy[:-1] * (1 + 1e-12)).all()  # never increases
    spread = (xs[-1] - xs[-1].mean(0)).abs().max()
    assert spread < 1e-6, spread  # consensus on a connected graph


def test_allen_cahn_alone_goes_to_the_wells():
    n = 200
    x0 = torch.rand(n, 2, dtype=F64) * 2 - 1
    x0[:5] = 0.0
    empty = torch.zeros(2, 0, dtype=torch.long)
    field = AllenCahn(empty, n, 2, delta=1.0, learn_delta=False).double()
    xs = solve(field, x0, T=40.0, step=0.1)
    assert xs.abs().max() <= 1.0 + 1e-12  # starting in [−1, 1], it stays there
    end = xs[-1]
    assert torch.equal(end[:5], torch.zeros(5, 2, dtype=F64))  # 0 is an (unstable) equilibrium
    big = x0.abs() > 0.01
    assert torch.allclose(end[big], x0.sign()[big], atol=1e-6)


def test_repulsion_alone_explodes():
    g = grid_graph(8)
    x0 = torch.randn(64, 2, dtype=F64) * 0.1
    field = AttractionRepulsion(g.edge_index, 64, 2, beta=1.0, learn_beta=False, alpha=1.0).double()  # gcn weights <= 1/3 < β
    xs = solve(field, x0, T=6.0, step=0.01, points=4)
    norms = xs.flatten(1).norm(dim=1)
    energy = torch.stack([dirichlet_energy(x, g.edge_index) for x in xs])
    assert (norms[1:] > 10 * norms[:-1]).all() and (energy[1:] > 100 * energy[:-1]).all()
    assert norms[-1] > 1e6 * norms[0]


def max_bound(alpha, beta, delta, max_degree, m0):
    """sup_t max_i |x_i(t)| for the paper form: at the node holding the largest |x|, attraction pulls inward and
    each repulsive edge pushes outward by at most β·2M, so dM/dt ≤ M(2αβ·d_max + δ − δM²) < 0 once
    M² > 1 + 2αβ·d_max/δ. Hence M(t) ≤ max(M(0), sqrt(1 + 2αβ·d_max/δ))."""
    return max(m0, math.sqrt(1 + 2 * alpha * beta * max_degree / delta))


@pytest.mark.parametrize("beta", [0.3, 1.0])
def test_double_well_bounds_repulsion_up_to_T100(beta):
    data = contextual_sbm(120, homophily=0.3, avg_degree=6, seed=4)
    ei = data.edge_index
    d_max = int(torch.bincount(ei[1]).max())
    alpha, delta = 0.5, 2.0
    field = ACMPField(ei, 120, 2, beta=beta, delta=delta, alpha=alpha, learn_alpha=False, learn_delta=False).double()
    x0 = torch.rand(120, 2, dtype=F64) * 2 - 1
    bound = max_bound(alpha, beta, delta, d_max, 1.0)
    step = 0.5 / (delta * 3 * bound**2 + 2 * alpha * d_max)  # well inside RK4's stability region
    xs = solve(field, x0, T=100.0, step=step, points=21)
    assert torch.isfinite(xs).all()
    assert xs.abs().max() <= bound + 1e-9
    e_bound = ei.size(1) * (2 * bound) ** 2 / 120
    assert max(float(dirichlet_energy(x, ei)) for x in xs) <= e_bound


def test_attraction_with_double_well_stays_in_unit_box():
    data = contextual_sbm(120, seed=5)
    field = ACMPField(data.edge_index, 120, 3, beta=0.0, delta=1.0, learn_delta=False).double()
    x0 = torch.rand(120, 3, dtype=F64) * 2 - 1
    xs = solve(field, x0, T=100.0, step=0.1, points=11)
    assert xs.abs().max() <= 1.0 + 1e-12


def test_acmp_keeps_energy_where_diffusion_loses_it():
    data = contextual_sbm(200, homophily=0.8, avg_degree=10, seed=6)
    ei = data.edge_index
    x0 = torch.randn(200, 4, dtype=F64) * 0.5
    e0 = float(dirichlet_energy(x0, ei))
    diff = solve(Diffusion(ei, 200, 4, alpha=1.0, learn_alpha=False).double(), x0, T=100.0, step=0.1, points=2)
    with torch.no_grad():  # β = 0 here would collapse to consensus at ±1 (energy 0): repulsion is what keeps it
        acmp = solve(ACMPField(ei, 200, 4, beta=0.15, delta=1.0, learn_beta=False, learn_delta=False).double(), x0, T=100.0, step=0.1, points=2)
    assert float(dirichlet_energy(diff[-1], ei)) < 1e-6 * e0
    assert float(dirichlet_energy(acmp[-1], ei)) > 0.5 * e0


@pytest.mark.parametrize("coupling_kind", ["gcn", "rw"])
def test_adjoint_matches_direct_gradients(coupling_kind):
    data = contextual_sbm(60, seed=7)

    def grads(adjoint):
        torch.manual_seed(0)
        field = ACMPField(data.edge_index, 60, 3, beta=0.2, delta=0.8, learn_beta=True, coupling=coupling_kind).double()
        ode = GraphODE(field, T=1.0, method="dopri5", adjoint=adjoint, rtol=1e-9, atol=1e-11)
        x0 = torch.randn(60, 3, dtype=F64, requires_grad=True)
        (ode(x0) ** 2).sum().backward()
        return [x0.grad] + [p.grad for p in field.parameters()]

    for a, b in zip(grads(False), grads(True)):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-7)


def test_fields_count_evaluations_and_reject_bad_shapes():
    g = grid_graph(4)
    f = Diffusion(g.edge_index, 16, 2)
    ode = GraphODE(f, T=1.0, method="rk4", step_size=0.25)
    ode(torch.randn(16, 2))
    assert ode.nfe == 16  # 4 steps × 4 stages
    with pytest.raises(ValueError, match=r"\[16, 2\]"):
        f(0, torch.randn(15, 2))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x, ei: acmp_rhs(x, ei, None, alpha=torch.ones(3)), r"alpha must be a scalar or have shape \[2\]"),
        (lambda x, ei: acmp_rhs(x, ei, None, beta=torch.ones(2)), "beta must be a scalar"),
        (lambda x, ei: acmp_rhs(x, ei + 100, None), r"\[0, 15\]"),
        (lambda x, ei: acmp_rhs(x.long(), ei, None), "floating point"),
        (lambda x, ei: acmp_rhs(x, ei, torch.ones(3)), "one weight per edge"),
        (lambda x, ei: GraphODE(Diffusion(ei, 16, 2), step_size=0.0), "step_size must be a positive"),
        (lambda x, ei: GraphODE(Diffusion(ei, 16, 2), step_size=-0.1), "step_size must be a positive"),
        (lambda x, ei: GraphODE(Diffusion(ei, 16, 2), T=0), "T must be a positive"),
        (lambda x, ei: GraphODE(Diffusion(ei, 16, 2), method="leapfrog"), "allowed: 'euler'"),
        (lambda x, ei: Diffusion(ei, 16, 2, coupling="cosine"), "allowed: 'gcn'"),
        (lambda x, ei: ACMPField(ei, 16, 2, form="physics"), "allowed: 'paper'"),
        (lambda x, ei: ACMPField(ei, 16, 2, delta=-1.0), "delta must be a positive"),
        (lambda x, ei: GraphODE(Diffusion(ei, 16, 2, coupling="attention"), adjoint=True), "adjoint=True is not supported"),
        (lambda x, ei: GraphODE(Diffusion(ei, 16, 2))(x, torch.tensor([0.0, 0.5, 0.2])), "increasing"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    g = grid_graph(4)
    with pytest.raises(ValueError, match=match):
        call(torch.randn(16, 2), g.edge_index)
