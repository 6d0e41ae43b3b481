"""The official ACMP code's field and model, GRAND's normalised diffusion, checked against dense float64 formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from torch_geometric.utils import to_undirected

from physgnn.dynamics import ACMPField, NormalisedDiffusion, OfficialACMPField, normalised_adjacency
from physgnn.models import ACMP, OfficialACMP


def random_graph(n=30, e=90, seed=0, loops=3):
    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(0, n, (2, e), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    extra = torch.arange(loops).repeat(2, 1)  # a few nodes come with their own self-loop
    return torch.cat([ei, extra], 1)


def official_dense(ei, n, x, alpha, beta, delta):
    """The official formula written out with numpy loops: self-loops added (weight 1) where missing, degree counted
    at edge_index[1], the product summed at edge_index[0] (torch_sparse.spmm), β subtracted from every entry."""
    pairs = [tuple(p) for p in ei.t().tolist()]
    have = {s for s, r in pairs if s == r}
    pairs += [(i, i) for i in range(n) if i not in have]
    deg = np.zeros(n)
    for _, r in pairs:
        deg[r] += 1
    m = np.zeros((n, n))
    for s, r in pairs:
        m[s, r] += 1.0 / deg[r] - beta
    xn = x.numpy()
    return alpha * (m @ xn - xn) - delta * (xn * xn - 1) * xn


def test_official_field_equals_dense_formula():
    torch.manual_seed(0)
    n, d = 30, 4
    ei = random_graph(n)
    f = OfficialACMPField(ei, n, d, beta=0.3).double()
    with torch.no_grad():
        f._raw_alpha.copy_(torch.randn(d))
        f._raw_delta.copy_(torch.randn(d))
    x = torch.randn(n, d, dtype=torch.float64) * 1.5
    got = f(torch.tensor(0.0), x).detach().numpy()
    want = official_dense(ei, n, x, f.alpha.detach().numpy(), 0.3, f.delta.detach().numpy())
    assert np.abs(got - want).max() < 1e-12
    # the paper form on the same graph is a different field: the dense check above can fail
    paper = ACMPField(ei, n, d, beta=0.3, coupling="rw", form="paper").double()
    assert (paper(torch.tensor(0.0), x).detach().numpy() - want).__abs__().max() > 1e-2


def test_official_initial_values():
    f = OfficialACMPField(random_graph(), 30, 16)
    assert torch.allclose(f.alpha, torch.full((16,), 0.5))
    assert torch.allclose(f.delta, torch.full((16,), 1 / (1 + math.exp(10))))
    assert f.beta == 0.0 and f.couplings == "official"
    m = ACMP.official(7, 3)
    assert isinstance(m, OfficialACMP) and m.hidden == 16 and m.ode.T == 12.8
    assert m.ode.method == "rk4" and m.ode.step_size == 0.1 and m.tanh is False
    x = torch.randn(30, 7)
    h = m.eval().encode(x)
    assert torch.equal(h, m.encoder(x))  # linear encoder, no tanh
    assert m(x, random_graph()).shape == (30, 3)


def test_normalisation_direction_on_a_directed_triangle():
    # edges 0→1, 0→2, 1→2 (row 0 = edge_index[0]); with self-loops the counts at edge_index[1] are
    # node 0: 1 (its loop), node 1: 2 (0→1, loop), node 2: 3 (0→2, 1→2, loop).
    ei = torch.tensor([[0, 0, 1], [1, 2, 2]])
    f = OfficialACMPField(ei, 3, 1, beta=0.0)
    # the product sums at edge_index[0]: row s of Â holds 1/d̃_r for each edge (s, r)
    by_hand = torch.tensor([[1.0, 1 / 2, 1 / 3],
                            [0.0, 1 / 2, 1 / 3],
                            [0.0, 0.0, 1 / 3]], dtype=torch.float64)
    assert torch.allclose(f.matrix(), by_hand, atol=1e-15)
    assert torch.allclose(f.matrix().sum(0), torch.ones(3, dtype=torch.float64))  # column-stochastic
    assert not torch.allclose(f.matrix().sum(1), torch.ones(3, dtype=torch.float64))
    # β is subtracted on the self-loops too
    fb = OfficialACMPField(ei, 3, 1, beta=0.1)
    assert torch.allclose(fb.matrix(), by_hand - 0.1 * (by_hand != 0), atol=1e-15)
    # the book's couplings: row-stochastic 1/d_i on the edges j → i (i = edge_index[1]), no diagonal
    book = OfficialACMPField(ei, 3, 1, couplings="book").matrix()
    assert torch.allclose(book, torch.tensor([[0.0, 0, 0], [1, 0, 0], [1 / 2, 1 / 2, 0]], dtype=torch.float64))


def test_normalised_diffusion_is_alpha_a_hat_minus_identity():
    n, d = 30, 3
    ei = random_graph(n)
    ei = to_undirected(ei)  # undirected, no duplicate edges
    x = torch.randn(n, d, dtype=torch.float64)
    for norm in ("symmetric", "row", "column"):
        f = NormalisedDiffusion(ei, n, d, normalisation=norm, alpha=0.7, learn_alpha=False).double()
        a = f.matrix().numpy()
        got = f(torch.tensor(0.0), x).numpy()
        assert np.abs(got - 0.7 * (a @ x.numpy() - x.numpy())).max() < 1e-12
    # the symmetric one is D̃^{-1/2}(A + I)D̃^{-1/2} built densely, and its spectrum lies in [−2, 0]
    adj = np.zeros((n, n))
    for s, r in set(map(tuple, ei.t().tolist())):
        adj[r, s] = 1.0
    adj = np.maximum(adj, np.eye(n))
    dinv = 1 / np.sqrt(adj.sum(1))
    sym = NormalisedDiffusion(ei, n, 1).matrix().numpy()
    assert np.abs(sym - dinv[:, None] * adj * dinv[None, :]).max() < 1e-12
    lam = np.linalg.eigvalsh(sym - np.eye(n))
    assert lam.min() >= -2 - 1e-12 and lam.max() <= 1e-12


def test_gradients_reach_alpha_and_delta():
    m = OfficialACMP(5, 8, 2, T=0.5, step_size=0.1)
    out = m(torch.randn(12, 5), random_graph(12, 30))
    out.sum().backward()
    assert m.field._raw_alpha.grad is not None and m.field._raw_delta.grad.abs().sum() > 0


@pytest.mark.parametrize("make, message", [
    (lambda ei: OfficialACMPField(ei, 30, 2, alpha=1.0), "alpha is a sigmoid"),
    (lambda ei: OfficialACMPField(ei, 30, 2, delta=0.0), "delta is a sigmoid"),
    (lambda ei: OfficialACMPField(ei, 30, 2, beta="big"), "beta must be a finite number"),
    (lambda ei: OfficialACMPField(ei, 30, 2, couplings="gcn"), "allowed: 'official'"),
    (lambda ei: NormalisedDiffusion(ei, 30, 2, normalisation="sym"), "allowed: 'column'"),
    (lambda ei: normalised_adjacency(ei, 5), "edge_index"),
    (lambda ei: OfficialACMPField(ei, 30, 2)(0.0, torch.randn(30, 3)), "x must have shape"),
])
def test_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make(random_graph())
