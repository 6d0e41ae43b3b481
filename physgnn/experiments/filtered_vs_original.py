"""MLP and GCN on Chameleon and Squirrel, before and after Platonov et al. removed their duplicate nodes.

What it measures: a 2-layer MLP and a 2-layer GCN (:mod:`physgnn.models`, hidden 64, dropout 0.5), trained with
:func:`physgnn.train.fit` (Adam, lr 0.01, weight decay 5e-4, up to 200 epochs, early stopping after 50 epochs
without a better validation score, the same budget as ``python -m physgnn reproduce``) on each of the 10 splits of

* ``chameleon`` and ``squirrel``: the Geom-GCN versions (2,277 and 5,201 nodes, 48/32/20 splits), and
* ``chameleon-filtered`` and ``squirrel-filtered``: Platonov et al.'s versions with duplicated nodes removed
  (890 and 2,223 nodes, their own 10 splits),

all loaded with :func:`physgnn.data.load` (undirected, no self-loops, row-normalised features). Each row of
``results/filtered_vs_original.csv`` is one (dataset, model, split) run: the train, validation and test score at
the epoch of best validation score, the number of nodes and of test nodes, timings, the settings, the command and
the package versions. :func:`run_one` works on any dataset :func:`physgnn.data.load` returns (the score is ROC AUC
when ``data.metric == "roc_auc"``), so Chapter 8 also uses it for Minesweeper and Tolokers.

Which chapter plots it: Chapter 8, "A critical look at the evidence" (accuracy on the original vs the filtered
graphs). In fast mode the chapter calls :func:`run` itself on one split with a smaller budget.

The command (resumable: rows already in the CSV are skipped; about 10 minutes on one CPU thread of an idle
machine, most of it the GCN on Squirrel's 198,353 edges)::

    OMP_NUM_THREADS=1 python -m physgnn experiment filtered_vs_original
    python -m physgnn experiment filtered_vs_original --datasets chameleon chameleon-filtered --splits 0 1   # smaller
"""

from __future__ import annotations

import argparse

import torch

from ..data import select_split
from ..models import GCN, MLP
from ..train import fit
from ._runner import (TRAINING_KEYS, add_training_arguments, dataset_name, fit_fields, over_grid, parse_device, refuse_duplicates, save,
                      summarize as _summarize, training_fields, training_kwargs)

__all__ = ["CSV", "DATASETS", "MODELS", "KEYS", "make_model", "run_one", "run", "summarize", "main"]

CSV = "filtered_vs_original.csv"
DATASETS = ("chameleon", "chameleon-filtered", "squirrel", "squirrel-filtered")
MODELS = ("mlp", "gcn")
#: the columns that identify a run (used to skip rows already in the CSV)
KEYS = ("dataset", "model", "split")


def make_model(model: str, in_channels: int, hidden: int, out_channels: int, dropout: float = 0.5) -> torch.nn.Module:
    """A fresh 2-layer ``"mlp"`` or ``"gcn"``.

    The GCN's layers cache their normalised adjacency (PyG's ``GCNConv(cached=True)``): the graph never changes
    during training, and without the cache every forward pass normalises it again, which on a graph with a
    million edges (Tolokers) costs ten times the sparse product itself.
    """
    if model == "mlp":
        return MLP(in_channels, hidden, out_channels, num_layers=2, dropout=dropout)
    if model == "gcn":
        net = GCN(in_channels, hidden, out_channels, num_layers=2, dropout=dropout)
        for conv in net.net.convs:
            conv.cached = True
        return net
    raise ValueError(f"filtered_vs_original: unknown model {model!r}; allowed: {', '.join(MODELS)}")


def run_one(data, model: str, split: int, *, hidden: int = 64, dropout: float = 0.5, epochs: int = 200, patience: int = 50,
            lr: float = 0.01, weight_decay: float = 5e-4, seed: int = 0, return_model: bool = False, device=None) -> dict:
    """Train ``model`` (``"mlp"`` or ``"gcn"``) on split ``split`` of ``data`` (masks [N, S]); return a result row.

    The run is seeded with ``seed + split`` (as :func:`physgnn.train.run_splits` does), so a row does not depend on
    which other rows were run before it. Scores are fractions: accuracy, or ROC AUC for two-class datasets whose
    ``metric`` is ``"roc_auc"``, at the epoch of best validation score. ``return_model=True`` adds the trained
    network (with the weights of that best epoch, in eval mode, on ``device``) under the key ``"net"``, for per-node
    analyses; feed it data on ``row["net"]``'s device. It is not a CSV column. ``device``: where to train (default CPU).
    """
    one = select_split(data, int(split)) if data.train_mask.dim() == 2 else data
    torch.manual_seed(seed + int(split))
    net = make_model(model, data.num_features, hidden, int(data.y.max()) + 1, dropout)
    r = fit(net, one, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False, device=device)
    row = {
        "dataset": data.name,
        "model": model,
        "split": int(split),
        "metric": r.metric,
        **fit_fields(r),
        "nodes": data.num_nodes,
        "test_nodes": int(one.test_mask.sum()),
        **training_fields(hidden=hidden, dropout=dropout, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, seed=seed),
    }
    if return_model:
        row["net"] = net.eval()
    return row


def run(datasets=DATASETS, models=MODELS, splits=range(10), *, progress: bool = True, on_row=None, skip=(), **fit_kwargs) -> list[dict]:
    """Train every model on every (dataset, split); return the rows (a list of dicts).

    ``skip``: ``(dataset, model, str(split))`` keys to leave out (rows already saved); ``on_row`` gets each new row;
    ``fit_kwargs``: ``hidden``, ``dropout``, ``epochs``, ``patience``, ``lr``, ``weight_decay``, ``seed`` for
    :func:`run_one`. See :func:`physgnn.experiments._runner.over_grid`.
    """
    grid = [(d, m, int(s)) for d in datasets for m in models for s in splits]
    return over_grid("filtered_vs_original", grid, run_one, skip=skip, progress=progress, on_row=on_row, **fit_kwargs)


def summarize(rows) -> dict:
    """Mean and sample standard deviation (ddof = 1) of the test score over splits, per (dataset, model):
    ``{(dataset, model): {"mean", "std", "n", "scores"}}`` (see :func:`physgnn.experiments._runner.summarize`)."""
    return _summarize(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment filtered_vs_original", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=list(DATASETS), help="datasets (default: the four Wikipedia graphs)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS), help="models (default: mlp gcn)")
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="split indices (default: 0..9)")
    add_training_arguments(parser)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 makes runs repeat bit for bit)")
    args = parser.parse_args(argv)
    args.device = parse_device(parser, args)
    if any(not 0 <= s < 10 for s in args.splits):
        parser.error("splits must lie in 0..9")
    refuse_duplicates(parser, args, "datasets", "models", "splits")
    torch.set_num_threads(args.threads)
    return save("filtered_vs_original", CSV, KEYS,
                lambda **io: run(args.datasets, args.models, args.splits, **io, **training_kwargs(args)),
                parser=parser, args=args, options=TRAINING_KEYS, argv=argv)
