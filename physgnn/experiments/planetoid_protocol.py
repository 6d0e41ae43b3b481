r"""Cora and CiteSeer under the protocol that produced ACMP's reported numbers: random splits, 20 labels per class.

The book trains Cora and CiteSeer on the ten Geom-GCN splits (48/32/20 %). ACMP's reported accuracies there
(Cora 84.9 %, CiteSeer 75.5 %, Wang et al. 2023) come from the official code's own splits
(:func:`physgnn.data.planetoid_random_splits`: 20 training labels per class drawn from a random 1,500-node
development set, the rest of it validation, every other node test). This experiment trains four models on ten
such splits, so that each reported number is compared under the protocol that produced it:

* ``official-acmp``: :class:`~physgnn.models.OfficialACMP` trained and scored as
  :func:`physgnn.experiments.official_protocol.run_one` does it, which follows ``python run_GNN.py --dataset Cora``
  (the README's command; ``run_GNN.py``'s ``main`` replaces the merged ``best_params`` by the command-line
  options, ``opt = cmd_opt``, so its defaults are what runs). From those defaults: hidden 16, input dropout 0.5,
  dropout 0, rk4 with step 0.1 to T = 12.8, β = 0, Adam at lr 0.01 with weight decay 5·10⁻⁴ for 99 epochs without
  early stopping, the test score at the best validation (epoch, solver step) along the trajectory to 3T. From
  ``data.py``: PyG's whole Planetoid graph as stored (its largest-connected-component step is commented out) and raw
  binary features (no ``NormalizeFeatures`` for Planetoid). The
  ``*_T`` columns hold the book's selection, the state at T at the best epoch.
* ``acmp-gcn``, ``gcn``, ``mlp``: the book's models with the grids and training budget of
  :mod:`physgnn.protocols.table`, as ``python -m physgnn reproduce`` trains them on Cora and CiteSeer (undirected
  graph, row-normalised features, Adam for at most 200 epochs with patience 50). Every setting of the grid is
  trained on every split, the splits of one setting as one batched cell (:func:`physgnn.cell.fit_cell`, on the CPU);
  :func:`summarize` picks each model's setting by the mean validation score on the search splits of
  :func:`physgnn.protocols.table.search_splits` (0 and 1), as ``reproduce`` does.

Split s is drawn with seed ``split_seed + s`` and trained with seed ``seed + s``. Each row of
``results/planetoid_protocol.csv`` is one (dataset, model, setting, split) run: ``val``/``test`` at the model's
own selection, ``val_T``/``test_T`` at T, best epoch, epochs run, CPU seconds, command and package versions.

    OMP_NUM_THREADS=1 python -m physgnn experiment planetoid_protocol --estimate # one split per model: the cost
    OMP_NUM_THREADS=1 python -m physgnn experiment planetoid_protocol            # everything, resumable
    python -m physgnn experiment planetoid_protocol --datasets cora --models gcn --splits 0 1
"""

from __future__ import annotations

import argparse
import json
import math
import time

import torch
from tqdm.auto import tqdm

from .. import results
from ..cell import fit_cell
from ..cell.budget import members_per_batch
from ..data import load, planetoid_random_splits, select_split
from ..protocols import table
from ..train import fit
from . import official_protocol
from ._runner import add_device_argument, parse_device, refuse_duplicates

__all__ = ["CSV", "DATASETS", "MODELS", "KEYS", "REPORTED", "settings_of", "make_graph", "run_one", "run", "estimate", "summarize", "main"]

CSV = "planetoid_protocol.csv"
DATASETS = ("cora", "citeseer")
#: in the order they run: the cheap baselines first, then the official configuration, then the book's ACMP
MODELS = ("gcn", "mlp", "official-acmp", "acmp-gcn")
#: ACMP's reported test accuracy (%) under this protocol (Wang et al. 2023, the homophilic table)
REPORTED = {"cora": 84.9, "citeseer": 75.5}
#: the official configuration's fixed settings (see the module docstring); only its training budget can be changed
OFFICIAL = dict(hidden=16, beta=0.0, T=12.8, step_size=0.1, dropout_in=0.5, dropout=0.0, horizon=3.0)
OFFICIAL_TRAINING = dict(epochs=99, patience=None, lr=0.01, weight_decay=5e-4)
#: every column that changes a row (for resuming)
KEYS = ("dataset", "model", "settings", "split", "seed", "split_seed", "epochs", "patience")


