"""physgnn.segmentation: the graph Laplacian against a dense construction, the convex-splitting step's energy decrease
and box for every step size (and the explicit step's failure at the same step), MBO's binary output, the implicit
solves against a dense solve, and errors on bad input."""

import pytest
import torch

from physgnn.data import contextual_sbm, grid_graph
from physgnn.segmentation import DiffuseInterface, graph_laplacian

GRAPH = contextual_sbm(60, num_classes=2, homophily=0.8, avg_degree=5, num_features=1, seed=3)
EI, N = GRAPH.edge_index, GRAPH.num_nodes
F = torch.where(GRAPH.y == 1, 1.0, -1.0).double()
KNOWN = torch.zeros(N, dtype=torch.bool)
KNOWN[:6] = True


def problem(eps=0.7, omega=2.0):
    return DiffuseInterface(EI, N, KNOWN, F, eps=eps, omega=omega)


def test_graph_laplacian_is_degree_minus_adjacency():
    a = torch.zeros(N, N, dtype=torch.float64)
    a[EI[1], EI[0]] = 1.0
    assert torch.allclose(graph_laplacian(EI, N), torch.diag(a.sum(1)) - a)
    w = 1.0 + ((EI[0] * EI[1]) % 3).double()  # a symmetric function of the two ends: symmetric weights
    aw = torch.zeros(N, N, dtype=torch.float64)
    aw[EI[1], EI[0]] = w
    assert torch.allclose(graph_laplacian(EI, N, w), torch.diag(aw.sum(1)) - aw)


def test_gradient_is_the_autograd_gradient_of_the_energy():
    p = problem()
    u = torch.linspace(-0.9, 0.9, N, dtype=torch.float64).requires_grad_()
    lap = p.laplacian
    e = 0.5 * p.eps * u @ lap @ u + ((1 - u**2) ** 2 / 4).sum() / p.eps + 0.5 * p.omega * (p.mask * (u - p.f) ** 2).sum()
    (g,) = torch.autograd.grad(e, u)
    assert abs(e.item() - p.energy(u.detach())) < 1e-10
    assert torch.allclose(g, p.gradient(u.detach()), atol=1e-12)


@pytest.mark.parametrize("tau", [0.01, 1.0, 100.0, 1e6])
def test_convex_splitting_decreases_the_energy_and_keeps_the_box_for_any_step(tau):
    p = problem()
    u = torch.empty(N, dtype=torch.float64).uniform_(-1, 1, generator=torch.Generator().manual_seed(1))
    energies = [p.energy(u)]
    for _ in range(30):
        u = p.convex_splitting_step(u, tau)
        assert u.abs().max() <= 1 + 1e-12
        energies.append(p.energy(u))
    assert all(b <= a + 1e-10 for a, b in zip(energies, energies[1:]))


def test_the_splitting_constant_matters_and_the_explicit_step_fails_where_splitting_holds():
    p = problem()
    u0 = torch.empty(N, dtype=torch.float64).uniform_(-1, 1, generator=torch.Generator().manual_seed(2))
    u = u0.clone()
    for _ in range(20):
        u = p.explicit_step(u, 1.0)  # tau far above 2 / (eps * lambda_max)
    assert not torch.isfinite(u).all() or p.energy(u) > p.energy(u0)
    # chi = 0 (no stabilisation) at a large step leaves the box: the guarantee needs chi >= 2 / eps
    v = p.convex_splitting_step(torch.full((N,), 0.5, dtype=torch.float64), 1e3, chi=0.0)
    assert v.abs().max() > 1


def test_convex_splitting_step_solves_its_linear_system():
    p = problem()
    u = torch.linspace(-1, 1, N, dtype=torch.float64)
    tau, c = 0.3, 2 / p.eps
    lhs = torch.eye(N, dtype=torch.float64) * (1 / tau + c) + p.eps * p.laplacian + p.omega * torch.diag(p.mask)
    rhs = (1 / tau + c) * u - (u**3 - u) / p.eps + p.omega * p.mask * p.f
    assert torch.allclose(p.convex_splitting_step(u, tau), torch.linalg.solve(lhs, rhs), atol=1e-10)


def test_mbo_output_is_binary_and_diffusion_matches_a_dense_solve():
    p = problem()
    u = torch.linspace(-1, 1, N, dtype=torch.float64)
    out = p.mbo_step(u, 0.5, inner=4)
    assert set(out.unique().tolist()) <= {-1.0, 1.0}
    h = 0.5 / 4
    lhs = torch.eye(N, dtype=torch.float64) / h + p.laplacian + p.omega * torch.diag(p.mask)
    v = u.clone()
    for _ in range(4):
        v = torch.linalg.solve(lhs, v / h + p.omega * p.mask * p.f)
    assert torch.allclose(p.diffuse(u, 0.5, inner=4), v, atol=1e-10)
    assert torch.equal(out, torch.where(v >= 0, 1.0, -1.0).double())


def test_allen_cahn_segments_a_grid_with_two_labels():
    # a 10 x 10 grid, left half -1, right half +1, one known node on each side: the phases follow the labels
    g = grid_graph(10)
    col = torch.arange(100) % 10
    f = torch.where(col >= 5, 1.0, -1.0).double()
    known = torch.zeros(100, dtype=torch.bool)
    known[[42, 57]] = True
    p = DiffuseInterface(g.edge_index, 100, known, f, eps=1.0, omega=5.0)
    u = torch.where(known, f, torch.zeros(100, dtype=torch.float64))
    for _ in range(200):
        u = p.convex_splitting_step(u, 1.0)
    assert torch.sign(u).eq(f).all()  # every node on its side of the interface
    far = (col <= 2) | (col >= 7)
    assert u[far].abs().min() > 0.9  # away from the interface, near the wells


@pytest.mark.parametrize("call, match", [
    (lambda: DiffuseInterface(EI, N, KNOWN.long(), F), "known"),
    (lambda: DiffuseInterface(EI, N, KNOWN, 2 * F), "f"),
    (lambda: DiffuseInterface(EI, N, KNOWN, F[:-1]), "f must have shape"),
    (lambda: DiffuseInterface(EI, N, KNOWN, F, eps=0.0), "eps"),
    (lambda: DiffuseInterface(EI, N, KNOWN, F, omega=-1.0), "omega"),
    (lambda: problem().convex_splitting_step(F, 0.0), "tau"),
    (lambda: problem().convex_splitting_step(F, 1.0, chi=-1.0), "chi"),
    (lambda: problem().mbo_step(F[:-1], 1.0), "u must have shape"),
    (lambda: problem().diffuse(F, 1.0, inner=0), "inner"),
    (lambda: graph_laplacian(torch.tensor([[0], [1]]), 2), "undirected"),
    (lambda: graph_laplacian(EI, N, -torch.ones(EI.size(1))), "non-negative"),
])
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()
