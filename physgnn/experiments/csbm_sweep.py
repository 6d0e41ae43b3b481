"""MLP vs GCN on a contextual SBM as its homophily goes from 0 to 1: where the graph helps and where it hurts.

What it measures: for every homophily ``h`` in a grid and every seed, one two-class contextual stochastic block
model (:func:`physgnn.data.contextual_sbm`: 1000 nodes, average degree 10, 16 Gaussian features whose class
means have norm ``feature_signal = 1``) and three models trained on its 60/20/20 random split with
:func:`physgnn.train.fit` (Adam, lr 0.05, early stopping on validation accuracy): a 2-layer MLP that ignores the graph,
a 2-layer GCN and a 4-layer GCN (:mod:`physgnn.models`). For a fixed seed the generator draws the same labels,
features and split for every ``h``; only the edges change. Each row of ``results/csbm_sweep.csv`` is one
(model, layers, homophily, seed) run: the measured edge homophily of the sampled graph, the train, validation and
test accuracy at the epoch of best validation accuracy, timings, the settings, the command and the versions.

Which chapter plots it: Chapter 3, "When neighbours differ: heterophily" (accuracy against h: the GCN's dip
below the MLP at middling homophily). In fast mode the chapter calls :func:`run` itself on a coarse grid.

The command (11 minutes on one thread of a busy 2-core machine for the default grid of 21 values of h and 5 seeds;
resumable, rows already in the CSV are skipped)::

    OMP_NUM_THREADS=1 python -m physgnn experiment csbm_sweep
    python -m physgnn experiment csbm_sweep --homophily 0 0.5 1 --seeds 0 1   # a smaller grid
"""

from __future__ import annotations

import argparse
import math

import torch
from tqdm.auto import tqdm

from .. import results
from ..data import contextual_sbm
from ..energy import homophily as edge_homophily
from ..models import GCN, MLP
from ..train import fit
from ._runner import TRAINING_KEYS, add_training_arguments, fit_fields, parse_device, refuse_duplicates, save, training_fields, training_kwargs

__all__ = ["CSV", "HOMOPHILY", "SEEDS", "MODELS", "GRAPH", "KEYS", "make_graph", "run_one", "run", "summarize", "main"]

CSV = "csbm_sweep.csv"
#: the default grid: h = 0, 0.05, ..., 1
HOMOPHILY = tuple(round(0.05 * k, 2) for k in range(21))
SEEDS = (0, 1, 2, 3, 4)
#: (model, number of layers)
MODELS = (("mlp", 2), ("gcn", 2), ("gcn", 4))
#: the contextual SBM every run uses (only ``homophily`` and ``seed`` vary)
GRAPH = dict(num_nodes=1000, num_classes=2, avg_degree=10.0, num_features=16, feature_signal=1.0)
#: the columns that identify a run (used to skip rows already in the CSV)
KEYS = ("model", "layers", "homophily", "seed")


def _key(h: float) -> float:
    """The grid value as stored in the CSV (rounded, so 0.1 + 0.2 and 0.3 are the same point)."""
    return round(float(h), 4)


def make_graph(h: float, seed: int, **graph):
    """The contextual SBM of one grid point: :data:`GRAPH` with ``homophily=h`` (``graph`` overrides entries)."""
    return contextual_sbm(homophily=float(h), seed=int(seed), **{**GRAPH, **graph})


def _model(name: str, layers: int, in_channels: int, hidden: int, out_channels: int, dropout: float):
    if name == "mlp":
        return MLP(in_channels, hidden, out_channels, num_layers=layers, dropout=dropout)
    if name == "gcn":
        return GCN(in_channels, hidden, out_channels, num_layers=layers, dropout=dropout)
    raise ValueError(f"csbm_sweep: unknown model {name!r}; allowed: 'mlp', 'gcn'")


def run_one(data, model: str, layers: int, seed: int, *, homophily: float, hidden: int = 32, dropout: float = 0.5,
            epochs: int = 200, patience: int = 50, lr: float = 0.05, weight_decay: float = 5e-4, device=None) -> dict:
    """Train one model on one contextual SBM ``data`` (made by :func:`make_graph` with knob ``homophily``); return a row.

    The model is seeded with ``seed``, so a row does not depend on which other rows were run before it.
    """
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise ValueError(f"csbm_sweep.run_one: layers must be a positive integer, got {layers!r}")
    torch.manual_seed(seed)
    net = _model(model, layers, data.num_features, hidden, int(data.y.max()) + 1, dropout)
    res = fit(net, data, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False, device=device)
    return {
        "model": model,
        "layers": layers,
        "homophily": _key(homophily),
        "seed": seed,
        "measured_homophily": round(edge_homophily(data.edge_index, data.y, "edge"), 6),
        **fit_fields(res),
        **training_fields(hidden=hidden, dropout=dropout, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay),
        **GRAPH,
    }