def settings_of(model: str, dataset: str) -> list[dict]:
    """The settings trained for ``model`` on ``dataset``: the official one, or the book's grid."""
    if model == "official-acmp":
        return [dict(OFFICIAL)]
    if model not in MODELS:
        raise ValueError(f"planetoid_protocol: unknown model {model!r}; allowed: {', '.join(MODELS)}")
    return table.settings_grid(model, dataset)


def make_graph(dataset: str, model: str, *, num_splits: int = 10, split_seed: int = 0):
    """``dataset`` with ``num_splits`` official random splits (masks [N, S]), prepared as ``model`` expects:
    PyG's graph and raw features for the official configuration, the book's (undirected, row-normalised) otherwise."""
    if dataset not in DATASETS:
        raise ValueError(f"planetoid_protocol: dataset must be one of {DATASETS}, got {dataset!r}")
    data = load(dataset, undirected=False, normalize_features=False) if model == "official-acmp" else load(dataset)
    return planetoid_random_splits(data, num_splits, seed=split_seed)


def _budget(model: str, dataset: str, epochs, patience) -> dict:
    base = dict(OFFICIAL_TRAINING) if model == "official-acmp" else dict(table.training(dataset))
    if epochs is not None:
        base["epochs"] = epochs
    if patience is not None:
        base["patience"] = patience
    return base


def _patience(budget: dict):
    """The ``patience`` column: the number, or ``"none"`` without early stopping (an empty cell would read as a
    missing option when resuming)."""
    return "none" if budget["patience"] is None else budget["patience"]


def run_one(data, model: str, settings: dict, splits, *, seed: int = 0, epochs: int | None = None,
            patience: int | None = None, device=None) -> list[dict]:
    """Train ``model`` with ``settings`` on ``splits`` of ``data`` (masks [N, S]); one row per split.

    ``epochs``/``patience``: ``None`` keeps the protocol's budget (official 99 epochs and no early stopping; the
    book's 200 and 50). Split s trains with seed ``seed + s``. On the CPU the book's models train the splits as one
    batched cell (each split scores what its separate run would, to rounding); on another ``device`` one by one.
    """
    splits = [int(s) for s in splits]
    budget = _budget(model, data.name, epochs, patience)
    key = table.settings_key(settings)
    common = dict(dataset=data.name, model=model, settings=key, seed=seed, epochs=budget["epochs"],
                  patience=_patience(budget))
    rows = []
    if model == "official-acmp":
        for s in splits:
            cpu = time.process_time()
            r = official_protocol.run_one(data, s, epochs=budget["epochs"], lr=budget["lr"], weight_decay=budget["weight_decay"],
                                          seed=seed, horizon=settings["horizon"], device=device)
            rows.append(dict(common, split=s, val=r["val_best"], test=r["test_best"], best_epoch=r["epoch_best"],
                             time_best=r["time_best"], val_T=r["val_T"], test_T=r["test_T"], epochs_run=budget["epochs"],
                             cpu_seconds=round(time.process_time() - cpu, 2)))
        return rows
    train = dict(epochs=budget["epochs"], patience=budget["patience"], lr=budget["lr"], weight_decay=budget["weight_decay"])
    def make():
        return table.build(model, settings, data)
    on_cpu = device is None or torch.device(device).type == "cpu"
    if on_cpu and len(splits) > 1:
        cap = members_per_batch(make(), data.num_nodes) or len(splits)
        runs = []
        for i in range(0, len(splits), cap):
            runs += fit_cell(make, data, [(s, seed + s) for s in splits[i:i + cap]], progress=False, **train)
    else:
        runs = []
        for s in splits:
            torch.manual_seed(seed + s)
            runs.append(fit(make(), select_split(data, s), progress=False, device=device, **train))
    for s, r in zip(splits, runs):
        rows.append(dict(common, split=s, val=round(r.val, 6), test=round(r.test, 6), best_epoch=r.best_epoch,
                         time_best=settings.get("T", ""), val_T=round(r.val, 6), test_T=round(r.test, 6),
                         epochs_run=r.epochs_run, cpu_seconds=round(r.cpu_seconds, 2)))
    return rows


