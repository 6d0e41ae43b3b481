"""Sanity rows: our residual baselines under Platonov et al.'s (2023) published protocol, beside their numbers.

What it measures: ResNet, GCN and GAT (and, on request, SAGE and GAT-sep) of :mod:`physgnn.models.residual`, trained
exactly as :mod:`physgnn.protocols.platonov` describes (width 512, dropout 0.2, AdamW at 3·10⁻⁵ for 1000 steps,
test score at the best validation step, depth 1–5 chosen on validation), on Minesweeper, Tolokers and the filtered
Chameleon and Squirrel, on their ten splits. Each row of ``results/platonov_sanity.csv`` is one (dataset, model,
features, edges, depth, split) run with its scores, best step, CPU seconds, peak memory, the command and the
package versions. :func:`physgnn.protocols.platonov.compare` turns the rows into the table of ours vs published.

Which chapter reads it: Chapter 8, Section 8.5 (is our baseline as strong as the literature's?); it compares only
the (dataset, model) cells with every depth on all ten splits.

The command (resumable; rows already in the CSV are skipped; the full grid costs many CPU-hours, see
``--help``)::

    OMP_NUM_THREADS=1 python -m physgnn experiment platonov_sanity
    python -m physgnn experiment platonov_sanity --datasets minesweeper --models gcn --depths 2 --splits 0 1
"""

from __future__ import annotations

import argparse

from tqdm.auto import tqdm

from .. import results
from ..protocols import platonov
from ._runner import parse_device

__all__ = ["CSV", "DATASETS", "MODELS", "KEYS", "run", "main"]

CSV = "platonov_sanity.csv"
DATASETS = ("minesweeper", "tolokers", "chameleon-filtered", "squirrel-filtered")
MODELS = ("gcn", "resnet", "gat")
#: the protocol's data preparation and single run, named here so that the command's resume logic can be tested
#: without training (tests replace them)
make_graph = platonov.prepare
run_one = platonov.run_one
#: every option that changes a row (for resuming)
KEYS = ("dataset", "model", "features", "edges", "num_layers", "split", "steps", "seed", "patience")


def run(datasets=DATASETS, models=MODELS, depths=platonov.PROTOCOL["depths"], splits=range(10), *, features="raw",
        edges="undirected", steps: int = 1000, seed: int = 0, patience: int = 0, device=None, progress: bool = True,
        on_row=None, skip=()) -> list[dict]:
    """Every (dataset, model, depth, split) run not in ``skip`` (keys as :func:`physgnn.results.done` gives them, in
    :data:`KEYS` order), in that
    nesting order (so a partial run finishes whole cells first); ``on_row`` gets each row at once."""
    grid = [(d, m, int(l), int(s)) for d in datasets for m in models for l in depths for s in splits]
    skip = set(skip)
    todo = [g for g in grid if results.key(g[0], g[1], features, edges, g[2], g[3], steps, seed, patience) not in skip]
    rows, data = [], None
    for dataset, model, depth, split in tqdm(todo, desc="platonov_sanity", disable=not progress):
        if data is None or data.name != dataset:
            data = make_graph(dataset, features=features, edges=edges)
        p = platonov.PROTOCOL
        row = run_one(data, model, split, depth, hidden=p["hidden"], dropout=p["dropout"], lr=p["lr"],
                               weight_decay=p["weight_decay"], heads=p["heads"], steps=steps, seed=seed,
                               patience=patience, device=device)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment platonov_sanity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), help=f"datasets (default: {' '.join(DATASETS)})")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(platonov.MODELS), help="models (default: gcn resnet gat)")
    parser.add_argument("--depths", nargs="+", type=int, default=list(platonov.PROTOCOL["depths"]), help="residual blocks (default: 1 2 3 4 5)")
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="split indices (default: 0..9)")
    parser.add_argument("--features", default="raw", choices=platonov.FEATURES, help="feature preprocessing (default: raw, as published)")
    parser.add_argument("--edges", default="undirected", choices=platonov.EDGES, help="edge preprocessing (default: undirected, as published)")
    parser.add_argument("--steps", type=int, default=platonov.PROTOCOL["steps"], help="training steps (default: 1000, as published)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (run seed = seed + split)")
    parser.add_argument("--patience", type=int, default=0,
                        help="stop a run after this many steps without a better validation score (default 0: every step, "
                             "as published; see physgnn.protocols.platonov.run_one for when the result is the same)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda (runs on CUDA are not bit-identical)")
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    if args.patience < 0:
        parser.error(f"--patience must be 0 (every step) or a positive integer, got {args.patience}")
    skip = results.done(CSV, KEYS)
    extra = {"command": results.command_line(argv, "python -m physgnn experiment platonov_sanity"), **results.versions()}
    path = results.results_dir(create=True) / CSV
    rows = run(args.datasets, args.models, args.depths, args.splits, features=args.features, edges=args.edges,
               steps=args.steps, seed=args.seed, patience=args.patience, device=device, skip=skip, on_row=lambda row: results.append_row(CSV, {**row, **extra}, unique=KEYS))
    print(f"platonov_sanity: {len(rows)} new rows ({len(skip)} already present) in {path}")
    for r in platonov.compare(results.read_csv(CSV)):
        print(f"  {r['dataset']:>18} {r['model']:>7} L={r['num_layers']} n={r['n_splits']}: {r['mean']:.2f} ± {r['std']:.2f} "
              f"vs published {r['published']:.2f} ± {r['published_std']:.2f} (gap {r['gap']:+.2f}, {'ok' if r['ok'] else 'MISS'}"
              f"{'' if r['complete'] else '; not every depth and split yet'})")
    return 0
