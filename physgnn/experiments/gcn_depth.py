"""Accuracy of a trained GCN as it gets deeper: train, validation and test accuracy against the number of layers.

What it measures: a plain GCN (:class:`physgnn.models.GCN`: PyG ``GCNConv`` layers with ReLU and dropout, no
residual connections, no normalisation) of depth 2, 4, 8, 16, 32 and 64, trained with
:func:`physgnn.train.fit` (Adam, lr 0.01, weight decay 5e-4, up to 200 epochs, stopping after 100 epochs without
a better validation accuracy) on Cora and Texas, on the Geom-GCN splits. Each row of ``results/gcn_depth.csv`` is
one (dataset, depth, split) run: the train, validation and test accuracy at the epoch of best validation
accuracy, the best training accuracy of any epoch (``train_max``), timings, the settings, the command and the
package versions.

Which chapter plots it: Chapter 2, "Message passing is diffusion" (accuracy vs depth, and train vs test
accuracy: oversmoothing is not overfitting). The chapter calls :func:`run` itself on a small grid in fast mode.

The commands behind the saved ``results/gcn_depth.csv`` (Texas on all 10 splits, Cora on splits 0-2; resumable:
rows already in the CSV are skipped)::

    OMP_NUM_THREADS=1 python -m physgnn experiment gcn_depth --datasets texas                 # ~30 min
    OMP_NUM_THREADS=1 python -m physgnn experiment gcn_depth --datasets cora --splits 0 1 2   # ~16 min

(wall-clock times on one CPU thread of a shared 2-core machine; a 64-layer GCN on Cora takes several minutes
per split). The full grid, ``python -m physgnn experiment gcn_depth``, needs about an hour and a half.
"""

from __future__ import annotations

import argparse

import torch

from ..data import select_split
from ..models import GCN
from ..train import fit
from ._runner import (TRAINING_KEYS, add_training_arguments, dataset_name, fit_fields, over_grid, parse_device, refuse_duplicates, save,
                      training_fields, training_kwargs)

__all__ = ["CSV", "DEPTHS", "DATASETS", "KEYS", "run", "run_one", "main"]

CSV = "gcn_depth.csv"
DEPTHS = (2, 4, 8, 16, 32, 64)
DATASETS = ("cora", "texas")
#: the columns that identify a run (used to skip rows already in the CSV)
KEYS = ("dataset", "depth", "split")


def run_one(data, depth: int, split: int, *, hidden: int = 64, dropout: float = 0.5, epochs: int = 200,
            patience: int = 100, lr: float = 0.01, weight_decay: float = 5e-4, seed: int = 0, history: bool = False, device=None) -> dict:
    """Train one GCN of ``depth`` layers on split ``split`` of ``data`` (masks [N, S]); return a result row.

    The model and the training are seeded with ``seed + split`` (as :func:`physgnn.train.run_splits` does), so a
    row does not depend on which other rows were run before it. ``train`` is the training accuracy at the epoch of
    best validation accuracy (the epoch whose ``test`` is reported), ``train_max`` the best training accuracy of
    any epoch. ``history=True`` adds the per-epoch curves (``loss``, ``train``, ``val``, ``test``) under the key
    ``"history"`` (for plots; not a CSV column).
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"gcn_depth.run_one: depth must be a positive integer, got {depth!r}")
    one = select_split(data, split) if data.train_mask.dim() == 2 else data
    torch.manual_seed(seed + split)
    model = GCN(data.num_features, hidden, int(data.y.max()) + 1, num_layers=depth, dropout=dropout)
    res = fit(model, one, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False, device=device)
    return {
        "dataset": data.name,
        "depth": depth,
        "split": split,
        **fit_fields(res),
        "train_max": round(max(res.history["train"]), 6),  # the best training accuracy of any epoch
        **training_fields(hidden=hidden, dropout=dropout, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, seed=seed),
    } | ({"history": res.history} if history else {})


def run(datasets=DATASETS, depths=DEPTHS, splits=range(10), *, progress: bool = True, on_row=None, skip=(), **fit_kwargs) -> list[dict]:
    """Train a GCN for every (dataset, depth, split) in the grid; return the rows (a list of dicts).

    ``skip``: ``(dataset, str(depth), str(split))`` keys to leave out (rows already saved); ``on_row`` gets each new
    row; ``fit_kwargs``: ``hidden``, ``dropout``, ``epochs``, ``patience``, ``lr``, ``weight_decay``, ``seed`` for
    :func:`run_one`. See :func:`physgnn.experiments._runner.over_grid`.
    """
    grid = [(name, int(d), int(s)) for name in datasets for d in depths for s in splits]
    return over_grid("gcn_depth", grid, run_one, skip=skip, progress=progress, on_row=on_row, **fit_kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment gcn_depth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=list(DATASETS), help="datasets (default: cora texas)")
    parser.add_argument("--depths", nargs="+", type=int, default=list(DEPTHS), help="numbers of layers (default: 2 4 8 16 32 64)")
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="Geom-GCN split indices (default: 0..9)")
    add_training_arguments(parser, patience=100)
    args = parser.parse_args(argv)
    args.device = parse_device(parser, args)
    refuse_duplicates(parser, args, "datasets", "depths", "splits")
    return save("gcn_depth", CSV, KEYS, lambda **io: run(args.datasets, args.depths, args.splits, **io, **training_kwargs(args)),
                parser=parser, args=args, options=TRAINING_KEYS, argv=argv)
