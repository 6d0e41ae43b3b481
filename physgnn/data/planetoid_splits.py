"""The random 20-labels-per-class splits under which ACMP's Cora and CiteSeer numbers were reported.

The official ACMP code (``src/data.py``, ``set_train_val_test_split``, inherited from GRAND and from Klicpera et
al.'s GDC code) draws each split in two stages:

1. a *development set* of 1,500 nodes, uniformly at random from the whole graph;
2. 20 training nodes per class, uniformly from that class's nodes in the development set.

The other development nodes are the validation set and every node outside it is the test set. On Cora (2,708
nodes, 7 classes) that is 140 / 1,360 / 1,208 nodes, on CiteSeer (3,327 nodes, 6 classes) 120 / 1,380 / 1,827.
The whole graph is used: the official code's largest-connected-component step is commented out, although the
GRAND protocol it comes from keeps only that component (the CiteSeer entry of the official ``best_params.py``,
copied from GRAND, records 2,120 nodes, the size of CiteSeer's largest component). This is not
PyG's ``Planetoid(split="random")``, whose 500 validation and 1,000 test nodes come from the whole graph.

The graph is the one :func:`physgnn.data.load` gives for ``"cora"`` and ``"citeseer"``: the ``ind.*`` files of
PyG's ``Planetoid/<name>/raw`` and ``Planetoid/<name>/geom-gcn/raw`` are the same files, so only the masks differ.
"""

from __future__ import annotations

import torch
from torch_geometric.data import Data
from torch_geometric.transforms import RandomNodeSplit

__all__ = ["planetoid_random_splits"]


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"planetoid_random_splits: {name} must be an integer >= {low}, got {value!r}")


def planetoid_random_splits(data: Data, num_splits: int = 10, *, seed: int = 0, per_class: int = 20,
                            development: int = 1500) -> Data:
    """A copy of ``data`` with ``num_splits`` random splits of the official ACMP protocol as masks [N, S].

    Split s is drawn from ``torch.manual_seed(seed + s)`` (the caller's random state is left as it was): a
    development set of ``development`` nodes (``torch.randperm``), then ``per_class`` training nodes of every class
    inside it (PyG's :class:`~torch_geometric.transforms.RandomNodeSplit` on the development nodes); validation is
    the rest of the development set, test every node outside it. Sizes: train ``per_class · C``, validation
    ``development − per_class · C``, test ``N − development``.

    Args:
        data: a graph with labels ``y`` [N] in ``0..C-1`` (e.g. ``physgnn.data.load("cora")``); its masks are replaced.
        num_splits: S, the number of splits.
        seed: split s uses seed ``seed + s``, so the same arguments give the same masks.
        per_class: training labels per class (official 20).
        development: size of the development set (official 1,500).

    Returns:
        ``Data`` with ``train_mask``, ``val_mask``, ``test_mask`` of shape [N, S] (bool, disjoint, covering all nodes).

    Raises:
        ValueError: ``data`` has no labels, an argument is not a valid integer, the development set does not leave a
            test set, or a class has fewer than ``per_class`` nodes in some split's development set.
    """
    y = getattr(data, "y", None)
    if not isinstance(y, torch.Tensor) or y.dim() != 1 or y.numel() == 0:
        raise ValueError("planetoid_random_splits: data must have labels y of shape [N], e.g. physgnn.data.load('cora')")
    _check_int("num_splits", num_splits, 1)
    _check_int("seed", seed, 0)
    _check_int("per_class", per_class, 1)
    _check_int("development", development, 1)
    n, classes = y.numel(), int(y.max()) + 1
    if int(y.min()) < 0:
        raise ValueError("planetoid_random_splits: labels y must lie in 0..C-1; got a negative label")
    if not per_class * classes < development < n:
        raise ValueError(f"planetoid_random_splits: development must exceed per_class · C = {per_class * classes} (so that "
                         f"validation nodes remain) and be below N = {n} (so that test nodes remain); got {development}")
    masks = [torch.zeros(n, num_splits, dtype=torch.bool) for _ in range(3)]
    y = y.cpu()
    for s in range(num_splits):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + s)
            dev = torch.randperm(n)[:development]
            counts = torch.bincount(y[dev], minlength=classes)
            if int(counts.min()) < per_class:
                c = int(counts.argmin())
                raise ValueError(f"planetoid_random_splits: split {s} (seed {seed + s}) has only {int(counts[c])} nodes of "
                                 f"class {c} in its development set, fewer than per_class={per_class}; use a larger "
                                 "development set or fewer labels per class")
            part = RandomNodeSplit(split="test_rest", num_train_per_class=per_class, num_val=0)(Data(y=y[dev], num_nodes=development))
        masks[0][dev[part.train_mask], s] = True
        masks[1][dev[part.test_mask], s] = True  # the development nodes not drawn for training
        masks[2][:, s] = True
        masks[2][dev, s] = False
    out = data.clone()
    out.train_mask, out.val_mask, out.test_mask = (m.to(data.y.device) for m in masks)  # beside the labels
    return out
