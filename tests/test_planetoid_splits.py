"""The official ACMP random splits on Cora and CiteSeer: 20 labels per class drawn from a 1,500-node development set."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from physgnn.data import load, planetoid_random_splits

#: (nodes, classes, validation, test) under the official protocol
SIZES = {"cora": (2708, 7, 1360, 1208), "citeseer": (3327, 6, 1380, 1827)}


@pytest.fixture(scope="module", params=sorted(SIZES))
def graph(request, data_env):
    return load(request.param)


def test_twenty_labels_per_class_and_the_documented_sizes(graph):
    n, classes, n_val, n_test = SIZES[graph.name]
    out = planetoid_random_splits(graph, 10, seed=0)
    assert out.train_mask.shape == out.val_mask.shape == out.test_mask.shape == (n, 10)
    for s in range(10):
        counts = torch.bincount(out.y[out.train_mask[:, s]], minlength=classes)
        assert counts.tolist() == [20] * classes
    assert out.val_mask.sum(0).tolist() == [n_val] * 10
    assert out.test_mask.sum(0).tolist() == [n_test] * 10
    # the graph itself is untouched: same nodes, edges and features
    assert torch.equal(out.edge_index, graph.edge_index) and torch.equal(out.x, graph.x)


def test_masks_are_disjoint_cover_every_node_and_differ_between_splits(graph):
    out = planetoid_random_splits(graph, 4, seed=3)
    total = out.train_mask.int() + out.val_mask.int() + out.test_mask.int()
    assert bool((total == 1).all())  # each node in exactly one set, in every split
    assert (out.train_mask | out.val_mask).sum(0).tolist() == [1500] * 4  # the development set
    for a in range(4):
        for b in range(a + 1, 4):
            assert not torch.equal(out.test_mask[:, a], out.test_mask[:, b])


def test_the_same_seed_gives_the_same_masks_and_the_caller_random_state_is_kept(graph):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    one = planetoid_random_splits(graph, 3, seed=5)
    assert torch.equal(torch.get_rng_state(), before)
    two = planetoid_random_splits(graph, 3, seed=5)
    for key in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(one[key], two[key])
    # split s depends only on seed + s: seed 6 reproduces splits 1 and 2 of seed 5 as its splits 0 and 1
    shifted = planetoid_random_splits(graph, 2, seed=6)
    assert torch.equal(shifted.train_mask, one.train_mask[:, 1:])
    other = planetoid_random_splits(graph, 3, seed=0)
    assert not torch.equal(one.train_mask, other.train_mask)


def test_training_nodes_are_spread_like_uniform_draws():
    """Over many splits every node of a class is drawn about equally often (a biased draw, e.g. always the first
    20 nodes of each class, is rejected)."""
    y = torch.arange(300) % 3
    g = Data(y=y, num_nodes=300)
    out = planetoid_random_splits(g, 200, per_class=5, development=90)
    freq = out.train_mask.float().mean(1)  # each node: 5 of about 30 development nodes of its class, 90 of 300 in dev
    expected = 90 / 300 * 5 / 30
    assert abs(float(freq.mean()) - expected) < 1e-6  # exactly 15 training nodes of 300 in every split
    assert float(freq.max()) < 3 * expected and float(freq.min()) > 0  # no node always or never chosen


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_splits=0), "num_splits"), (dict(num_splits=True), "num_splits"), (dict(seed=-1), "seed"),
    (dict(per_class=0), "per_class"), (dict(development=2.5), "development"), (dict(development=100), "development must exceed"),
    (dict(development=3000), "below N"),
])
def test_bad_arguments_are_refused_with_their_name(kwargs, match):
    g = Data(y=torch.arange(2708) % 7, num_nodes=2708)
    with pytest.raises(ValueError, match=match):
        planetoid_random_splits(g, **kwargs)


def test_too_few_nodes_of_a_class_in_the_development_set_is_an_error_not_a_short_split():
    y = torch.zeros(1000, dtype=torch.long)
    y[:30] = 1  # class 1: 30 nodes, about 9 in a 300-node development set
    with pytest.raises(ValueError, match="only .* nodes of class 1"):
        planetoid_random_splits(Data(y=y, num_nodes=1000), 1, per_class=20, development=300)


def test_a_graph_without_labels_is_refused():
    with pytest.raises(ValueError, match="labels y"):
        planetoid_random_splits(Data(x=torch.randn(10, 2)), 1)
