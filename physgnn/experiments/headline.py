"""The new headline table: every model of :mod:`physgnn.protocols.headline`, searched and run under one protocol.

What it measures: for each (dataset, model), first the search — each configuration of the protocol's first stage
(training recipe × architecture, raw features, symmetrised edges) on the search splits, then the other
preprocessings under both recipes at the best of those architectures — and then the chosen configuration on all ten splits with
``headline.SEEDS`` seeds. The configuration with the best mean validation score over the search splits wins
(the earlier one on a tie); test scores play no part in any choice. Every training run is one row of
``results/headline.csv``: its settings, split, seed, scores at the best validation epoch, best epoch, epochs run,
CPU seconds, peak memory, epochs with non-finite outputs (``diverged``) and the device. The final runs use fresh
seeds (1 and 2), not the search's seed 0, so that the winner's lucky validation scores do not carry over into its
test scores. :func:`choice` and :func:`summary` read the rows.

Which chapter reads it: none yet; Chapters 7 and 8 will, once it is complete (the rows are computed once, at full
budget, and only read by the chapters and CI).

The command (resumable: every finished run, or stacked group of runs, is saved at once, and a rerun skips the runs
already saved)::

    OMP_NUM_THREADS=1 python -m physgnn experiment headline
    python -m physgnn experiment headline --datasets texas --models gcn mlp    # a part of the table
"""

from __future__ import annotations

import argparse
import math
import statistics

import torch
from tqdm.auto import tqdm

from .. import results
from .._process import peak_rss_mb
from ..cell import fit_cell
from ..cell.budget import members_per_batch
from ..data import select_split
from ..protocols import headline
from ..train import fit
from ._runner import add_device_argument, dataset_name, parse_device, refuse_duplicates, save

__all__ = ["CSV", "KEYS", "STACKED", "make_graph", "run_one", "run_group", "choice", "final_runs", "run", "summary",
           "parse_table_arguments", "main"]

CSV = "headline.csv"
KEYS = ("dataset", "model", "settings", "split", "seed")
#: the models whose runs train as one stacked cell on the CPU (:func:`run_group`)
STACKED = ("mlp", "gcn", "grand", "acmp-book", "acmp-official")
#: the data preparation, named here so that tests can stand in for it
make_graph = headline.prepare


def run_one(data, model: str, settings: dict, split: int, seed: int, *, epochs: int = headline.EPOCHS,
            patience: int = headline.PATIENCE, device=None) -> dict:
    """Train ``model`` with ``settings`` (architecture, ``recipe``, ``features``, ``edges``; ``data`` already
    prepared with that preprocessing, masks [N, 10]) on split ``split`` with seed ``seed``; return the row."""
    recipe = _recipe(settings)
    torch.manual_seed(headline.run_seed(split, seed))
    net = headline.build(model, settings, data)
    r = fit(net, select_split(data, int(split)), epochs=epochs, patience=patience, progress=False, device=device, **recipe)
    return _row(data, model, settings, split, seed, r, epochs=epochs, patience=patience, device=device)


def run_group(data, model: str, settings: dict, pairs, *, epochs: int = headline.EPOCHS,
              patience: int = headline.PATIENCE, device=None) -> list[dict]:
    """The rows of :func:`run_one` for every (split, seed) of ``pairs``, in that order. On the CPU the runs of a
    model that stacks (:data:`STACKED`) train as one stacked cell (:func:`physgnn.cell.fit_cell`), each as its
    separate run would (same seed, same numbers to rounding), in batches that fit
    :func:`physgnn.cell.budget.members_per_batch`; each row's ``cpu_seconds`` is its share of its batch's."""
    pairs = [(int(s), int(k)) for s, k in pairs]
    on_cpu = device is None or torch.device(device).type == "cpu"
    if model not in STACKED or len(pairs) < 2 or not on_cpu:
        return [run_one(data, model, settings, s, k, epochs=epochs, patience=patience, device=device) for s, k in pairs]
    recipe = _recipe(settings)
    make = lambda: headline.build(model, settings, data)  # noqa: E731
    with torch.random.fork_rng(devices=[]):  # one model to read the configuration from, without moving the seed
        cap = members_per_batch(make(), data.num_nodes) or len(pairs)
    chunk = math.ceil(len(pairs) / math.ceil(len(pairs) / cap))  # even batches
    runs = fit_cell(make, data, [(s, headline.run_seed(s, k)) for s, k in pairs], epochs=epochs, patience=patience,
                    chunk=chunk, progress=False, **recipe)
    return [_row(data, model, settings, s, k, r, epochs=epochs, patience=patience, device=None)
            for (s, k), r in zip(pairs, runs)]


