"""Every cached path serves the tensor it is given: new tensors that land at a freed one's address, tensors that
share a storage, and edits in place all get fresh derived data (sparse features, normalised adjacency, bound
graph), checked against a model that has never cached anything."""

from __future__ import annotations

import pytest
import torch

from physgnn.models import ACMP, GAT, GCN, GCNII, GRAND, MLP
from physgnn.models.dropout import input_dropout

N, F, C = 120, 8, 3
MODELS = {
    "GCN": lambda: GCN(F, 16, C),
    "GCNII": lambda: GCNII(F, 16, C, num_layers=4),
    "GAT": lambda: GAT(F, 8, C, heads=2),
    "MLP": lambda: MLP(F, 16, C),
    "ACMP": lambda: ACMP(F, 16, C, T=0.3),
    "ACMP-attention": lambda: ACMP(F, 16, C, coupling="attention", T=0.3),
    "GRAND": lambda: GRAND(F, 16, C, T=0.3),
}


def _edges(seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, N, (2, 4 * N), generator=g)


def _fresh(name, model, x, ei):
    """The output of a new model of the same kind with the same weights, which has never cached anything."""
    clone = MODELS[name]().eval()
    clone.load_state_dict(model.state_dict())
    return clone(x, ei.clone())


@pytest.mark.parametrize("name", MODELS)
def test_new_graphs_built_in_a_loop_are_never_served_an_old_one(name):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    x = torch.randn(N, F)
    for seed in range(6):
        ei = _edges(seed)  # the previous graph is freed: its address is free for this one
        assert torch.allclose(model(x, ei), _fresh(name, model, x, ei), atol=1e-6), f"{name}: stale graph at seed {seed}"
        del ei


@pytest.mark.parametrize("name", MODELS)
def test_an_edge_index_edited_in_place_is_rebound(name):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    x = torch.randn(N, F)
    ei = _edges(0)
    before = model(x, ei)
    ei[0] = ei[0][torch.randperm(ei.size(1))]  # rewire in place: same object, same address
    after = model(x, ei)
    if name != "MLP":  # the MLP ignores the graph
        assert not torch.allclose(before, after), f"{name}: the in-place edit was ignored"
    assert torch.allclose(after, _fresh(name, model, x, ei), atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_a_new_graph_in_the_same_storage_is_rebound(name):
    """The worst case of address reuse, made deterministic: a new tensor object on the very storage of the old one."""
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    x = torch.randn(N, F)
    old = _edges(0)
    model(x, old)
    storage, shape = old.untyped_storage(), old.shape
    del old
    new = torch.empty(0, dtype=torch.long).set_(storage, 0, shape)
    new.copy_(_edges(1))
    assert torch.allclose(model(x, new), _fresh(name, model, x, new), atol=1e-6)


def _sparse_features(scale: float, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(600, 400, generator=g) < 0.02).float() * scale  # 240,000 entries, 2 % non-zero: CSR path


def test_sparse_input_dropout_serves_each_new_feature_matrix():
    for i in range(1, 9):
        x = _sparse_features(float(i), i)  # built in a helper and freed each round, as in a feature-scaling sweep
        out = input_dropout(x, 0.5, training=False)
        assert out.layout == torch.sparse_csr
        assert torch.equal(out.to_dense(), x), f"round {i}: the previous features were served"
        del x, out


def test_sparse_input_dropout_sees_edits_in_place_and_shared_storage():
    x = _sparse_features(1.0, 0)
    input_dropout(x, 0.5, training=False)
    x.mul_(3.0)
    assert torch.equal(input_dropout(x, 0.5, training=False).to_dense(), x)
    storage, shape = x.untyped_storage(), x.shape
    del x
    y = torch.empty(0).set_(storage, 0, shape)
    y.copy_(_sparse_features(7.0, 1))
    assert torch.equal(input_dropout(y, 0.5, training=False).to_dense(), y)


def test_gcn_on_scaled_features_built_in_a_loop_matches_the_dense_path():
    """The sweep that exposed the bug (x·1, x·100, ... built in a helper): each model's output equals the
    uncached dense path (features that require grad skip the CSR cache)."""
    ei = torch.randint(0, 600, (2, 2400), generator=torch.Generator().manual_seed(1))
    for i, s in enumerate((1.0, 100.0, 0.01, 10.0)):
        torch.manual_seed(0)
        model = GCN(400, 16, C).eval()
        x = _sparse_features(s, 5 + i)
        dense = model(x.clone().requires_grad_(True), ei).detach()
        assert torch.allclose(model(x, ei), dense, rtol=1e-5, atol=1e-5), f"scale {s}: stale features"
        del x
