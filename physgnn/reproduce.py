"""``python -m physgnn reproduce``: every model on every benchmark, 10 splits, hyper-parameters chosen on validation.

    python -m physgnn reproduce --dataset texas --model acmp-gcn          # one cell of the table
    python -m physgnn reproduce --dataset texas cornell --model gcn mlp --splits 0 1 2
    python -m physgnn reproduce --all --jobs 2                           # the whole table, two processes
    python -m physgnn reproduce --dataset texas --model gcn --device cuda # on a GPU (not bit-identical)

Two stages per dataset × model:

1. **Search** (validation only): every setting of the model's small grid (``GRIDS`` of ``physgnn.protocols.table``) is trained on the
   search splits (default 0 and 1); the setting with the best mean *validation* score wins. Each trial is a row
   of ``results/search.csv`` (dataset, model, settings, split, val, seconds) — the grid and budget on record.
2. **Runs**: the winner is trained on every requested split (default all 10) with seed = split; one row per run
   in ``results/reproduce.csv``: dataset, model, split, settings, seed, test score, best epoch, epochs,
   seconds, metric, the command and package versions.

On the small graphs (``BATCHED``: WebKB, Cora, CiteSeer) the splits of one cell, a setting's search splits or the
winner's remaining splits, train on the CPU as one batched model (:func:`train_cell`, ``physgnn.cell.fit_cell``):
each split scores what its separate run would, to rounding, and a small graph pays the per-call cost of a training
step once per cell instead of once per split. ``--separate`` trains them one by one; the larger graphs and other
devices always do.

Both stages are resumable: a trial or run already in its CSV is not run again. Scores are accuracy, or ROC AUC
for Minesweeper and Tolokers.

The protocol (``physgnn.protocols.table``) depends on the dataset only through :func:`protocol`, :func:`training` and :func:`search_splits`, for
the budget (``--all`` within 3 hours on two CPU cores, each run within 4 GB). The ODE models integrate to T = 1 on
the small graphs and to T = 3 on the seven larger ones, where they take rk4 steps of 0.5 instead of 0.1 (five times
fewer evaluations and five times less memory per unit of time) and search β on one split, at fractions of the largest
β that those steps follow stably (see ``STABLE_BETA``); on Tolokers, with a million directed edges, every model is 32
channels wide, GAT has 2 heads and training is shorter (``NARROW``, ``SHORT``). WebKB's tiny validation sets (59
nodes on Texas) are searched on all ten splits, Cora and CiteSeer on two. A run on a split that the search already trained with the
winning setting is that trial (same data, settings and seed), so it is recorded from the trial, not trained again.
Every (dataset, model) job also writes a row to ``results/reproduce_budget.csv``: wall-clock and CPU seconds and
the process's peak resident memory for that job.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing
import os
import shlex
import signal
import sys
import time

import torch
from tqdm.auto import tqdm

from . import results
from ._process import peak_rss_mb, reset_peak
from .costs import _slow_first, cell_seconds, job_order, projected_wall  # noqa: F401  (re-exported)
from .cell import fit_cell
from .cell.budget import STACKABLE, members_per_batch, stacks as _stacks  # noqa: F401  (STACKABLE re-exported)
from .data import dataset_names, load, select_split
from .protocols.table import (BATCHED, BETA_FRACTIONS, DATASETS, GRIDS, LARGE, NARROW, SHORT, STABLE_BETA, TRAINING, WEBKB,  # noqa: F401
                              build, max_degree, protocol, search_splits, settings_grid, settings_key, training)
from .train import fit

# The protocol (what is trained) lives in physgnn.protocols.table and the cost model in physgnn.costs; their names
# are re-exported here so that ``from physgnn.reproduce import GRIDS`` keeps working.
__all__ = ["search", "best_setting", "run", "train_cell", "main", "BATCHED", "GRIDS", "DATASETS", "TRAINING", "LARGE", "STABLE_BETA",
           "BETA_FRACTIONS", "NARROW", "SHORT", "max_degree", "protocol", "training", "search_splits", "settings_grid", "build", "job_order",
           "cell_seconds", "projected_wall"]

RUN_COLUMNS = ("dataset", "model", "split", "settings")
TRIAL_COLUMNS = ("dataset", "model", "settings", "split")


_key = settings_key


def train_cell(dataset: str, model: str, settings: dict, data, splits, device=None, batched: bool | None = None,
               on_result=None) -> dict:
    """Train ``model`` with ``settings`` on each of ``splits`` of ``data``, seed = split; ``{split: FitResult}``.

    On the small graphs (``BATCHED``), on the CPU, for a model that stacks, the splits train together as one batched
    model (:func:`physgnn.cell.fit_cell`, at most ``physgnn.cell.budget.members_per_batch`` at once): each
    scores what its separate run would, to rounding, and its ``seconds``/``cpu_seconds`` are its share of the
    batch's. Otherwise, or with ``batched=False``, each split trains alone with :func:`physgnn.train.fit`
    (``torch.manual_seed(split)``, then a fresh model). ``batched=True`` asks for the batch and raises ValueError
    where it cannot be had."""
    splits = [int(s) for s in splits]
    if not splits:
        return {}
    on_cpu = device is None or torch.device(device).type == "cpu"
    probe = build(model, settings, data) if data is not None else None
    can = on_cpu and _stacks(probe, settings)
    if batched is True and not can:
        raise ValueError(f"train_cell: {model} with these settings cannot train as one batch on {device or 'cpu'} "
                         "(batching needs the CPU and a stackable model: ACMP, GRAND, GCN, GCNII or MLP with a fixed-step solver)")
    if can and (batched is True or (batched is None and dataset in BATCHED and len(splits) > 1)):
        cap = members_per_batch(probe, data.num_nodes) or len(splits)
        out = {}
        for i in range(0, len(splits), cap):  # each batch saved before the next trains
            part = splits[i:i + cap]
            runs = fit_cell(lambda: build(model, settings, data), data, [(s, s) for s in part], progress=False, **training(dataset))
            for split, r in zip(part, runs):
                out[split] = r
                if on_result is not None:
                    on_result(split, r)
        return out
    out = {}
    for split in splits:
        torch.manual_seed(split)
        out[split] = fit(build(model, settings, data), select_split(data, split), progress=False, device=device, **training(dataset))
        if on_result is not None:
            on_result(split, out[split])
    return out


def search(dataset: str, model: str, data, splits=(0, 1), progress: bool = True, command: str | None = None, device=None,
           batched: bool | None = None) -> dict:
    """Pick the setting with the best mean validation score over ``splits``; every trial goes to search.csv.
    ``device``: where to train (default CPU); ``batched``: see :func:`train_cell` (a setting's splits are one cell)."""
    done = {(r["dataset"], r["model"], r["settings"], r["split"]): float(r["val"]) for r in _rows("search.csv")}
    scores = {}
    grid = settings_grid(model, dataset)
    for settings in tqdm(grid, desc=f"search {dataset}/{model}", disable=not progress, leave=False):
        todo = [sp for sp in splits if (dataset, model, _key(settings), str(sp)) not in done]
        def save_trial(split, r, settings=settings):
            done[(dataset, model, _key(settings), str(split))] = round(r.val, 6)  # as the CSV keeps it: a resumed search chooses as a fresh one
            results.append_row("search.csv", unique=TRIAL_COLUMNS, row=dict(dataset=dataset, model=model, settings=_key(settings), split=split, val=round(r.val, 6),
                                                  test=round(r.test, 6), best_epoch=r.best_epoch, epochs=r.epochs_run, seconds=round(r.seconds, 2),
                                                  cpu_seconds=round(r.cpu_seconds, 2), budget=f"{len(grid)} settings x {len(splits)} splits" + "".join(f", {k}={v}" for k, v in SHORT.get(dataset, {}).items()),
                                                  command=command or results.command_line()))

        train_cell(dataset, model, settings, data, todo, device, batched, on_result=save_trial)
        for split in splits:
            scores.setdefault(_key(settings), []).append(done[(dataset, model, _key(settings), str(split))])
    return json.loads(best_setting(scores))


def best_setting(scores: dict) -> str:
    """The winner among ``{settings key: [validation scores]}``: the highest mean; means equal to 1e-9 (ties of
    accuracy on a few dozen nodes, whose float sums differ in the last bit) go to the setting listed first, which
    :func:`search` lists in grid order. Chapter 7 uses this too, so the page and the runs agree."""
    if not scores or any(not v for v in scores.values()):
        raise ValueError("best_setting: need at least one validation score for every setting")
    # a setting whose runs diverged before any finite epoch has a NaN score: it ranks last
    means = {k: round(sum(v) / len(v), 9) for k, v in scores.items()}
    means = {k: (-math.inf if math.isnan(m) else m) for k, m in means.items()}
    top = max(means.values())
    return next(k for k, m in means.items() if m == top)


def _rows(name: str) -> list[dict]:
    path = results.results_dir() / name
    return results.read_csv(name) if path.is_file() else []


def run(dataset: str, model: str, splits, search_on=None, progress: bool = True, command: str | None = None, device=None,
        batched: bool | None = None) -> list[dict]:
    """Search (on ``search_on``, default :func:`search_splits`) then train the winner on ``splits``; new rows only.
    ``device``: where to train (default CPU); the data is moved there once. ``batched``: see :func:`train_cell`."""
    data = load(dataset)
    if device is not None:
        data = data.to(device)
    settings = search(dataset, model, data, tuple(search_on) if search_on is not None else search_splits(dataset), progress, command, device,
                      batched)
    done = results.done("reproduce.csv", RUN_COLUMNS)
    # a search trial of the winner on a requested split is that run (same data, settings and seed): reuse it
    trials = {r["split"]: r for r in _rows("search.csv") if (r["dataset"], r["model"], r["settings"]) == (dataset, model, _key(settings))
              and r.get("test", "") != ""}
    out = []
    versions = results.versions()
    todo = [split for split in splits if results.key(dataset, model, split, _key(settings)) not in done]

    def save(split, r):
        row = dict(dataset=dataset, model=model, split=split, settings=_key(settings), seed=split, test=round(r["test"], 6), val=round(r["val"], 6),
                   best_epoch=r["best_epoch"], epochs=r["epochs"], seconds=round(r["seconds"], 2), cpu_seconds=round(r["cpu_seconds"], 2),
                   metric=getattr(data, "metric", "accuracy"), command=command or results.command_line(), **versions)
        if results.append_row("reproduce.csv", row, unique=RUN_COLUMNS) is not None:  # None: another run saved it first
            out.append(row)

    for split in todo:
        if str(split) in trials:
            t = trials[str(split)]
            save(split, dict(test=float(t["test"]), val=float(t["val"]), best_epoch=int(t["best_epoch"]), epochs=int(t["epochs"]),
                             seconds=float(t["seconds"]), cpu_seconds=float(t["cpu_seconds"])))
    train_cell(dataset, model, settings, data, [s for s in todo if str(s) not in trials], device, batched,
               on_result=lambda split, f: save(split, dict(test=f.test, val=f.val, best_epoch=f.best_epoch, epochs=f.epochs_run,
                                                           seconds=f.seconds, cpu_seconds=f.cpu_seconds)))
    return out


def _job(args) -> dict:
    """One (dataset, model): search and runs, timed, with the peak memory of this job alone."""
    dataset, model, splits, search_on, threads, progress, command, device, batched = args
    torch.set_num_threads(threads)
    reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    new = run(dataset, model, splits, search_on, progress, command, device, batched)
    row = dict(dataset=dataset, model=model, new_runs=len(new), wall_seconds=round(time.perf_counter() - wall, 1),
               cpu_seconds=round(time.process_time() - cpu, 1), peak_mb=round(peak_rss_mb()), threads=threads,
               command=command)
    if new:
        results.append_row("reproduce_budget.csv", row)
    return row


def _die_with_parent(parent: int) -> None:
    """Initializer of the ``--jobs`` workers: a worker ends when the reproduce process does, even by SIGKILL. On Linux
    the kernel sends it SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``); a parent gone before the request
    was made is caught by its process id."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _pool(jobs: int):
    """The process pool of ``--jobs``: fresh processes (spawn), one (dataset, model) job each, ending with the parent."""
    return multiprocessing.get_context("spawn").Pool(jobs, maxtasksperchild=1, initializer=_die_with_parent, initargs=(os.getpid(),))


def main(argv=None) -> int:
    """The command line ``python -m physgnn reproduce`` (``argv``: its arguments; ``None`` reads ``sys.argv``).
    Returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m physgnn reproduce", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="+", choices=dataset_names(), metavar="NAME", help=f"datasets ({', '.join(DATASETS)})")
    parser.add_argument("--model", nargs="+", choices=sorted(GRIDS), metavar="MODEL", help=f"models ({', '.join(GRIDS)})")
    parser.add_argument("--splits", nargs="+", type=int, default=list(range(10)), help="splits to run (default 0..9)")
    parser.add_argument("--search-splits", nargs="+", type=int, default=None,
                        help="splits used to choose settings (validation only; default: all ten on WebKB, one on the larger graphs, else two)")
    parser.add_argument("--all", action="store_true", help="every dataset and model")
    parser.add_argument("--jobs", type=int, default=1, help="(dataset, model) jobs run at once, each in its own process (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job (1 makes runs repeat bit for bit)")
    parser.add_argument("--separate", action="store_true",
                        help="train each split alone, also on the small graphs whose cells otherwise train as one batch (the same rows, slower)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda; on CUDA runs are not bit-identical (see the book's how-to-run page)")
    args = parser.parse_args(argv)
    from .utils import device as pick_device

    try:
        device = str(pick_device(args.device))
    except ValueError as err:
        parser.error(str(err))
    if not args.all and not (args.dataset and args.model):
        parser.error("give --dataset and --model, or --all")
    if any(not 0 <= s < 10 for s in args.splits + (args.search_splits or [])):
        parser.error("splits must lie in 0..9")
    if args.jobs < 1 or args.threads < 1:
        parser.error("--jobs and --threads must be at least 1")
    for option in ("dataset", "model", "splits", "search_splits"):
        values = getattr(args, option) or []
        if len(set(values)) < len(values):
            parser.error(f"--{option.replace('_', '-')} gives a value twice ({' '.join(map(str, values))}); give each once")
    datasets = DATASETS if args.all else args.dataset
    models = list(GRIDS) if args.all else args.model
    # the command as typed: from sys.argv, or from argv when main is called from Python
    command = results.command_line() if argv is None else " ".join(["python -m physgnn reproduce"] + [shlex.quote(a) for a in argv])
    batched = False if args.separate else None
    jobs = [(d, m, args.splits, args.search_splits, args.threads, args.jobs == 1, command, device, batched)
            for d, m in itertools.product(datasets, models)]
    start = time.perf_counter()
    try:  # a second reproduce into the same folder at the same time is refused
        lock = results.run_lock("reproduce.csv")
    except RuntimeError as err:
        parser.error(str(err))
    bar = tqdm(total=len(jobs), desc="reproduce")
    if args.jobs == 1:
        for job in jobs:
            _job(job)
            bar.update()
    else:
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
        jobs.sort(key=_slow_first)  # the order of job_order
        # a terminated parent must not leave its workers running: SIGTERM unwinds the with-block (pool.terminate())
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        with _pool(args.jobs) as pool:
            for row in pool.imap_unordered(_job, jobs):
                bar.set_postfix_str(f"{row['dataset']}/{row['model']} {row['wall_seconds']:.0f} s, {row['peak_mb']} MB")
                bar.update()
    bar.close()
    lock.close()
    print(f"done in {time.perf_counter() - start:.0f} s; rows in {results.results_dir() / 'reproduce.csv'}")
    return 0
