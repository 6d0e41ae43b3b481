"""physgnn.data: every offline dataset loads with the published sizes; synthetic graphs behave; errors are clear."""

from __future__ import annotations


import pytest
import torch

from physgnn.data import (
    DatasetNotAvailableError,
    contextual_sbm,
    dataset_names,
    grid_graph,
    load,
    ring_graph,
    select_split,
)
from physgnn.energy import homophily

# nodes, edge_index columns as PyG stores them (README of the shared data), features, classes
SIZES = {
    "cora": (2708, 10556, 1433, 7),
    "citeseer": (3327, 9104, 3703, 6),
    "texas": (183, 325, 1703, 5),
    "cornell": (183, 298, 1703, 5),
    "wisconsin": (251, 515, 1703, 5),
    "chameleon": (2277, 36101, 2325, 5),
    "squirrel": (5201, 217073, 2089, 5),
    "actor": (7600, 30019, 932, 5),
    "minesweeper": (10000, 78804, 7, 2),
    "tolokers": (11758, 1038000, 10, 2),
    "chameleon-filtered": (890, 8854, 2325, 5),  # one direction per undirected edge in the npz
    "squirrel-filtered": (2223, 46998, 2089, 5),
}


def test_every_offline_dataset_is_covered():
    assert sorted(SIZES) == sorted(dataset_names(offline_only=True))


@pytest.mark.parametrize("name", sorted(SIZES))
def test_load_sizes_and_splits(data_env, name):
    n, e, f, c = SIZES[name]
    data = load(name, undirected=False)
    assert data.num_nodes == n
    assert data.edge_index.size(1) == e
    assert data.x.shape == (n, f) and data.x.dtype == torch.float32
    assert int(data.y.max()) + 1 == c
    assert data.train_mask.shape == (n, 10)
    # the three masks of one split are disjoint
    s = select_split(data, 3)
    assert s.train_mask.shape == (n,)
    assert not (s.train_mask & s.test_mask).any() and not (s.train_mask & s.val_mask).any()
    assert data.metric == ("roc_auc" if c == 2 else "accuracy")


def test_undirected_is_symmetric_without_self_loops(data_env):
    from torch_geometric.utils import contains_self_loops, is_undirected

    data = load("texas")
    assert is_undirected(data.edge_index) and not contains_self_loops(data.edge_index)
    assert data.edge_index.size(1) > 325


def test_split_argument_and_bad_split(data_env):
    data = load("wisconsin", split=0)
    assert data.train_mask.dim() == 1
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        load("wisconsin", split=10)


def test_mirror_is_never_written(data_env, mirror):
    before = sorted(p.relative_to(mirror) for p in mirror.rglob("*"))
    load("cornell")
    load("squirrel-filtered")
    after = sorted(p.relative_to(mirror) for p in mirror.rglob("*"))
    assert before == after
    assert not any("processed" in str(p) for p in after)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        load("cifar10")
    assert "texas" in str(err.value) and "cora" in str(err.value)


def test_missing_offline_names_dataset_path_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSGNN_DATA_MIRROR", str(tmp_path / "empty-mirror"))
    monkeypatch.setenv("PHYSGNN_OFFLINE", "1")
    with pytest.raises(DatasetNotAvailableError) as err:
        load("texas", root=tmp_path / "root")
    msg = str(err.value)
    assert "'texas'" in msg and str(tmp_path / "root") in msg and "PHYSGNN_DATA_MIRROR" in msg


def test_failed_download_is_reported_not_swallowed(tmp_path, monkeypatch):
    """Network blocked and no files: the download attempt fails and the error says so (no fallback)."""
    monkeypatch.delenv("PHYSGNN_OFFLINE", raising=False)
    monkeypatch.delenv("PHYSGNN_DATA_MIRROR", raising=False)
    with pytest.raises(DatasetNotAvailableError, match="download failed"):
        load("wisconsin", root=tmp_path)


@pytest.mark.parametrize("h", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_csbm_homophily_knob(h):
    data = contextual_sbm(num_nodes=2000, num_classes=2, homophily=h, avg_degree=10, seed=1)
    measured = homophily(data.edge_index, data.y)
    assert abs(measured - h) <= 0.02, (h, measured)
    assert abs(data.edge_index.size(1) / 2000 - 10) < 0.5  # average degree


def test_csbm_five_classes_and_determinism():
    a = contextual_sbm(num_nodes=2000, num_classes=5, homophily=0.3, seed=7)
    b = contextual_sbm(num_nodes=2000, num_classes=5, homophily=0.3, seed=7)
    assert torch.equal(a.edge_index, b.edge_index) and torch.equal(a.x, b.x)
    assert abs(homophily(a.edge_index, a.y) - 0.3) <= 0.02
    assert torch.bincount(a.y).tolist() == [400] * 5


@pytest.mark.parametrize("kwargs", [dict(homophily=1.5), dict(num_classes=1), dict(num_nodes=3, num_classes=2), dict(avg_degree=-1), dict(avg_degree=600, homophily=1.0, num_nodes=1000)])
def test_csbm_bad_input(kwargs):
    with pytest.raises(ValueError):
        contextual_sbm(**kwargs)


def test_grid_and_ring():
    g = grid_graph(3, 4)
    assert g.num_nodes == 12 and g.edge_index.size(1) == 2 * (3 * 3 + 2 * 4)
    deg = torch.bincount(g.edge_index[1], minlength=12)
    assert deg.min() == 2 and deg.max() == 4  # corners and interior
    r = ring_graph(10)
    assert r.edge_index.size(1) == 20 and torch.bincount(r.edge_index[1]).eq(2).all()
    with pytest.raises(ValueError):
        ring_graph(2)
    with pytest.raises(ValueError):
        grid_graph(0)


@pytest.mark.parametrize("value, expected", [("1", True), ("on", True), ("Yes", True), ("0", False), ("", False)])
def test_offline_flag_is_read_the_same_everywhere(monkeypatch, tmp_path, value, expected):
    from physgnn import results
    from physgnn.utils import offline

    monkeypatch.setenv("PHYSGNN_OFFLINE", value)
    assert offline() is expected
    if expected:  # saved results are never fetched from GitHub when offline
        monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
        with pytest.raises(FileNotFoundError, match="PHYSGNN_OFFLINE forbids"):
            results.read_csv("missing.csv")


def test_display_name_covers_every_dataset_and_refuses_an_unknown_one():
    from physgnn.data import DATASETS, display_name

    assert display_name("citeseer") == "CiteSeer" and display_name("Texas") == "Texas"
    assert display_name("chameleon-filtered") == "Chameleon (filtered)"
    names = [display_name(n) for n in DATASETS]
    assert len(set(names)) == len(names), "two datasets would share a name on the page"
    with pytest.raises(ValueError, match="unknown dataset 'texass'"):
        display_name("texass")
