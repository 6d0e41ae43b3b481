r"""Oversmoothing or a hard optimisation? The trained deep GCN's energy layer by layer, with and without dropout.

What it measures: a plain GCN (:class:`physgnn.models.GCN`, PyG ``GCNConv`` + ReLU, no residuals, no normalisation)
of depth 2 to 64, trained with :func:`physgnn.train.fit` (which leaves the best-validation epoch's weights in the
model) with dropout 0.5 (at the input and between every two layers, as Chapter 2's accuracy grid) and with
dropout 0, on Cora and Texas (Geom-GCN splits). For the model at initialisation and for the trained model it
records, after every layer :math:`k`, the Dirichlet energy of the row-normalised features (Chapter 2, eq.
:eq:`ch2-energy-rownorm`)

.. math::  E(\bar X^{(k)}) = \frac1N \sum_i \sum_{j \in N(i)} \Bigl\lVert \frac{x_i^{(k)}}{\lVert x_i^{(k)}\rVert}
           - \frac{x_j^{(k)}}{\lVert x_j^{(k)}\rVert} \Bigr\rVert^2 ,

computed in evaluation mode (no dropout) on the whole graph. Layer 0 is the input; layer ``depth`` holds the logits.
A trained deep model whose last hidden layers have collapsed (energy near 0) *is* oversmoothed; one that
underfits with its features still apart is not, and a model that fits without dropout but not with it is held
back by dropout, not by the graph.

Each row of ``results/depth_diagnosis.csv`` is one (dataset, depth, dropout, split) run: the accuracies of
:func:`fit` at the best-validation epoch, the best training accuracy of any epoch, and ``energy_init`` /
``energy_trained``, the per-layer energies as ``;``-separated numbers (4 significant digits, ``depth + 1`` of them).

The command behind the saved CSV (resumable)::

    OMP_NUM_THREADS=1 python -m physgnn experiment depth_diagnosis

Which chapter reads it: Chapter 2, Section 2.7 ("Oversmoothing is not overfitting").
"""

from __future__ import annotations

import argparse

import torch

from ..data import select_split
from ..energy import dirichlet_energy
from ..models import GCN
from ..train import fit
from ._runner import add_device_argument, dataset_name, fit_fields, over_grid, parse_device, refuse_duplicates, save, training_fields

__all__ = ["CSV", "DEPTHS", "DATASETS", "DROPOUTS", "KEYS", "layer_energies", "saved_layer_energies", "parse_energies",
           "run", "run_one", "main"]

CSV = "depth_diagnosis.csv"
DEPTHS = (2, 8, 32, 64)
DATASETS = ("texas", "cora")
DROPOUTS = (0.0, 0.5)
SPLITS = (0, 1, 2)
#: the columns that identify a run (used to skip rows already in the CSV)
KEYS = ("dataset", "depth", "dropout", "split")


@torch.no_grad()
def layer_energies(model: GCN, x: torch.Tensor, edge_index: torch.Tensor) -> list[float]:
    """The row-normalised Dirichlet energy of the input and of every layer's output of ``model`` (eval mode):
    ``num_layers + 1`` values. The hidden outputs are taken after the ReLU (what the next layer receives)."""
    if not isinstance(model, GCN):
        raise ValueError(f"layer_energies: model must be a physgnn.models.GCN, got {type(model).__name__}")
    was_training = model.training
    model.eval()
    outputs = []
    hooks = [conv.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for conv in model.net.convs]
    try:
        model(x, edge_index)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    feats = [x] + [torch.relu(o) if k < len(outputs) - 1 else o for k, o in enumerate(outputs)]

    def energy(h):
        h = h.double()
        return float(dirichlet_energy(h / h.norm(dim=1, keepdim=True).clamp_min(1e-300), edge_index))

    return [energy(h) for h in feats]


def _fmt(values) -> str:
    return ";".join(f"{v:.4g}" for v in values)


def parse_energies(text: str) -> list[float]:
    """The per-layer energies of a CSV cell (``energy_init`` or ``energy_trained``) as floats."""
    if not isinstance(text, str) or not text:
        raise ValueError("parse_energies: expected a ';'-separated string of numbers")
    return [float(v) for v in text.split(";")]