def _recipe(settings: dict) -> dict:
    recipe = headline.RECIPES.get(settings.get("recipe"))
    if recipe is None:
        raise ValueError(f"headline: settings need a recipe, one of {', '.join(headline.RECIPES)}; got {settings!r}")
    return recipe


def _row(data, model, settings, split, seed, r, *, epochs, patience, device) -> dict:
    """The CSV row of one trained run (``r`` a :class:`~physgnn.train.FitResult`)."""
    return {"dataset": data.name, "model": model, "settings": headline.settings_key(settings), "split": int(split),
            "seed": int(seed), "metric": r.metric, "train": round(r.train, 6), "val": round(r.val, 6),
            "test": round(r.test, 6), "best_epoch": r.best_epoch, "epochs_run": r.epochs_run, "epochs": epochs,
            "patience": patience, "diverged": r.diverged_epochs, "cpu_seconds": round(r.cpu_seconds, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1), "device": str(device) if device is not None else "cpu"}


def _val(rows, dataset, model, settings, splits):
    """Mean validation score of ``settings`` over ``splits`` (seed 0), or ``None`` while a run is missing."""
    key = headline.settings_key(settings)
    got = {int(r["split"]): float(r["val"]) for r in rows if r["dataset"] == dataset and r["model"] == model
           and r["settings"] == key and int(r["seed"]) == 0}
    if not all(s in got for s in splits):
        return None
    vals = [got[s] for s in splits]
    return -math.inf if any(math.isnan(v) for v in vals) else sum(vals) / len(vals)


def choice(rows, dataset: str, model: str) -> tuple[str, dict | None, list[dict]]:
    """Where the search of (dataset, model) stands, from ``rows`` (as :func:`run_one` returns them or the CSV reads
    them): ``("first", None, todo)`` or ``("second", None, todo)`` with the configurations still to run on the
    search splits, or ``("done", best, [])`` with the chosen configuration."""
    splits = headline.search_splits(dataset)
    first = headline.first_stage(model, dataset)
    scores = [_val(rows, dataset, model, s, splits) for s in first]
    todo = [s for s, v in zip(first, scores) if v is None]
    if todo:
        return "first", None, todo
    best1 = first[max(range(len(first)), key=lambda i: (scores[i], -i))]
    second = headline.second_stage(best1, dataset)
    scores2 = [_val(rows, dataset, model, s, splits) for s in second]
    todo = [s for s, v in zip(second, scores2) if v is None]
    if todo:
        return "second", None, todo
    tried = [best1] + second
    everything = [scores[first.index(best1)]] + scores2
    return "done", tried[max(range(len(tried)), key=lambda i: (everything[i], -i))], []


def final_runs() -> list[tuple[int, int]]:
    """The (split, seed) pairs of the final stage: seeds 1 to ``headline.SEEDS`` (seed 0 is the search's)."""
    return [(split, seed) for seed in range(1, headline.SEEDS + 1) for split in range(10)]


def run(datasets=headline.DATASETS, models=headline.MODELS, *, epochs: int = headline.EPOCHS,
        patience: int = headline.PATIENCE, device=None, progress: bool = True, on_row=None, skip=(), rows=()) -> list[dict]:
    """Search and final runs of every (dataset, model); ``rows``: the runs already saved (read for the choices),
    ``skip``: their keys. ``on_row`` gets each new row at once."""
    rows = list(rows)
    skip = {results.key(*k) for k in skip}
    new, cache = [], {}
    bar = tqdm([(d, m) for d in datasets for m in models], desc="headline", disable=not progress)

    def train(dataset, model, settings, pairs):
        key = lambda s, k: results.key(dataset, model, headline.settings_key(settings), s, k)  # noqa: E731
        pairs = [(s, k) for s, k in pairs if key(s, k) not in skip]
        if not pairs:
            return
        prep = (settings["features"], settings["edges"])
        if (dataset, prep) not in cache:
            cache.clear()
            cache[(dataset, prep)] = make_graph(dataset, settings)
        bar.set_postfix(dataset=dataset, model=model, runs=len(pairs))
        for row in run_group(cache[(dataset, prep)], model, settings, pairs, epochs=epochs, patience=patience,
                             device=device):
            rows.append(row)
            new.append(row)
            skip.add(key(row["split"], row["seed"]))
            if on_row is not None:
                on_row(row)

    for dataset, model in bar:
        while True:
            stage, best, todo = choice(rows, dataset, model)
            if stage == "done":
                break
            for settings in todo:
                train(dataset, model, settings, [(split, 0) for split in headline.search_splits(dataset)])
        train(dataset, model, best, final_runs())
    return new


