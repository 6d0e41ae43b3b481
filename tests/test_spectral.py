"""physgnn.spectral and physgnn.models.GPRGNN: filter responses against dense eigendecompositions and closed forms,
the code-form gain against an independent integration of the official field, and errors on bad input."""

import math

import pytest
import torch

from physgnn.data import contextual_sbm, ring_graph
from physgnn.dynamics import OfficialACMPField
from physgnn.models import GPRGNN, GraphODE
from physgnn.spectral import (code_form_gain, code_form_operator, frequency_profile, laplacian_spectrum,
                              normalized_laplacian, polynomial_response)
from dense import gcn_adjacency

GRAPH = contextual_sbm(40, num_classes=2, homophily=0.3, avg_degree=4, num_features=3, seed=1)
EI, N = GRAPH.edge_index, GRAPH.num_nodes


def dense_a_hat(ei, n):
    return gcn_adjacency(ei, n)


def test_laplacian_and_spectrum_match_a_dense_construction():
    lap = normalized_laplacian(EI, N)
    assert torch.allclose(lap, torch.eye(N, dtype=torch.float64) - dense_a_hat(EI, N), atol=1e-12)
    lam, U = laplacian_spectrum(EI, N)
    assert torch.allclose(U @ torch.diag(lam) @ U.T, lap, atol=1e-10)
    assert abs(lam[0]) < 1e-10 and lam[-1] < 2  # 0 = lambda_1 <= ... < 2 (self-loops keep it below 2)


def test_polynomial_response_is_the_eigenvalues_of_the_polynomial_matrix():
    lam, U = laplacian_spectrum(EI, N)
    theta = torch.tensor([0.5, -1.0, 0.25, 0.3], dtype=torch.float64)
    a = dense_a_hat(EI, N)
    matrix = sum(g * torch.linalg.matrix_power(a, k) for k, g in enumerate(theta))
    assert torch.allclose(torch.diag(U.T @ matrix @ U), polynomial_response(theta, lam), atol=1e-10)
    # two GCN propagations: (1 - lambda)^2, low-pass; alternating signs give a response that rises with lambda
    assert torch.allclose(polynomial_response([0, 0, 1.0], lam), (1 - lam) ** 2)
    high = polynomial_response([0.5, -0.5], lam)
    assert bool((high[1:] >= high[:-1] - 1e-12).all())


def test_frequency_profile_sums_to_one_and_gives_the_rayleigh_quotient():
    lam, U = laplacian_spectrum(EI, N)
    x = GRAPH.x.double()
    p = frequency_profile(x, U)
    assert abs(p.sum().item() - 1) < 1e-10 and (p >= 0).all()
    rayleigh = torch.trace(x.T @ normalized_laplacian(EI, N) @ x) / x.pow(2).sum()
    assert abs((p * lam).sum().item() - rayleigh.item()) < 1e-10
    assert torch.allclose(frequency_profile(U[:, 7], U), torch.eye(N, dtype=torch.float64)[7], atol=1e-10)


def test_code_form_gain_without_repulsion_is_the_heat_filter():
    lam, gain = code_form_gain(EI, N, 0.0, t=1.5, alpha=0.5)
    assert torch.allclose(gain, torch.exp(-0.75 * lam), atol=1e-10)


def test_code_form_gain_on_a_regular_graph_has_the_closed_form_and_tilts():
    ring = ring_graph(12)
    d = 2
    for beta in (0.1, 1 / 3, 0.5):
        lam, gain = code_form_gain(ring.edge_index, 12, beta, t=1.0)
        exact = torch.exp(-beta * (d + 1) - (1 - beta * (d + 1)) * lam)
        assert torch.allclose(gain, exact, atol=1e-10)
    _, below = code_form_gain(ring.edge_index, 12, 0.2)
    _, above = code_form_gain(ring.edge_index, 12, 0.5)
    assert below[-1] < below[0] and above[-1] > above[0]  # low-pass below 1/(d+1), high-pass above


def test_code_form_gain_agrees_with_integrating_the_official_field():
    beta, t = 0.3, 0.8
    lam, U = laplacian_spectrum(EI, N)
    _, gain = code_form_gain(EI, N, beta, t=t, spectrum=(lam, U))
    # independent path: the sparse official field (alpha = 0.5 fixed by its sigmoid), RK4, one channel per frequency
    field = OfficialACMPField(EI, N, N, beta=beta, alpha=0.5, delta=None).double()
    root = (torch.bincount(EI[1], minlength=N).double() + 1).sqrt()
    with torch.no_grad():
        x_t = GraphODE(field, T=2 * t, method="rk4", step_size=0.01)(root[:, None] * U)
    direct = ((U / root[:, None]) * x_t).sum(0)  # u_k^T D^-1/2 X(2t): alpha = 0.5 over 2t = time t at alpha 1
    assert torch.allclose(direct, gain, atol=1e-7)
    S = code_form_operator(EI, N, beta)
    assert torch.allclose(S, code_form_operator(EI, N, 0.0) - beta * torch.diag(root).inverse()
                          @ (dense_a_hat(EI, N) * root[:, None] * root[None, :]) @ torch.diag(root), atol=1e-12)


def test_repulsion_moves_the_gain_towards_high_frequencies():
    lam, U = laplacian_spectrum(EI, N)
    tilt = []
    for beta in (0.0, 0.1, 0.2, 0.3):
        _, g = code_form_gain(EI, N, beta, spectrum=(lam, U))
        tilt.append(g[lam > 1].mean() / g[lam < 0.5].mean())
    assert all(b > a for a, b in zip(tilt, tilt[1:]))


def test_gprgnn_is_its_polynomial_filter_on_the_mlp_output():
    torch.manual_seed(0)
    model = GPRGNN(3, 8, 2, K=4, dropout=0.0).double().eval()
    x = GRAPH.x.double()
    out = model(x, EI)
    h = model.mlp(x)
    a = dense_a_hat(EI, N)
    expected = sum(g * torch.linalg.matrix_power(a, k) @ h for k, g in enumerate(model.theta))
    assert torch.allclose(out, expected, atol=1e-10)
    out.square().sum().backward()
    assert model.theta.grad is not None and model.theta.grad.abs().sum() > 0
    assert abs(model.theta.detach().sum().item() - 1) < 1e-6  # PageRank start: the weights sum to 1


@pytest.mark.parametrize("call, match", [
    (lambda: polynomial_response([], torch.zeros(3)), "theta"),
    (lambda: polynomial_response([1.0], torch.tensor([0.0, 2.5])), "lam"),
    (lambda: frequency_profile(torch.zeros(N), torch.eye(N)), "zero"),
    (lambda: frequency_profile(torch.ones(N), torch.eye(N + 1)), "U"),
    (lambda: laplacian_spectrum(torch.tensor([[0], [1]]), 2), "undirected"),
    (lambda: code_form_operator(EI, N, float("nan")), "beta"),
    (lambda: code_form_gain(EI, N, 0.1, t=-1.0), "t"),
    (lambda: GPRGNN(3, 8, 2, teleport=1.5), "teleport"),
    (lambda: GPRGNN(3, 8, 2, K=0), "K"),
    (lambda: GPRGNN(3, 8, 2)(torch.ones(N, 4), EI), "shape"),
])
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_gain_is_finite_at_moderate_times():
    _, g = code_form_gain(EI, N, 0.2, t=2.0)
    assert torch.isfinite(g).all() and not math.isnan(g.sum().item())