def saved_layer_energies(rows, dataset: str, depth: int, dropout: float, key: str):
    """The per-layer energies of the saved runs of one setting, one row per split, as a float array
    ``[splits, depth + 1]`` (0: the input, ``depth``: the logits), floored at 1e-30 so that a log axis can show a
    collapse to exactly 0.

    Args:
        rows: rows of :data:`CSV` (strings, as read by :func:`physgnn.results.read_csv`).
        key: ``"energy_init"`` (at initialisation) or ``"energy_trained"`` (the best-validation weights).

    Raises ``ValueError`` for another ``key``, or when no row has this dataset, depth and dropout.
    """
    import numpy as np

    if key not in ("energy_init", "energy_trained"):
        raise ValueError(f"saved_layer_energies: key must be 'energy_init' or 'energy_trained', got {key!r}")
    mine = [r for r in rows
            if r["dataset"] == dataset and int(r["depth"]) == depth and float(r["dropout"]) == dropout]
    if not mine:
        raise ValueError(f"saved_layer_energies: no saved run of {dataset!r} at depth {depth}, dropout {dropout}; "
                         f"run: python -m physgnn experiment depth_diagnosis")
    return np.array([parse_energies(r[key]) for r in mine]).clip(1e-30)


def run_one(data, depth: int, dropout: float, split: int, *, hidden: int = 64, epochs: int = 300, patience: int = 100,
            lr: float = 0.01, weight_decay: float = 5e-4, seed: int = 0, device=None) -> dict:
    """Train one GCN of ``depth`` layers with ``dropout`` on split ``split`` on ``device`` (default CPU); return a
    result row with the per-layer energies at initialisation and after training (the best-validation weights, which
    ``fit`` leaves in the model)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth_diagnosis.run_one: depth must be a positive integer, got {depth!r}")
    one = select_split(data, split) if data.train_mask.dim() == 2 else data
    torch.manual_seed(seed + split)
    model = GCN(data.num_features, hidden, int(data.y.max()) + 1, num_layers=depth, dropout=dropout)
    init = layer_energies(model, one.x, one.edge_index)
    res = fit(model, one, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False, device=device)
    dev = next(model.parameters()).device
    trained = layer_energies(model, one.x.to(dev), one.edge_index.to(dev))
    return {
        "dataset": data.name, "depth": depth, "dropout": dropout, "split": split,
        **fit_fields(res),
        "train_max": round(max(res.history["train"]), 6),
        "energy_init": _fmt(init), "energy_trained": _fmt(trained),
        **training_fields(hidden=hidden, dropout=dropout, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, seed=seed),
    }


def run(datasets=DATASETS, depths=DEPTHS, dropouts=DROPOUTS, splits=SPLITS, *, progress: bool = True, on_row=None, skip=(),
        **fit_kwargs) -> list[dict]:
    """Every (dataset, depth, dropout, split) of the grid not in ``skip``; see :func:`_runner.over_grid`."""
    grid = [(name, int(d), float(p), int(s)) for name in datasets for d in depths for p in dropouts for s in splits]

    def one(data, depth, dropout, split, **kw):
        return run_one(data, depth, dropout, split, **kw)

    return over_grid("depth_diagnosis", grid, one, skip=skip, progress=progress, on_row=on_row, **fit_kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment depth_diagnosis", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=list(DATASETS), help="datasets (default: texas cora)")
    parser.add_argument("--depths", nargs="+", type=int, default=list(DEPTHS), help="numbers of layers (default: 2 8 32 64)")
    parser.add_argument("--dropouts", nargs="+", type=float, default=list(DROPOUTS), help="dropout rates (default: 0 0.5)")
    parser.add_argument("--splits", nargs="+", type=int, default=list(SPLITS), help="Geom-GCN splits (default: 0 1 2)")
    # the training options of every run (dropout is a grid axis here, so there is no --dropout)
    parser.add_argument("--hidden", type=int, default=64, help="hidden channels (default 64)")
    parser.add_argument("--epochs", type=int, default=300, help="most epochs (default 300)")
    parser.add_argument("--patience", type=int, default=100, help="early-stopping patience (default 100)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default 0.01)")
    parser.add_argument("--weight-decay", type=float, default=5e-4, help="weight decay (default 5e-4)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    add_device_argument(parser)
    args = parser.parse_args(argv)
    refuse_duplicates(parser, args, "datasets", "depths", "dropouts", "splits")
    options = ("hidden", "epochs", "patience", "lr", "weight_decay", "seed")  # resume key: the grid and these
    kwargs = {o: getattr(args, o) for o in options} | {"device": parse_device(parser, args)}
    return save("depth_diagnosis", CSV, KEYS,
                lambda **io: run(args.datasets, args.depths, args.dropouts, args.splits, **io, **kwargs),
                parser=parser, args=args, options=options, argv=argv)
