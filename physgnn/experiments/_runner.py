"""What every experiment module shares: the training options of its command line, the loop over a grid of
(dataset, ...) runs with a progress bar, resuming from the rows already in its CSV, and mean ± std over splits.

An experiment module supplies ``run_one(data, *grid_rest, **training) -> dict`` and calls :func:`over_grid` from its
``run`` and :func:`save` from its ``main``; the rows it writes carry the command and package versions.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable, Iterable, Sequence

from tqdm.auto import tqdm

from .. import results
from ..data import load

__all__ = ["add_training_arguments", "training_kwargs", "fit_fields", "training_fields", "over_grid", "save", "summarize"]

TRAINING_KEYS = ("hidden", "dropout", "epochs", "patience", "lr", "weight_decay", "seed")
#: options that say where to run, not what: passed to ``run_one`` but not written as settings
RUN_KEYS = ("device",)


def add_training_arguments(parser: argparse.ArgumentParser, *, hidden: int = 64, dropout: float = 0.5, epochs: int = 200,
                           patience: int = 50, lr: float = 0.01, weight_decay: float = 5e-4, seed: int | None = 0) -> None:
    """``--hidden --dropout --epochs --patience --lr --weight-decay --seed`` with the module's own defaults
    (``seed=None``: no ``--seed``, for experiments whose grid holds the seeds)."""
    parser.add_argument("--hidden", type=int, default=hidden, help=f"hidden channels (default {hidden})")
    parser.add_argument("--dropout", type=float, default=dropout, help=f"dropout (default {dropout})")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"most epochs (default {epochs})")
    parser.add_argument("--patience", type=int, default=patience, help=f"early-stopping patience (default {patience})")
    parser.add_argument("--lr", type=float, default=lr, help=f"Adam learning rate (default {lr})")
    parser.add_argument("--weight-decay", type=float, default=weight_decay, help=f"weight decay (default {weight_decay})")
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed, help=f"base seed (default {seed})")
    add_device_argument(parser)


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """``--device``: cpu (the default; bit-identical runs on one thread) or cuda."""
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda (runs on CUDA are not bit-identical)")


def parse_device(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The checked ``--device`` (a clear parser error for cuda without a GPU)."""
    from ..utils import device

    try:
        return str(device(args.device))
    except ValueError as err:
        parser.error(str(err))


def training_kwargs(args: argparse.Namespace) -> dict:
    """The parsed training options as keyword arguments for ``run_one``."""
    return {k: getattr(args, k) for k in TRAINING_KEYS + RUN_KEYS if hasattr(args, k)}


def fit_fields(res) -> dict:
    """The CSV fields of one training run (a :class:`physgnn.train.FitResult` or one of ``run_splits``' runs):
    ``train``, ``val``, ``test`` (fractions, 6 places), ``best_epoch``, ``epochs_run``, ``seconds``."""
    return {"train": round(res.train, 6), "val": round(res.val, 6), "test": round(res.test, 6),
            "best_epoch": res.best_epoch, "epochs_run": res.epochs_run, "seconds": round(res.seconds, 3)}


def training_fields(*, hidden, dropout, epochs, patience, lr, weight_decay, seed=None) -> dict:
    """The training settings of a run as CSV fields, in :data:`TRAINING_KEYS` order (``seed=None``: no seed field,
    for experiments whose grid holds the seed)."""
    fields = dict(hidden=hidden, dropout=dropout, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay)
    return fields if seed is None else {**fields, "seed": seed}


def over_grid(name: str, grid: Iterable[tuple], run_one: Callable[..., dict], *, skip=(), progress: bool = True,
              on_row: Callable[[dict], None] | None = None, **training) -> list[dict]:
    """Run ``run_one(load(dataset), *rest, **training)`` for every ``(dataset, *rest)`` of ``grid`` not in ``skip``.

    ``skip`` holds key tuples of strings as :func:`physgnn.results.done` returns them (``(dataset, *map(str, rest))``).
    The grid should keep each dataset together: one dataset is held in memory at a time. ``on_row`` gets each new
    row at once (``main`` appends it to the CSV, so an interrupted run resumes where it stopped).
    """
    skip = set(skip)
    todo = [g for g in grid if tuple(str(v) for v in g) not in skip]
    rows, cache = [], {}
    bar = tqdm(todo, desc=name, disable=not progress)
    for dataset, *rest in bar:
        if dataset not in cache:
            cache.clear()
            cache[dataset] = load(dataset)
        bar.set_postfix(dataset=dataset, run="/".join(map(str, rest)))
        row = run_one(cache[dataset], *rest, **training)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def save(name: str, csv: str, keys: Sequence[str], run: Callable[..., list[dict]]) -> int:
    """Call ``run(skip=..., on_row=...)`` so that each new row is appended to ``results/<csv>`` with the command and
    package versions, skipping the ``keys`` already there; print a one-line summary. Returns 0 (an exit status)."""
    skip = results.done(csv, tuple(keys))
    extra = {"command": results.command_line(), **results.versions()}
    path = results.results_dir(create=True) / csv
    rows = run(skip=skip, on_row=lambda row: results.append_row(csv, {**row, **extra}))
    print(f"{name}: {len(rows)} new rows ({len(skip)} already present) in {path}")
    return 0


def summarize(rows, by: Sequence[str] = ("dataset", "model"), value: str = "test", over: str = "split") -> dict:
    """Mean and sample standard deviation (ddof = 1, as papers report it) of ``value`` per group ``by``.

    ``rows``: dicts as a ``run`` returns them or as :func:`physgnn.results.read_csv` reads them (strings). A later
    row for the same ``over`` value (e.g. the same split) replaces an earlier one. Returns
    ``{group: {"mean": m, "std": s, "n": count, "scores": [...]}}``, scores ordered by ``over``; the group is a tuple of
    strings, or a single string when ``by`` has one key.
    """
    if isinstance(by, str):
        raise ValueError("summarize: `by` must be a sequence of column names, e.g. ('dataset', 'model')")
    groups: dict = {}
    for r in rows:
        key = tuple(str(r[k]) for k in by)
        groups.setdefault(key if len(by) > 1 else key[0], {})[float(r[over])] = float(r[value])
    out = {}
    for key, by_over in groups.items():
        scores = [by_over[s] for s in sorted(by_over)]
        mean = sum(scores) / len(scores)
        var = sum((a - mean) ** 2 for a in scores) / (len(scores) - 1) if len(scores) > 1 else 0.0
        out[key] = {"mean": mean, "std": math.sqrt(var), "n": len(scores), "scores": scores}
    return out
