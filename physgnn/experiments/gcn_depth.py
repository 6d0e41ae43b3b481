"""Accuracy of a trained GCN as it gets deeper: train, validation and test accuracy against the number of layers.

What it measures: a plain GCN (:class:`physgnn.models.GCN`: PyG ``GCNConv`` layers with ReLU and dropout, no
residual connections, no normalisation) of depth 2, 4, 8, 16, 32 and 64, trained with
:func:`physgnn.train.fit` (Adam, early stopping on validation accuracy) on Cora and Texas, on each of the 10
Geom-GCN splits. Each row of ``results/gcn_depth.csv`` is one (dataset, depth, split) run: the train,
validation and test accuracy at the epoch of best validation accuracy, plus timings, the settings, the command
and the package versions.

Which chapter plots it: Chapter 2, "Message passing is diffusion" (accuracy vs depth, and train vs test
accuracy: oversmoothing is not overfitting). The chapter calls :func:`run` itself on a small grid in fast mode.

The command (about 10-15 minutes on one CPU thread for the full grid; resumable, rows already in the CSV are
skipped)::

    OMP_NUM_THREADS=1 python -m physgnn experiment gcn_depth
    python -m physgnn experiment gcn_depth --datasets texas --depths 2 8 32 --splits 0 1 2   # a smaller grid
"""

from __future__ import annotations

import argparse

import torch
from tqdm.auto import tqdm

from .. import results
from ..data import load, select_split
from ..models import GCN
from ..train import fit

__all__ = ["CSV", "DEPTHS", "DATASETS", "KEYS", "run", "run_one", "main"]

CSV = "gcn_depth.csv"
DEPTHS = (2, 4, 8, 16, 32, 64)
DATASETS = ("cora", "texas")
#: the columns that identify a run (used to skip rows already in the CSV)
KEYS = ("dataset", "depth", "split")


def run_one(data, depth: int, split: int, *, hidden: int = 64, dropout: float = 0.5, epochs: int = 200,
            patience: int = 100, lr: float = 0.01, weight_decay: float = 5e-4, seed: int = 0) -> dict:
    """Train one GCN of ``depth`` layers on split ``split`` of ``data`` (masks [N, S]); return a result row.

    The model and the training are seeded with ``seed + split`` (as :func:`physgnn.train.run_splits` does), so a
    row does not depend on which other rows were run before it.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"gcn_depth.run_one: depth must be a positive integer, got {depth!r}")
    one = select_split(data, split) if data.train_mask.dim() == 2 else data
    torch.manual_seed(seed + split)
    model = GCN(data.num_features, hidden, int(data.y.max()) + 1, num_layers=depth, dropout=dropout)
    res = fit(model, one, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False)
    return {
        "dataset": data.name,
        "depth": depth,
        "split": split,
        "train": round(res.train, 6),
        "train_max": round(max(res.history["train"]), 6),
        "val": round(res.val, 6),
        "test": round(res.test, 6),
        "best_epoch": res.best_epoch,
        "epochs_run": res.epochs_run,
        "seconds": round(res.seconds, 3),
        "hidden": hidden,
        "dropout": dropout,
        "epochs": epochs,
        "patience": patience,
        "lr": lr,
        "weight_decay": weight_decay,
        "seed": seed,
    }


def run(datasets=DATASETS, depths=DEPTHS, splits=range(10), *, progress: bool = True, on_row=None, skip=(), **fit_kwargs) -> list[dict]:
    """Train a GCN for every (dataset, depth, split) in the grid; return the rows (a list of dicts).

    Args:
        datasets: names for :func:`physgnn.data.load` (Geom-GCN splits, 10 per dataset).
        depths: numbers of layers.
        splits: split indices in [0, 9].
        progress: show a tqdm bar.
        on_row: called with each new row (``main`` uses it to append the row to the CSV at once).
        skip: a set of ``(dataset, str(depth), str(split))`` keys to leave out (rows already saved).
        **fit_kwargs: ``hidden``, ``dropout``, ``epochs``, ``patience``, ``lr``, ``weight_decay``, ``seed``
            for :func:`run_one`.
    """
    grid = [(name, int(d), int(s)) for name in datasets for d in depths for s in splits]
    skip = set(skip)
    todo = [g for g in grid if (g[0], str(g[1]), str(g[2])) not in skip]
    rows, cache = [], {}
    bar = tqdm(todo, desc="gcn_depth", disable=not progress)
    for name, depth, split in bar:
        if name not in cache:
            cache[name] = load(name)
        bar.set_postfix(dataset=name, depth=depth, split=split)
        row = run_one(cache[name], depth, split, **fit_kwargs)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment gcn_depth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), help="datasets (default: cora texas)")
    parser.add_argument("--depths", nargs="+", type=int, default=list(DEPTHS), help="numbers of layers (default: 2 4 8 16 32 64)")
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="Geom-GCN split indices (default: 0..9)")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--patience", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    skip = results.done(CSV, KEYS)
    extra = {"command": results.command_line(), **results.versions()}
    path = results.results_dir(create=True) / CSV
    rows = run(
        args.datasets, args.depths, args.splits, skip=skip,
        on_row=lambda row: results.append_row(CSV, {**row, **extra}),
        hidden=args.hidden, dropout=args.dropout, epochs=args.epochs, patience=args.patience, lr=args.lr,
        weight_decay=args.weight_decay, seed=args.seed,
    )
    print(f"gcn_depth: {len(rows)} new rows ({len(skip)} already present) in {path}")
    return 0
