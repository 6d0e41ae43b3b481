"""What the headline protocol costs on this machine, before it runs: CPU seconds per epoch of every architecture.

What it measures: for each (dataset, model, architecture) of :mod:`physgnn.protocols.headline`, the CPU time of one
training epoch (a training step and the evaluation of every split's scores, :func:`physgnn.train.fit`) on split 0
with raw features and symmetrised edges: the time of ``epochs + 1`` epochs minus that of one (which also builds
the graph operand), over ``epochs``. Each row also keeps the process's peak memory so far.
:func:`projection` turns the rows into the CPU-hours of the whole protocol for an assumed number of epochs per run.

Which chapter reads it: none; it sizes the headline table (the budget and the graphs left out, stated in
:mod:`physgnn.protocols.headline`).

The command (resumable; rows already in the CSV are skipped)::

    OMP_NUM_THREADS=1 python -m physgnn experiment headline_cost
    python -m physgnn experiment headline_cost --datasets texas --models gcn --epochs 2
"""

from __future__ import annotations

import argparse

import torch
from tqdm.auto import tqdm

from .. import results
from .._process import peak_rss_mb
from ..data import select_split
from ..protocols import headline
from ..train import fit
from ._runner import parse_device, save
from .headline import parse_table_arguments

__all__ = ["CSV", "KEYS", "epoch_seconds", "run_one", "run", "projection", "main"]

CSV = "headline_cost.csv"
KEYS = ("dataset", "model", "settings", "device")
#: the data preparation, named here so that the command's resume logic can be tested without loading a graph
make_graph = headline.prepare


def epoch_seconds(net_factory, data, *, epochs: int = 2, device=None) -> float:
    """CPU seconds (wall-clock seconds on a GPU) of one epoch of :func:`physgnn.train.fit` for a fresh
    ``net_factory()`` on ``data`` (masks [N]): the time of ``epochs + 1`` epochs minus that of one, over ``epochs``."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epoch_seconds: epochs must be a positive integer, got {epochs!r}")
    on_cpu = device is None or torch.device(device).type == "cpu"
    times = []
    for n in (1, epochs + 1):
        torch.manual_seed(0)
        r = fit(net_factory(), data, epochs=n, patience=n + 1, progress=False, device=device)
        times.append(r.cpu_seconds if on_cpu else r.seconds)
    return max(times[1] - times[0], 0.0) / epochs


def run_one(data, model: str, architecture: int, *, epochs: int = 2, device=None) -> dict:
    """The row of architecture number ``architecture`` (an index into ``headline.ARCHITECTURES[model]``) of
    ``model`` on split 0 of ``data`` (raw features, symmetrised edges, as the search's first stage runs it). The row
    names the architecture by its ``settings`` (the index is kept for reading only)."""
    archs = headline.ARCHITECTURES.get(model)
    if archs is None:
        raise ValueError(f"headline_cost: unknown model {model!r}; allowed: {', '.join(headline.MODELS)}")
    if isinstance(architecture, bool) or not isinstance(architecture, int) or not 0 <= architecture < len(archs):
        raise ValueError(f"headline_cost: architecture must be an index in 0..{len(archs) - 1}, got {architecture!r}")
    one = select_split(data, 0)
    settings = dict(archs[architecture], recipe="slow", features="raw", edges="undirected")
    seconds = epoch_seconds(lambda: headline.build(model, settings, data), one, epochs=epochs, device=device)
    return {"dataset": data.name, "model": model, "architecture": architecture,
            "device": "cpu" if device is None else str(torch.device(device)),
            "settings": headline.settings_key(archs[architecture]), "epoch_seconds": round(seconds, 5), "epochs": epochs,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def run(datasets=headline.DATASETS, models=headline.MODELS, *, epochs: int = 2, device=None, progress: bool = True,
        on_row=None, skip=()) -> list[dict]:
    """Every (dataset, model, architecture) not in ``skip``; ``on_row`` gets each row at once."""
    skip = {results.key(*k) for k in skip}
    dev = "cpu" if device is None else str(torch.device(device))
    grid = [(d, m, a) for d in datasets for m in models for a in range(len(headline.ARCHITECTURES[m]))
            if results.key(d, m, headline.settings_key(headline.ARCHITECTURES[m][a]), dev) not in skip]
    rows, cache = [], {}
    for d, m, a in tqdm(grid, desc="headline_cost", disable=not progress):
        if d not in cache:
            cache.clear()
            cache[d] = make_graph(d, dict(features="raw", edges="undirected"))
        row = run_one(cache[d], m, a, epochs=epochs, device=device)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def projection(rows, *, epochs_per_run, chosen: str = "mean") -> dict:
    """CPU-hours of the headline protocol per (dataset, model), if every run lasts ``epochs_per_run`` epochs (a
    number, or ``{model: number}`` for every model): each configuration on the search splits, then the chosen one on
    ten splits × ``headline.SEEDS`` fresh seeds. The first stage prices each architecture by its own
    row; the second stage and the final runs, whose architecture is not known in advance, at the ``"mean"`` cost of
    the four architectures (an estimate) or the ``"dearest"`` (a bound). Rows are matched to the protocol's
    architectures by their ``settings``, so a row measured for an architecture the protocol no longer has is not
    used; a (dataset, model) missing any architecture's row is ``None`` (never extrapolated). Every run is priced
    as a separate run: on WebKB the models that stack train for a fraction of that."""
    per_model = epochs_per_run if isinstance(epochs_per_run, dict) else {m: epochs_per_run for m in headline.MODELS}
    if set(per_model) != set(headline.MODELS) or not all(
            isinstance(e, (int, float)) and not isinstance(e, bool) and e > 0 for e in per_model.values()):
        raise ValueError(f"projection: epochs_per_run must be a positive number, or one for every model "
                         f"({', '.join(headline.MODELS)}); got {epochs_per_run!r}")
    if chosen not in ("mean", "dearest"):
        raise ValueError(f"projection: chosen must be 'mean' or 'dearest', got {chosen!r}")
    measured: dict = {}
    for r in rows:
        measured.setdefault((str(r["dataset"]), str(r["model"])), {})[str(r["settings"])] = float(r["epoch_seconds"])
    out = {}
    for (dataset, model), by_settings in measured.items():
        archs = [headline.settings_key(a) for a in headline.ARCHITECTURES.get(model, ())]
        if not archs or dataset not in headline.DATASETS or not all(a in by_settings for a in archs):
            out[(dataset, model)] = None
            continue
        by_arch = {a: by_settings[a] for a in archs}
        n_arch = len(archs)
        search = len(headline.search_splits(dataset))
        later = max(by_arch.values()) if chosen == "dearest" else sum(by_arch.values()) / n_arch
        first = len(headline.RECIPES) * sum(by_arch.values()) * search
        second = len(headline.RECIPES) * (len(headline.preprocessings(dataset)) - 1) * later * search
        final = 10 * headline.SEEDS * later
        out[(dataset, model)] = (first + second + final) * per_model[model] / 3600
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment headline_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed after the first (default 2)")
    args = parse_table_arguments(parser, argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    device = parse_device(parser, args)
    return save("headline_cost", CSV, KEYS, lambda skip, on_row: run(
        args.datasets, args.models, epochs=args.epochs, device=device, on_row=on_row, skip=skip,
        progress=True), parser=parser, args=args, options=("epochs",), argv=argv)
