"""physgnn.energy on hand-computed cases and against a dense computation."""

from __future__ import annotations

import pytest
import torch

from physgnn.energy import dirichlet_energy, double_well, double_well_force, homophily

PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # 0 - 1 - 2, both directions


def test_unnormalised_by_hand():
    x = torch.tensor([[0.0], [1.0], [3.0]])
    # edges 0-1 (diff 1) and 1-2 (diff 2), each counted in both directions: (1 + 1 + 4 + 4) / 3
    assert torch.isclose(dirichlet_energy(x, PATH), torch.tensor(10.0 / 3))
    w = torch.tensor([1.0, 1.0, 0.5, 0.5])
    assert torch.isclose(dirichlet_energy(x, PATH, w), torch.tensor(6.0 / 3))
    assert dirichlet_energy(torch.ones(3, 4), PATH) == 0


def test_normalised_matches_dense_laplacian():
    g = torch.Generator().manual_seed(0)
    n = 7
    a = (torch.rand(n, n, generator=g) < 0.4).double().triu(1)
    a = a + a.T
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    at = a + torch.eye(n, dtype=torch.float64)
    dinv = at.sum(1).rsqrt()
    lap = torch.eye(n, dtype=torch.float64) - dinv[:, None] * at * dinv[None, :]
    expected = torch.trace(x.T @ lap @ x)
    edge_index = a.nonzero().T
    assert torch.allclose(dirichlet_energy(x, edge_index, normalized=True), expected)
    # zero on D̃^{1/2}·constant (the kernel of L, whatever the components)
    kernel = at.sum(1).sqrt()[:, None].repeat(1, 2)
    assert dirichlet_energy(kernel, edge_index, normalized=True).abs() < 1e-10


def test_double_well_and_force():
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    w = double_well(x)
    assert w[20] == 0.25 and torch.allclose(double_well(torch.tensor([-1.0, 1.0])), torch.zeros(2))
    (grad,) = torch.autograd.grad(w.sum(), x)
    assert torch.allclose(double_well_force(x), -grad)


def test_homophily_by_hand():
    y = torch.tensor([0, 0, 1])
    assert homophily(PATH, y) == pytest.approx(0.5)  # 2 of 4 directed edges join equal labels
    with pytest.raises(ValueError, match="method"):
        homophily(PATH, y, method="global")


@pytest.mark.parametrize(
    "x, edge_index, match",
    [
        (torch.ones(3, 2, dtype=torch.long), PATH, "floating point"),
        (torch.ones(3, 2), PATH.float(), "integers"),
        (torch.ones(3, 2), PATH[0], r"\[2, E\]"),
        (torch.ones(2, 2), PATH, r"\[0, 1\]"),
        (torch.ones(3, 2, 2), PATH, "shape"),
        ([[1.0]], PATH, "torch.Tensor"),
    ],
)
def test_bad_input(x, edge_index, match):
    with pytest.raises(ValueError, match=match):
        dirichlet_energy(x, edge_index)


def test_bad_weights():
    with pytest.raises(ValueError, match=r"\[4\]"):
        dirichlet_energy(torch.ones(3, 1), PATH, torch.ones(3))
    with pytest.raises(ValueError, match="unnormalised"):
        dirichlet_energy(torch.ones(3, 1), PATH, torch.ones(4), normalized=True)


def test_adjusted_homophily_by_hand_and_its_fixed_points():
    from physgnn.energy import adjusted_homophily

    # a path 0-1-2-3 (both directions), labels 0 0 1 1: 4 of 6 directed edges join equal labels
    path = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    y = torch.tensor([0, 0, 1, 1])
    # degrees 1 2 2 1: each class holds degree 3 of 6, so chance gives 1/4 + 1/4 = 1/2
    assert adjusted_homophily(path, y) == pytest.approx((4 / 6 - 0.5) / 0.5)
    # every edge inside a class: 1; a complete bipartite graph across two balanced classes: -1
    two_cliques = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])
    assert adjusted_homophily(two_cliques, torch.tensor([0, 0, 1, 1])) == pytest.approx(1.0)
    bip = torch.tensor([[0, 0, 1, 1, 2, 3, 2, 3], [2, 3, 2, 3, 0, 0, 1, 1]])
    assert adjusted_homophily(bip, torch.tensor([0, 0, 1, 1])) == pytest.approx(-1.0)


def test_adjusted_homophily_sees_through_a_degree_imbalance():
    """A minority class of hubs: the node-uniform chance level says 'below chance', the degree-weighted one does not."""
    from physgnn.energy import adjusted_homophily

    hubs, leaves = range(5), range(5, 25)  # 5 hubs of class 1 in a clique, 20 leaves of class 0 in pairs
    und = [(a, b) for a in hubs for b in hubs if a < b] + [(5 + 2 * k, 6 + 2 * k) for k in range(10)]
    und += [(h, 5 + 2 * h) for h in hubs] + [(h, 6 + 2 * h) for h in hubs]  # each hub touches two leaves
    ei = torch.tensor([[a for a, b in und] + [b for a, b in und], [b for a, b in und] + [a for a, b in und]])
    y = torch.tensor([1] * len(hubs) + [0] * len(leaves))
    h_edge = homophily(ei, y)  # 20 of 30 edges inside a class
    assert h_edge == pytest.approx(2 / 3)
    assert h_edge < 0.2 ** 2 + 0.8 ** 2  # below the node-uniform level 0.68 ...
    # ... but each class holds half of all degree, so chance gives 1/2 and the adjusted measure is (2/3 - 1/2) / (1/2)
    assert adjusted_homophily(ei, y) == pytest.approx(1 / 3)


def test_adjusted_homophily_rejects_bad_input():
    from physgnn.energy import adjusted_homophily

    with pytest.raises(ValueError, match="no edges"):
        adjusted_homophily(torch.zeros(2, 0, dtype=torch.long), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="integer label"):
        adjusted_homophily(torch.tensor([[0], [1]]), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="undefined"):
        adjusted_homophily(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0, 0]))
    with pytest.raises(ValueError, match="non-negative"):
        adjusted_homophily(torch.tensor([[0, 1], [1, 0]]), torch.tensor([-1, 0]))
