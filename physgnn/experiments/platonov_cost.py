"""What Platonov et al.'s published protocol costs on this machine: CPU seconds per step, per dataset, model and depth.

What it measures: for each (dataset, model, depth), the CPU time of one protocol step (an AdamW training step and
an evaluation, width 512, as :mod:`physgnn.protocols.platonov` describes) on split 0, by
:func:`physgnn.protocols.platonov.step_seconds` (the time of ``steps + 1`` steps minus that of one, over ``steps``),
and the peak memory of the process so far. A full run is 1000 such steps; the published protocol trains every depth
1-5 on ten splits, so a (dataset, model) costs ``10 × 1000 × Σ_depth step_seconds``.
:func:`projection` adds the rows up. The timings are what they are on the machine that ran them (the command and
versions are in each row); the sanity rows (:mod:`physgnn.experiments.platonov_sanity`) are planned from them.

Which chapter reads it: Chapter 8, Section 8.5 (what the published protocol would cost here, and why it runs in
full only where it is affordable).

The command (resumable; rows already in the CSV are skipped)::

    OMP_NUM_THREADS=1 python -m physgnn experiment platonov_cost
    python -m physgnn experiment platonov_cost --datasets chameleon-filtered --models gcn --depths 1 3
"""

from __future__ import annotations

import argparse

import torch
from tqdm.auto import tqdm

from .. import results
from .._process import peak_rss_mb
from ..protocols import platonov
from ._runner import add_device_argument, parse_device, save

__all__ = ["CSV", "DATASETS", "MODELS", "KEYS", "run_one", "run", "projection", "main"]

CSV = "platonov_cost.csv"
DATASETS = ("chameleon-filtered", "squirrel-filtered", "minesweeper", "tolokers")
MODELS = ("resnet", "gcn", "gat")
KEYS = ("dataset", "model", "num_layers", "device")
#: the depths the published protocol searches
DEPTHS = platonov.PROTOCOL["depths"]
#: the data preparation, named here so that the command's resume logic can be tested without measuring
make_graph = platonov.prepare


def run_one(data, model: str, depth: int, *, steps: int = 3, device=None) -> dict:
    """The row of one (dataset, model, depth): seconds per protocol step over ``steps`` steps (CPU time; wall-clock
    time on a GPU, ``device``), the hours of one run of the protocol's 1000 steps at that rate, and this process's
    peak memory (MB) so far."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"platonov_cost: steps must be a positive integer, got {steps!r}")
    seconds = platonov.step_seconds(data, model, int(depth), steps=steps, device=device)
    device = "cpu" if device is None else str(torch.device(device))
    return {"dataset": data.name, "model": model, "num_layers": int(depth), "device": device, "step_seconds": round(seconds, 5),
            "steps": steps, "run_cpu_hours": round(seconds * platonov.PROTOCOL["steps"] / 3600, 6),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def run(datasets=DATASETS, models=MODELS, depths=DEPTHS, *, steps: int = 3, device=None, progress: bool = True,
        on_row=None, skip=()) -> list[dict]:
    """Every (dataset, model, depth) not in ``skip``; ``on_row`` gets each row at once."""
    skip = {results.key(*k) for k in skip}
    where = "cpu" if device is None else str(torch.device(device))
    todo = [(d, m, int(l)) for d in datasets for m in models for l in depths if results.key(d, m, int(l), where) not in skip]
    rows, data = [], None
    for dataset, model, depth in tqdm(todo, desc="platonov_cost", disable=not progress):
        if data is None or data.name != dataset:
            data = make_graph(dataset)
        row = run_one(data, model, depth, steps=steps, device=device)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def projection(rows, *, splits: int = 10, depths=DEPTHS) -> dict:
    """CPU hours of the published protocol per (dataset, model): ``splits`` runs of 1000 steps at every depth of
    ``depths`` (:func:`physgnn.protocols.platonov.table_cpu_hours` on the rows' ``step_seconds``; rows as :func:`run`
    returns them or the CSV reads them). A (dataset, model) lacking a depth is left out (``None``), never
    extrapolated. Returns ``{(dataset, model): hours or None}``."""
    if isinstance(splits, bool) or not isinstance(splits, int) or splits < 1:
        raise ValueError(f"projection: splits must be a positive integer, got {splits!r}")
    per: dict = {}
    for r in rows:
        per.setdefault((str(r["dataset"]), str(r["model"])), {})[int(r["num_layers"])] = float(r["step_seconds"])
    return {(d, m): (platonov.table_cpu_hours(lambda _d, _m, depth: v[depth], [d], [m], depths=depths, splits=splits)
                     if all(k in v for k in depths) else None)
            for (d, m), v in per.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment platonov_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(platonov.MODELS))
    parser.add_argument("--depths", nargs="+", type=int, default=list(DEPTHS), choices=list(DEPTHS))
    parser.add_argument("--steps", type=int, default=3, help="steps timed per measurement (default 3)")
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    if args.steps < 1:
        parser.error(f"--steps must be a positive integer, got {args.steps}")
    status = save("platonov_cost", CSV, KEYS, lambda **io: run(args.datasets, args.models, args.depths, steps=args.steps,
                                                             device=device, **io),
                  parser=parser, args=args, options=("steps",), argv=argv)
    hours = projection(results.read_csv(CSV))
    for (d, m), h in sorted(hours.items()):
        print(f"  {d:>18} {m:>7}: " + (f"{h:7.1f} CPU-hours for the published protocol" if h is not None else "some depths missing"))
    known = [h for h in hours.values() if h is not None]
    if known:
        print(f"  total of the complete pairs: {sum(known):.0f} CPU-hours")
    return status