def run(datasets=DATASETS, models=MODELS, splits=range(10), *, seed: int = 0, split_seed: int = 0, epochs=None,
        patience=None, settings=None, device=None, progress: bool = True, on_row=None, skip=()) -> list[dict]:
    """Every (dataset, model, setting) cell on ``splits``, leaving out the runs in ``skip`` (keys in :data:`KEYS`
    order, as :func:`physgnn.results.done` spells them); ``on_row`` gets each row as soon as its cell ends.
    ``settings``: indices into each model's list of :func:`settings_of` (``None``: all)."""
    skip = set(skip)
    cells = []
    for m in models:  # model by model, so that a run cut short leaves whole models
        for d in datasets:
            b = _budget(m, d, epochs, patience)
            grid = settings_of(m, d)
            for st in (grid if settings is None else [grid[i] for i in settings if i < len(grid)]):
                todo = [int(s) for s in splits if results.key(d, m, table.settings_key(st), s, seed, split_seed, b["epochs"],
                                                              _patience(b)) not in skip]
                if todo:
                    cells.append((d, m, st, todo))
    rows, graph = [], {}
    n_splits = max([int(s) for s in splits], default=0) + 1
    for d, m, st, todo in tqdm(cells, desc="planetoid_protocol", disable=not progress):
        kind = (d, m == "official-acmp")
        if kind not in graph:
            graph.clear()
            graph[kind] = make_graph(d, m, num_splits=max(n_splits, 10), split_seed=split_seed)
        # the official runs train split by split anyway: save each as it ends; a batched cell is saved whole
        for part in ([[s] for s in todo] if m == "official-acmp" else [todo]):
            for row in run_one(graph[kind], m, st, part, seed=seed, epochs=epochs, patience=patience, device=device):
                row["split_seed"] = split_seed
                rows.append(row)
                if on_row is not None:
                    on_row(row)
    return rows


def estimate(datasets=DATASETS, models=MODELS, splits=range(10), *, epochs=None, patience=None, device=None) -> dict:
    """CPU seconds of one split of each (dataset, model), trained with the first setting and not saved, and the
    projection for ``splits`` of every setting (one split's cost times their number: an upper bound for the book's
    models, whose splits train as one batched cell). Returns ``{(dataset, model): (seconds, projected)}``."""
    out = {}
    for d in datasets:
        for m in models:
            data = make_graph(d, m, num_splits=1)
            grid = settings_of(m, d)
            cpu = time.process_time()
            run_one(data, m, grid[0], [0], epochs=epochs, patience=patience, device=device)
            one = time.process_time() - cpu
            out[(d, m)] = (one, one * len(grid) * len(list(splits)))
    return out


