"""``python -m physgnn reproduce``: every model on every benchmark, 10 splits, hyper-parameters chosen on validation.

    python -m physgnn reproduce --dataset texas --model acmp-gcn          # one cell of the table
    python -m physgnn reproduce --dataset texas cornell --model gcn mlp --splits 0 1 2
    python -m physgnn reproduce --all --jobs 2                           # the whole table, two processes
    python -m physgnn reproduce --dataset texas --model gcn --device cuda # on a GPU (not bit-identical)

Two stages per dataset × model:

1. **Search** (validation only): every setting of the model's small grid (:data:`GRIDS`) is trained on the
   search splits (default 0 and 1); the setting with the best mean *validation* score wins. Each trial is a row
   of ``results/search.csv`` (dataset, model, settings, split, val, seconds) — the grid and budget on record.
2. **Runs**: the winner is trained on every requested split (default all 10) with seed = split; one row per run
   in ``results/reproduce.csv``: dataset, model, split, settings, seed, test score, best epoch, epochs,
   seconds, metric, the command and package versions.

Both stages are resumable: a trial or run already in its CSV is not run again. Scores are accuracy, or ROC AUC
for Minesweeper and Tolokers.

The protocol (``physgnn.protocols.table``) depends on the dataset only through :func:`protocol`, :func:`training` and :func:`search_splits`, for
the budget (``--all`` within 3 hours on two CPU cores, each run within 4 GB). The ODE models integrate to T = 1 on
the small graphs and to T = 3 on the seven larger ones, where they take rk4 steps of 0.5 instead of 0.1 (five times
fewer evaluations and five times less memory per unit of time) and search β on one split, at fractions of the largest
β that those steps follow stably (see ``STABLE_BETA``); on Tolokers, with a million directed edges, every model is 32 channels wide, GAT has
2 heads and training is shorter (:data:`NARROW`, :data:`SHORT`). WebKB's tiny validation sets (59 nodes on Texas) are
searched on all ten splits, Cora and CiteSeer on two. A run on a split that the search already trained with the
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
from .data import dataset_names, load, select_split
from .protocols.table import (DATASETS, GRIDS, BETA_FRACTIONS, LARGE, NARROW, SHORT, STABLE_BETA, TRAINING, WEBKB, build,  # noqa: F401
                              max_degree, protocol, search_splits, settings_grid, settings_key, training)
from .train import fit

# The protocol (what is trained) lives in physgnn.protocols.table and the cost model in physgnn.costs; their names
# are re-exported here so that ``from physgnn.reproduce import GRIDS`` keeps working.
__all__ = ["search", "best_setting", "run", "main", "GRIDS", "DATASETS", "TRAINING", "LARGE", "STABLE_BETA", "BETA_FRACTIONS", "NARROW",
           "SHORT", "max_degree", "protocol", "training", "search_splits", "settings_grid", "build", "job_order",
           "cell_seconds", "projected_wall"]

RUN_COLUMNS = ("dataset", "model", "split", "settings")
TRIAL_COLUMNS = ("dataset", "model", "settings", "split")


_key = settings_key


def search(dataset: str, model: str, data, splits=(0, 1), progress: bool = True, command: str | None = None, device=None) -> dict:
    """Pick the setting with the best mean validation score over ``splits``; every trial goes to search.csv.
    ``device``: where to train (default CPU)."""
    done = {(r["dataset"], r["model"], r["settings"], r["split"]): float(r["val"]) for r in _rows("search.csv")}
    scores = {}
    grid = settings_grid(model, dataset)
    trials = [(s, sp) for s in grid for sp in splits]
    for settings, split in tqdm(trials, desc=f"search {dataset}/{model}", disable=not progress, leave=False):
        key = (dataset, model, _key(settings), str(split))
        if key not in done:
            torch.manual_seed(split)
            r = fit(build(model, settings, data), select_split(data, split), progress=False, device=device, **training(dataset))
            done[key] = round(r.val, 6)  # the value the CSV keeps: a resumed search then chooses exactly as a fresh one
            results.append_row("search.csv", unique=TRIAL_COLUMNS, row=dict(dataset=dataset, model=model, settings=_key(settings), split=split, val=round(r.val, 6),
                                                  test=round(r.test, 6), best_epoch=r.best_epoch, epochs=r.epochs_run, seconds=round(r.seconds, 2),
                                                  cpu_seconds=round(r.cpu_seconds, 2), budget=f"{len(grid)} settings x {len(splits)} splits" + "".join(f", {k}={v}" for k, v in SHORT.get(dataset, {}).items()),
                                                  command=command or results.command_line()))
        scores.setdefault(_key(settings), []).append(done[key])
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


def run(dataset: str, model: str, splits, search_on=None, progress: bool = True, command: str | None = None, device=None) -> list[dict]:
    """Search (on ``search_on``, default :func:`search_splits`) then train the winner on ``splits``; new rows only.
    ``device``: where to train (default CPU); the data is moved there once."""
    data = load(dataset)
    if device is not None:
        data = data.to(device)
    settings = search(dataset, model, data, tuple(search_on) if search_on is not None else search_splits(dataset), progress, command, device)
    done = results.done("reproduce.csv", RUN_COLUMNS)
    # a search trial of the winner on a requested split is that run (same data, settings and seed): reuse it
    trials = {r["split"]: r for r in _rows("search.csv") if (r["dataset"], r["model"], r["settings"]) == (dataset, model, _key(settings))
              and r.get("test", "") != ""}
    out = []
    versions = results.versions()
    for split in tqdm(splits, desc=f"{dataset}/{model}", disable=not progress, leave=False):
        if results.key(dataset, model, split, _key(settings)) in done:
            continue
        if str(split) in trials:
            t = trials[str(split)]
            r = dict(test=float(t["test"]), val=float(t["val"]), best_epoch=int(t["best_epoch"]), epochs=int(t["epochs"]),
                     seconds=float(t["seconds"]), cpu_seconds=float(t["cpu_seconds"]))
        else:
            torch.manual_seed(split)
            f = fit(build(model, settings, data), select_split(data, split), progress=False, device=device, **training(dataset))
            r = dict(test=f.test, val=f.val, best_epoch=f.best_epoch, epochs=f.epochs_run, seconds=f.seconds, cpu_seconds=f.cpu_seconds)
        row = dict(dataset=dataset, model=model, split=split, settings=_key(settings), seed=split, test=round(r["test"], 6), val=round(r["val"], 6),
                   best_epoch=r["best_epoch"], epochs=r["epochs"], seconds=round(r["seconds"], 2), cpu_seconds=round(r["cpu_seconds"], 2),
                   metric=getattr(data, "metric", "accuracy"), command=command or results.command_line(), **versions)
        if results.append_row("reproduce.csv", row, unique=RUN_COLUMNS) is not None:  # None: another run saved it first
            out.append(row)
    return out


def _job(args) -> dict:
    """One (dataset, model): search and runs, timed, with the peak memory of this job alone."""
    dataset, model, splits, search_on, threads, progress, command, device = args
    torch.set_num_threads(threads)
    reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    new = run(dataset, model, splits, search_on, progress, command, device)
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
    jobs = [(d, m, args.splits, args.search_splits, args.threads, args.jobs == 1, command, device) for d, m in itertools.product(datasets, models)]
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
