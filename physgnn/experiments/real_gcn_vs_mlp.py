"""GCN vs MLP on real heterophilous graphs: Texas, Wisconsin, Cornell and Chameleon, on the 10 Geom-GCN splits.

What it measures: a 2-layer GCN and a 2-layer MLP (:mod:`physgnn.models`, hidden 64, dropout 0.5) trained with
:func:`physgnn.train.run_splits` (Adam, lr 0.05, weight decay 5e-4, early stopping on validation accuracy) on
each split of each dataset, loaded with :func:`physgnn.data.load` (undirected, no self-loops, row-normalised
features). Each row of ``results/real_gcn_vs_mlp.csv`` is one (dataset, model, split) run: the train, validation
and test accuracy at the epoch of best validation accuracy, the dataset's edge homophily, timings, the settings,
the command and the package versions.

Which chapter plots it: Chapter 3, "When neighbours differ: heterophily" (GCN vs MLP against the numbers
reported by others). In fast mode the chapter calls :func:`run` itself on one split.

The command (8 minutes on one thread of a busy 2-core machine; resumable, rows already in the CSV are skipped)::

    OMP_NUM_THREADS=1 python -m physgnn experiment real_gcn_vs_mlp
    python -m physgnn experiment real_gcn_vs_mlp --datasets texas --splits 0 1 2   # a smaller grid
"""

from __future__ import annotations

import argparse

from ..energy import homophily as edge_homophily
from ..models import GCN, MLP
from ..train import run_splits
from ._runner import (TRAINING_KEYS, add_training_arguments, dataset_name, fit_fields, over_grid, parse_device, refuse_duplicates, save,
                      summarize as _summarize, training_fields, training_kwargs)

__all__ = ["CSV", "DATASETS", "MODELS", "KEYS", "run_one", "run", "summarize", "main"]

CSV = "real_gcn_vs_mlp.csv"
DATASETS = ("texas", "wisconsin", "cornell", "chameleon")
MODELS = ("mlp", "gcn")
#: the columns that identify a run (used to skip rows already in the CSV)
KEYS = ("dataset", "model", "split")


def _factory(model: str, in_channels: int, hidden: int, out_channels: int, dropout: float):
    if model == "mlp":
        return lambda: MLP(in_channels, hidden, out_channels, num_layers=2, dropout=dropout)
    if model == "gcn":
        return lambda: GCN(in_channels, hidden, out_channels, num_layers=2, dropout=dropout)
    raise ValueError(f"real_gcn_vs_mlp: unknown model {model!r}; allowed: {', '.join(MODELS)}")


def run_one(data, model: str, split: int, *, hidden: int = 64, dropout: float = 0.5, epochs: int = 200,
            patience: int = 100, lr: float = 0.05, weight_decay: float = 5e-4, seed: int = 0, device=None) -> dict:
    """Train ``model`` (``"mlp"`` or ``"gcn"``) on split ``split`` of ``data`` (masks [N, S]); return a result row.

    Goes through :func:`physgnn.train.run_splits` with the single split, which seeds the run with ``seed + split``,
    so a row does not depend on which other rows were run before it.
    """
    make = _factory(model, data.num_features, hidden, int(data.y.max()) + 1, dropout)
    res = run_splits(make, data, [int(split)], seed=seed, progress=False, epochs=epochs, patience=patience, lr=lr,
                     weight_decay=weight_decay, device=device)
    one = res.runs[0]
    return {
        "dataset": data.name,
        "model": model,
        "split": int(split),
        **fit_fields(one),
        "edge_homophily": round(edge_homophily(data.edge_index, data.y, "edge"), 6),
        **training_fields(hidden=hidden, dropout=dropout, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, seed=seed),
    }


def run(datasets=DATASETS, models=MODELS, splits=range(10), *, progress: bool = True, on_row=None, skip=(), **fit_kwargs) -> list[dict]:
    """Train every model on every (dataset, split); return the rows (a list of dicts).

    ``skip``: ``(dataset, model, str(split))`` keys to leave out (rows already saved); ``on_row`` gets each new row;
    ``fit_kwargs``: ``hidden``, ``dropout``, ``epochs``, ``patience``, ``lr``, ``weight_decay``, ``seed`` for
    :func:`run_one`. See :func:`physgnn.experiments._runner.over_grid`.
    """
    grid = [(name, m, int(s)) for name in datasets for m in models for s in splits]
    return over_grid("real_gcn_vs_mlp", grid, run_one, skip=skip, progress=progress, on_row=on_row, **fit_kwargs)


def summarize(rows) -> dict:
    """Mean and sample standard deviation (ddof = 1) of the test accuracy over splits, per (dataset, model):
    ``{(dataset, model): {"mean", "std", "n", "scores"}}`` (see :func:`physgnn.experiments._runner.summarize`)."""
    return _summarize(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment real_gcn_vs_mlp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=list(DATASETS), help="datasets (default: texas wisconsin cornell chameleon)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS), help="models (default: mlp gcn)")
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="Geom-GCN split indices (default: 0..9)")
    add_training_arguments(parser, patience=100, lr=0.05)
    args = parser.parse_args(argv)
    args.device = parse_device(parser, args)
    refuse_duplicates(parser, args, "datasets", "models", "splits")
    return save("real_gcn_vs_mlp", CSV, KEYS,
                lambda **io: run(args.datasets, args.models, args.splits, **io, **training_kwargs(args)),
                parser=parser, args=args, options=TRAINING_KEYS, argv=argv)