def summarize(rows, *, seed: int = 0, split_seed: int = 0) -> dict:
    """Per (dataset, model): the setting chosen by the mean validation score on the search splits, and the mean and
    sample std (%) of its test score over the splits it has, beside ACMP's reported number. Only rows of the
    protocol's own budget and of the given seeds count.

    Returns ``{(dataset, model): {"settings", "mean", "std", "n", "mean_T", "reported", "gap"}}``; ``gap`` is mean
    minus reported (``None`` where nothing is reported)."""
    by = {}
    for r in rows:
        b = _budget(r["model"], r["dataset"], None, None)
        mine = results.key(seed, split_seed, b["epochs"], _patience(b))
        if results.key(r["seed"], r["split_seed"], r["epochs"], r["patience"]) != mine:
            continue
        by.setdefault((r["dataset"], r["model"]), {}).setdefault(r["settings"], {})[int(r["split"])] = r
    out = {}
    for (d, m), settings in by.items():
        search = table.search_splits(d)
        def val(runs):
            have = [float(runs[s]["val"]) for s in search if s in runs]
            return sum(have) / len(have) if len(have) == len(search) else -math.inf
        best = max(settings, key=lambda k: val(settings[k]))
        runs = [settings[best][s] for s in sorted(settings[best])]
        scores = [100 * float(r["test"]) for r in runs]
        at_t = [100 * float(r["test_T"]) for r in runs]
        mean = sum(scores) / len(scores)
        std = math.sqrt(sum((x - mean) ** 2 for x in scores) / (len(scores) - 1)) if len(scores) > 1 else 0.0
        rep = REPORTED.get(d)
        out[(d, m)] = dict(settings=json.loads(best), mean=mean, std=std, n=len(scores), mean_T=sum(at_t) / len(at_t),
                           reported=rep, gap=None if rep is None else mean - rep)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment planetoid_protocol", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="split indices (default 0..9)")
    parser.add_argument("--seed", type=int, default=0, help="training seed of split s is seed + s (default 0)")
    parser.add_argument("--split-seed", type=int, default=0, help="split s is drawn with seed split-seed + s (default 0)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default: the protocol's, 99 official, 200 book)")
    parser.add_argument("--patience", type=int, default=None, help="early-stopping patience (default: none official, 50 book)")
    parser.add_argument("--settings", nargs="+", type=int, default=None,
                        help="indices into each model's grid of settings (default: all; the official model has one)")
    parser.add_argument("--estimate", action="store_true", help="time one split per model and print the projected cost; save nothing")
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    if any(s < 0 for s in args.splits):
        parser.error("splits must be non-negative")
    for name in ("seed", "split_seed", "epochs", "patience"):
        v = getattr(args, name)
        if v is not None and v < (1 if name in ("epochs", "patience") else 0):
            parser.error(f"--{name.replace('_', '-')} must be {'positive' if name in ('epochs', 'patience') else 'non-negative'}, got {v}")
    if args.settings is not None and any(i < 0 for i in args.settings):
        parser.error("--settings are indices into a model's grid, 0 or more")
    refuse_duplicates(parser, args, "datasets", "models", "splits", "settings")
    torch.set_num_threads(1)
    if args.estimate:
        costs = estimate(args.datasets, args.models, args.splits, epochs=args.epochs, patience=args.patience, device=device)
        for (d, m), (one, total) in costs.items():
            print(f"  {d:>8} {m:>13}: one split {one:.1f} CPU s; {len(settings_of(m, d))} setting(s) x "
                  f"{len(args.splits)} splits <= {total / 60:.1f} CPU min")
        print(f"planetoid_protocol: projected at most {sum(t for _, t in costs.values()) / 3600:.2f} CPU hours")
        return 0
    extra = {"command": results.command_line(argv, "python -m physgnn experiment planetoid_protocol"), **results.versions()}
    path = results.results_dir(create=True) / CSV
    written = []

    def append(row):
        if results.append_row(CSV, {**row, **extra}, unique=KEYS) is not None:
            written.append(row)

    try:
        lock = results.run_lock(CSV)
    except RuntimeError as err:
        parser.error(str(err))
    with lock:
        skip = results.done(CSV, KEYS)
        run(args.datasets, args.models, args.splits, seed=args.seed, split_seed=args.split_seed, epochs=args.epochs,
            patience=args.patience, settings=args.settings, device=device, skip=skip, on_row=append)
    print(f"planetoid_protocol: {len(written)} new rows ({len(skip)} already present) in {path}")
    if path.is_file():
        for (d, m), s in sorted(summarize(results.read_csv(CSV)).items()):
            rep = "" if s["reported"] is None else f"; ACMP reported {s['reported']:.1f} (gap {s['gap']:+.1f})"
            print(f"  {d:>8} {m:>13} n={s['n']}: {s['mean']:.1f} ± {s['std']:.1f} (at T {s['mean_T']:.1f}){rep}")
    return 0
