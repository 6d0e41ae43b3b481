"""physgnn.dynamics.conservative: the wave system's spectrum on the imaginary axis, Euler's exact growth factor,
the symplectic steps' bounded energy (and reversibility of leapfrog), errors."""

import pytest
import torch

from physgnn.data import contextual_sbm
from physgnn.dynamics import hamiltonian, wave_jacobian, wave_step
from dense import gcn_adjacency


@pytest.fixture(scope="module")
def lap():
    g = contextual_sbm(num_nodes=40, num_classes=2, homophily=0.3, avg_degree=4, num_features=3, seed=3)
    n = g.num_nodes
    return torch.eye(n, dtype=torch.float64) - gcn_adjacency(g.edge_index, n)


def test_jacobian_eigenvalues_are_plus_minus_i_sqrt_lambda(lap):
    nu = torch.linalg.eigvals(wave_jacobian(lap))
    lam = torch.linalg.eigvalsh(lap).clamp(min=0)
    assert nu.real.abs().max() < 1e-6  # the kernel mode is a 2x2 Jordan block: its eigenvalue 0 is only ~1e-8 exact
    expected = torch.sort(torch.cat([lam.sqrt(), -lam.sqrt()])).values
    assert torch.allclose(torch.sort(nu.imag).values, expected, atol=1e-6)


def test_euler_multiplies_the_energy_of_a_mode_by_one_plus_tau2_lambda(lap):
    lam, u = torch.linalg.eigh(lap)
    x, y = u[:, -1:].clone(), torch.zeros(lap.size(0), 1, dtype=torch.float64)
    f = lambda z: lap @ z  # noqa: E731
    h0, tau = hamiltonian(x, y, f), 0.3
    for _ in range(10):
        x, y = wave_step(x, y, f, tau, "euler")
    assert torch.allclose(hamiltonian(x, y, f) / h0, (1 + tau**2 * lam[-1]) ** 10, rtol=1e-10)


@pytest.mark.parametrize("method", ["symplectic", "leapfrog"])
def test_symplectic_steps_keep_the_energy_bounded(lap, method):
    f = lambda z: lap @ z  # noqa: E731
    torch.manual_seed(0)
    x, y = torch.randn(lap.size(0), 2, dtype=torch.float64), torch.zeros(lap.size(0), 2, dtype=torch.float64)
    tau, h = 0.5, []
    for _ in range(2000):
        h.append(float(hamiltonian(x, y, f)))
        x, y = wave_step(x, y, f, tau, method)
    h = torch.tensor(h)
    # per mode the kept quantity is H ± (τ/2)·(cross term), |cross| <= √λ·H: H stays within (1 ± c), c = τ√λ_max/2
    c = tau * float(torch.linalg.eigvalsh(lap).max()) ** 0.5 / 2
    assert h.max() / h.min() < (1 + c) / (1 - c)
    assert abs(h[-200:].mean() / h[:200].mean() - 1) < 0.1  # no drift
    # the same run with Euler blows up: the check above must be able to fail
    xe, ye = torch.randn(lap.size(0), 2, dtype=torch.float64), torch.zeros(lap.size(0), 2, dtype=torch.float64)
    he0 = float(hamiltonian(xe, ye, f))
    for _ in range(200):
        xe, ye = wave_step(xe, ye, f, tau, "euler")
    assert float(hamiltonian(xe, ye, f)) / he0 > 10 * (1 + c) / (1 - c)


def test_leapfrog_is_time_reversible(lap):
    f = lambda z: lap @ z  # noqa: E731
    torch.manual_seed(1)
    x0, y0 = torch.randn(lap.size(0), 1, dtype=torch.float64), torch.randn(lap.size(0), 1, dtype=torch.float64)
    x, y = x0, y0
    for _ in range(50):
        x, y = wave_step(x, y, f, 0.4, "leapfrog")
    y = -y
    for _ in range(50):
        x, y = wave_step(x, y, f, 0.4, "leapfrog")
    assert torch.allclose(x, x0, atol=1e-10) and torch.allclose(-y, y0, atol=1e-10)


def test_bad_input_raises_clear_errors(lap):
    x = torch.zeros(lap.size(0), 1, dtype=torch.float64)
    f = lambda z: lap @ z  # noqa: E731
    with pytest.raises(ValueError, match="method"):
        wave_step(x, x, f, 0.1, "rk4")
    with pytest.raises(ValueError, match="tau"):
        wave_step(x, x, f, 0.0)
    with pytest.raises(ValueError, match="same shape"):
        wave_step(x, torch.zeros(3, 1), f, 0.1)
    with pytest.raises(ValueError, match="square"):
        wave_jacobian(torch.zeros(3, 2))