def run(homophily=HOMOPHILY, seeds=SEEDS, models=MODELS, *, progress: bool = True, on_row=None, skip=(), **fit_kwargs) -> list[dict]:
    """Train every model in ``models`` on the contextual SBM of every (homophily, seed); return the rows.

    Args:
        homophily: values of the homophily knob h in [0, 1].
        seeds: graph and model seeds.
        models: ``(name, layers)`` pairs, name ``"mlp"`` or ``"gcn"``.
        progress: show a tqdm bar.
        on_row: called with each new row (``main`` uses it to append the row to the CSV at once).
        skip: a set of ``(model, layers, h, seed)`` keys to leave out (rows already saved; compared as
            :func:`physgnn.results.key` spells them).
        **fit_kwargs: ``hidden``, ``dropout``, ``epochs``, ``patience``, ``lr``, ``weight_decay`` for :func:`run_one`.
    """
    models = [(str(m), int(l)) for m, l in models]
    grid = [(_key(h), int(s), m, l) for h in homophily for s in seeds for m, l in models]
    skip = {results.key(*k) for k in skip}
    todo = list(dict.fromkeys(g for g in grid if results.key(g[2], g[3], g[0], g[1]) not in skip))  # each run once
    rows, graph, graph_key = [], None, None
    bar = tqdm(todo, desc="csbm_sweep", disable=not progress)
    for h, seed, model, layers in bar:
        if (h, seed) != graph_key:  # the grid keeps all models of one graph together: build each graph once
            graph, graph_key = make_graph(h, seed), (h, seed)
        bar.set_postfix(h=h, seed=seed, model=f"{model}-{layers}")
        row = run_one(graph, model, layers, seed, homophily=h, **fit_kwargs)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def summarize(rows) -> dict:
    """Mean and sample standard deviation of the test accuracy over seeds.

    ``rows``: dicts as :func:`run` returns them or as :func:`physgnn.results.read_csv` reads them (strings).
    Returns ``{(model, layers): {"h": [...], "mean": [...], "std": [...], "n": [...], "measured": [...]}}`` with
    the h values sorted; ``measured`` is the mean measured edge homophily at each h.
    """
    groups: dict = {}
    for r in rows:
        key = (str(r["model"]), int(r["layers"]))
        groups.setdefault(key, {}).setdefault(float(r["homophily"]), []).append((float(r["test"]), float(r["measured_homophily"])))
    out = {}
    for key, by_h in groups.items():
        hs = sorted(by_h)
        stats = {"h": hs, "mean": [], "std": [], "n": [], "measured": []}
        for h in hs:
            acc = [a for a, _ in by_h[h]]
            mean = sum(acc) / len(acc)
            var = sum((a - mean) ** 2 for a in acc) / (len(acc) - 1) if len(acc) > 1 else 0.0
            stats["mean"].append(mean)
            stats["std"].append(math.sqrt(var))
            stats["n"].append(len(acc))
            stats["measured"].append(sum(m for _, m in by_h[h]) / len(acc))
        out[key] = stats
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment csbm_sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--homophily", nargs="+", type=float, default=list(HOMOPHILY), help="values of h (default: 0, 0.05, ..., 1)")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS), help="seeds (default: 0 1 2 3 4)")
    parser.add_argument("--models", nargs="+", default=[f"{m}-{l}" for m, l in MODELS],
                        help="models as NAME-LAYERS, NAME in mlp/gcn (default: mlp-2 gcn-2 gcn-4)")
    add_training_arguments(parser, hidden=32, lr=0.05, seed=None)  # --seeds is part of the grid
    args = parser.parse_args(argv)
    args.device = parse_device(parser, args)
    if any(not 0.0 <= h <= 1.0 for h in args.homophily):
        parser.error("--homophily values must lie in [0, 1]")
    try:
        models = [(m.split("-")[0], int(m.split("-")[1])) for m in args.models]
    except (IndexError, ValueError):
        parser.error("--models entries look like mlp-2 or gcn-4")
    refuse_duplicates(parser, args, "homophily", "seeds", "models")
    return save("csbm_sweep", CSV, KEYS, lambda **io: run(args.homophily, args.seeds, models, **io, **training_kwargs(args)),
                parser=parser, args=args, options=TRAINING_KEYS[:-1], argv=argv)  # no seed option: the grid holds it