def summary(rows, dataset: str, model: str) -> dict | None:
    """The table cell of (dataset, model), or ``None`` before its final runs are all in: the chosen ``settings``,
    ``configurations`` tried, per-split test scores (mean over the final seeds, ``split_scores``), their ``mean``
    and sample ``std`` (fractions), the ``median_best_epoch`` of the final runs and ``converged`` (that median lies
    more than ``patience`` epochs before the cap), ``failed`` (final runs without a single finite epoch: their test
    score is NaN, and so are the mean and std) and ``capped_search`` (the share of the model's search runs on this
    dataset that reached the epoch cap: a search that could not finish its runs)."""
    stage, best, _ = choice(rows, dataset, model)
    if stage != "done":
        return None
    key = headline.settings_key(best)
    mine = [r for r in rows if r["dataset"] == dataset and r["model"] == model]
    runs = {(int(r["split"]), int(r["seed"])): r for r in mine if r["settings"] == key}
    if not all(p in runs for p in final_runs()):
        return None
    finals = [runs[p] for p in final_runs()]
    seeds = range(1, headline.SEEDS + 1)
    per_split = [statistics.fmean(float(runs[(s, k)]["test"]) for k in seeds) for s in range(10)]
    median = statistics.median(int(r["best_epoch"]) for r in finals)
    cap, patience = int(finals[0]["epochs"]), int(finals[0]["patience"])
    search = [r for r in mine if int(r["seed"]) == 0]
    capped = sum(int(r["epochs_run"]) >= int(r["epochs"]) for r in search) / len(search)
    nan = any(math.isnan(v) for v in per_split)
    return {"settings": best, "configurations": headline.configurations(model, dataset), "split_scores": per_split,
            "mean": math.nan if nan else statistics.fmean(per_split),
            "std": math.nan if nan else statistics.stdev(per_split), "median_best_epoch": median,
            "converged": median < cap - patience, "failed": sum(math.isnan(float(r["test"])) for r in finals),
            "capped_search": capped}


def parse_table_arguments(parser: argparse.ArgumentParser, argv) -> argparse.Namespace:
    """Add ``--datasets``, ``--models`` (the table's, by default) and ``--device`` to ``parser``, parse ``argv``, and
    refuse a value given twice or a dataset outside the table."""
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=list(headline.DATASETS))
    parser.add_argument("--models", nargs="+", default=list(headline.MODELS), choices=list(headline.MODELS))
    add_device_argument(parser)
    args = parser.parse_args(argv)
    refuse_duplicates(parser, args, "datasets", "models")
    bad = [d for d in args.datasets if d not in headline.DATASETS]
    if bad:
        parser.error(f"not in the headline table: {', '.join(bad)}")
    return args


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment headline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=headline.EPOCHS, help=f"most epochs per run (default {headline.EPOCHS})")
    parser.add_argument("--patience", type=int, default=headline.PATIENCE,
                        help=f"early-stopping patience (default {headline.PATIENCE})")
    args = parse_table_arguments(parser, argv)
    if args.epochs < 1 or args.patience < 1:
        parser.error("--epochs and --patience must be positive")
    device = args.device = parse_device(parser, args)  # rows and the resume key spell it alike

    def go(skip, on_row):
        saved = [r for r in results.read_csv(CSV) if int(r["epochs"]) == args.epochs and int(r["patience"]) == args.patience
                 and r["device"] == device] if (results.results_dir() / CSV).exists() else []
        return run(args.datasets, args.models, epochs=args.epochs, patience=args.patience, device=device,
                   on_row=on_row, skip=skip, rows=saved)

    status = save("headline", CSV, KEYS, go, parser=parser, args=args, options=("epochs", "patience", "device"),
                  argv=argv)
    saved = [r for r in results.read_csv(CSV) if int(r["epochs"]) == args.epochs and int(r["patience"]) == args.patience
             and r["device"] == device]
    for dataset in args.datasets:
        for model in args.models:
            cell = summary(saved, dataset, model)
            if cell is None:
                continue
            notes = [f"{cell['configurations']} configurations", f"median best epoch {cell['median_best_epoch']:g}",
                     f"{cell['capped_search']:.0%} of search runs at the cap"]
            notes += [] if cell["converged"] else ["NOT converged"]
            notes += [f"{cell['failed']} failed runs"] if cell["failed"] else []
            print(f"  {dataset:>18} {model:>13}: {100 * cell['mean']:.1f} ± {100 * cell['std']:.1f} ({', '.join(notes)})")
    return status
