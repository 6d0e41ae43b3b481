"""What every experiment module shares: the training options of its command line, the loop over a grid of
(dataset, ...) runs with a progress bar, resuming from the rows already in its CSV, and mean ± std over splits.

An experiment module supplies ``run_one(data, *grid_rest, **training) -> dict`` and calls :func:`over_grid` from its
``run`` and :func:`save` from its ``main``; the rows it writes carry the command and package versions.

A row counts as done only for the options it was made with: the resume key of every experiment is its grid columns
plus every option that changes a result (``options``; the training options of :data:`TRAINING_KEYS` and the
module's own). Rows written before a module saved an option as a column get its value from their ``command``
(:func:`command_options`), read with the module's parser, so the module's defaults fill what the command leaves out.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import math
import shlex
from typing import Callable, Iterable, Sequence

from tqdm.auto import tqdm

from .. import results
from ..data import load

__all__ = ["add_training_arguments", "training_kwargs", "fit_fields", "training_fields", "dataset_name", "refuse_duplicates",
           "command_options", "over_grid", "save", "summarize"]

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


def dataset_name(text: str) -> str:
    """An argparse ``type`` for dataset names: lower case (``TEXAS`` is ``texas``, the name its rows carry), and
    one of :func:`physgnn.data.dataset_names`."""
    from ..data import dataset_names

    name = text.lower()
    if name not in dataset_names():
        raise argparse.ArgumentTypeError(f"unknown dataset {text!r}; allowed: {', '.join(dataset_names())}")
    return name


def refuse_duplicates(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """Stop with a usage error when a list option (``args.<name>``) gives a value twice (``--splits 2 2``; ``1`` and
    ``1.0`` are the same value): each would be run and saved twice."""
    for name in names:
        seen = set()
        for value in getattr(args, name) or ():
            if results.key(value) in seen:
                parser.error(f"--{name.replace('_', '-')} gives {value} twice; give each value once")
            seen.add(results.key(value))


@functools.lru_cache(maxsize=256)
def _parse_command(parser: argparse.ArgumentParser, command: str) -> argparse.Namespace | None:
    words = shlex.split(command)
    if "experiment" not in words:
        return None
    rest = words[words.index("experiment") + 2:]
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return parser.parse_args(rest)
    except SystemExit:
        return None


def command_options(parser: argparse.ArgumentParser) -> Callable[[dict], dict]:
    """For :func:`physgnn.results.done`: a function giving a saved row's options (``{dest: value}``) as ``parser``
    reads the row's ``command`` (``python -m physgnn experiment NAME ...``), the module's defaults filling in what the
    command leaves out; ``{}`` (no option known, so the row matches no run) when the command is not such a line."""
    def derive(row: dict) -> dict:
        ns = _parse_command(parser, row.get("command") or "")
        return {} if ns is None else vars(ns)
    return derive


def over_grid(name: str, grid: Iterable[tuple], run_one: Callable[..., dict], *, skip=(), progress: bool = True,
              on_row: Callable[[dict], None] | None = None, **training) -> list[dict]:
    """Run ``run_one(load(dataset), *rest, **training)`` for every ``(dataset, *rest)`` of ``grid`` not in ``skip``.

    ``skip`` holds key tuples ``(dataset, *rest)``, compared as :func:`physgnn.results.key` spells them.
    The grid should keep each dataset together: one dataset is held in memory at a time. ``on_row`` gets each new
    row at once (``main`` appends it to the CSV, so an interrupted run resumes where it stopped).
    """
    skip = {results.key(*k) for k in skip}
    todo = list(dict.fromkeys(g for g in grid if results.key(*g) not in skip))  # each run once, in grid order
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


def save(name: str, csv: str, keys: Sequence[str], run: Callable[..., list[dict]], *,
         parser: argparse.ArgumentParser | None = None, args: argparse.Namespace | None = None, options: Sequence[str] = (),
         argv=None) -> int:
    """Call ``run(skip=..., on_row=...)`` so that each new row is appended to ``results/<csv>`` with the command and
    package versions, skipping the runs already there with the same ``options`` (names of ``args``, and of the rows'
    columns: every option that changes a result); print a one-line summary. Returns 0 (an exit status).

    A second run writing the same CSV at the same time is refused (:func:`physgnn.results.run_lock`), and each row is
    checked under the file's lock, so no run is saved twice. ``parser``: the module's, to read the options of rows
    that lack an option's column from their command; ``argv``: the arguments ``main`` was called with."""
    keys, options = tuple(keys), tuple(options)
    derive = command_options(parser) if parser is not None else None
    mine = results.key(*(getattr(args, o) for o in options))
    command = results.command_line(argv, f"python -m physgnn experiment {name}")
    extra = {"command": command, **results.versions()}
    path = results.results_dir(create=True) / csv
    written = []

    def append(row):
        if results.append_row(csv, {**row, **extra}, unique=keys + options, derive=derive) is not None:
            written.append(row)

    try:
        lock = results.run_lock(csv)
    except RuntimeError as err:
        if parser is None:
            raise
        parser.error(str(err))
    with lock:
        skip = {k[:len(keys)] for k in results.done(csv, keys + options, derive) if k[len(keys):] == mine}
        run(skip=skip, on_row=append)
    print(f"{name}: {len(written)} new rows ({len(skip)} already present) in {path}")
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
