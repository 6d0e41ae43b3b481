"""GRAFF (physgnn.dynamics.graff, physgnn.models.GRAFF): symmetry, gradient-flow structure against autograd and a
dense computation, energy decreasing along an accurate solve, attraction vs repulsion from W's spectrum, errors."""

import pytest
import torch
from torchdiffeq import odeint

from physgnn.data import contextual_sbm
from physgnn.dynamics import GRAFFField
from physgnn.models import GRAFF
from dense import gcn_adjacency


@pytest.fixture(scope="module")
def graph():
    return contextual_sbm(num_nodes=40, num_classes=2, homophily=0.3, avg_degree=4, num_features=5, seed=1)


def dense_a_hat(g):
    return gcn_adjacency(g.edge_index, g.num_nodes)


def field(g, channels=5, **kw):
    torch.manual_seed(0)
    return GRAFFField(g.edge_index, g.num_nodes, channels, **kw).double()


def test_weight_is_symmetric_whatever_the_free_matrix(graph):
    f = field(graph)
    with torch.no_grad():
        f.raw_weight.copy_(torch.randn(5, 5, dtype=torch.float64))  # not symmetric
    assert not torch.allclose(f.raw_weight, f.raw_weight.T)
    assert torch.equal(f.W, f.W.T)
    x = torch.randn(graph.num_nodes, 5, dtype=torch.float64)
    (f(0, x) ** 2).sum().backward()
    assert torch.allclose(f.raw_weight.grad, f.raw_weight.grad.T)  # training keeps the symmetric part only


@pytest.mark.parametrize("omega", ["diagonal", "weight"])
def test_field_is_minus_the_gradient_of_the_energy_and_matches_a_dense_formula(graph, omega):
    f = field(graph, omega=omega)
    with torch.no_grad():
        if f.omega_diag is not None:
            f.omega_diag.copy_(torch.linspace(-0.5, 0.7, 5))
    x = torch.randn(graph.num_nodes, 5, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(f.energy(x), x)
    assert torch.allclose(f(0, x), -grad, atol=1e-12)
    a = dense_a_hat(graph)
    dense = -x @ f.Omega + a @ x @ f.W
    assert torch.allclose(f(0, x), dense, atol=1e-12)


def test_tied_omega_energy_is_a_weighted_dirichlet_energy(graph):
    # Ω = W: 𝓔 = ½ tr(XᵀLXW) = ½ Σ_k w_k tr((Xφ_k)ᵀ L (Xφ_k))
    f = field(graph, omega="weight")
    x = torch.randn(graph.num_nodes, 5, dtype=torch.float64)
    lap = torch.eye(graph.num_nodes, dtype=torch.float64) - dense_a_hat(graph)
    w, phi = torch.linalg.eigh(f.W.detach())
    per_direction = torch.stack([(x @ phi[:, k]) @ lap @ (x @ phi[:, k]) for k in range(5)])
    assert torch.allclose(f.energy(x), 0.5 * (w * per_direction).sum(), atol=1e-12)


def test_energy_never_increases_along_the_flow(graph):
    f = field(graph, omega="diagonal")
    with torch.no_grad():
        f.omega_diag.copy_(torch.tensor([1.0, 0.5, 2.0, 0.8, 1.5]))
    x0 = torch.randn(graph.num_nodes, 5, dtype=torch.float64)
    ts = torch.linspace(0, 3, 61, dtype=torch.float64)
    with torch.no_grad():
        xs = odeint(f, x0, ts, method="rk4", options={"step_size": 0.01})
        e = torch.stack([f.energy(x) for x in xs])
    assert (e[1:] - e[:-1] <= 1e-10).all()
    assert e[-1] < e[0] - 1e-3  # and it really moves


def test_a_wrong_sign_check_rejects_the_ascent(graph):
    # the same check must fail for the flow run backwards (gradient ascent): the energy then rises
    f = field(graph, omega="weight")
    x0 = torch.randn(graph.num_nodes, 5, dtype=torch.float64)
    with torch.no_grad():
        xs = odeint(lambda t, x: -f(t, x), x0, torch.tensor([0.0, 0.5], dtype=torch.float64), method="rk4",
                    options={"step_size": 0.01})
    assert f.energy(xs[-1]) > f.energy(xs[0])


def test_negative_eigenvalue_of_w_sharpens_at_the_predicted_rate(graph):
    # Ω = W = diag(w): channel k follows dx/dt = −w_k L x; with w_k < 0 its top Laplacian mode grows at |w_k| λ_max
    w = torch.tensor([1.0, -0.5, 0.3, 0.2, 0.1], dtype=torch.float64)
    f = field(graph, omega="weight", weight=torch.diag(w))
    lap = torch.eye(graph.num_nodes, dtype=torch.float64) - dense_a_hat(graph)
    lam, u = torch.linalg.eigh(lap)
    x0 = u[:, -1:].repeat(1, 5)  # every channel starts on the top eigenvector
    with torch.no_grad():
        x1 = odeint(f, x0, torch.tensor([0.0, 1.0], dtype=torch.float64), method="rk4", options={"step_size": 1e-3})[-1]
    growth = x1.norm(dim=0) / x0.norm(dim=0)
    assert torch.allclose(growth, torch.exp(-w * lam[-1]), rtol=1e-8)
    assert growth[1] > 1 > growth[0]  # repulsion grows, attraction decays


def test_model_trains_one_step_and_is_euler_of_the_field(graph):
    torch.manual_seed(0)
    model = GRAFF(5, 8, 2, T=1.0, step_size=0.5, dropout_in=0.0).double().eval()
    x = graph.x.double()
    out = model(x, graph.edge_index)
    assert out.shape == (graph.num_nodes, 2)
    h = model.encoder(x)
    for _ in range(2):
        h = h + 0.5 * model.field(0, h)
    assert torch.allclose(out, model.decoder(torch.relu(h)), atol=1e-12)


def test_bad_input_raises_clear_errors(graph):
    with pytest.raises(ValueError, match="symmetric"):
        GRAFFField(graph.edge_index, graph.num_nodes, 2, weight=torch.tensor([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="omega"):
        GRAFFField(graph.edge_index, graph.num_nodes, 2, omega="full")
    with pytest.raises(ValueError, match=r"weight must be a \[3, 3\]"):
        GRAFFField(graph.edge_index, graph.num_nodes, 3, weight=torch.eye(2))
    with pytest.raises(ValueError, match="channels"):
        GRAFFField(graph.edge_index, graph.num_nodes, 0)
    f = field(graph)
    with pytest.raises(ValueError, match=r"x must have shape \[40, 5\]"):
        f(0, torch.zeros(40, 4, dtype=torch.float64))
