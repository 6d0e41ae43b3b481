r"""Backpropagation vs the adjoint method: memory and time of one training step of a graph neural ODE.

Chapter 6 (*Continuous depth*) plots these numbers. For ACMP (:class:`physgnn.models.ACMP`) on a real graph
(default Cora, Geom-GCN split 0) and each configuration (solver ``method``, end time ``T``, ``adjoint`` on or
off) it runs training steps (forward, cross-entropy on the training nodes, backward, Adam step) and records

* ``peak_mb``, ``delta_mb``: the peak resident memory of a *fresh* Python process, and how far the training
  steps raised it above its level just before the model was built (see :func:`physgnn._process.peak_rss_mb`);
* ``saved_mb``: the bytes autograd keeps for the backward pass during the forward pass (counted with
  ``torch.autograd.graph.saved_tensors_hooks``): the memory that backpropagation through the solver needs
  and the adjoint method avoids;
* ``step_seconds``: the median wall-clock time of a training step (after one warm-up step);
* ``nfe_forward``, ``nfe_total``: vector-field evaluations in the forward pass, and forward plus backward;
* ``status``: ``ok``, or ``failed`` with the error. With the adaptive ``dopri5`` the adjoint's backward solve
  can fail for long ``T`` (torchdiffeq's "underflow in dt" or "non-finite values" assertion): it integrates the
  dissipative forward dynamics backwards in time, where they are unstable.

Every configuration runs in its own subprocess, because a process's peak memory only ever grows.

    python -m physgnn experiment adjoint_memory [--dataset cora] [--T 0.5 1 2 4 8 16] [--methods rk4 dopri5]
        [--hidden 16] [--repeats 3]

Rows go to ``results/adjoint_memory.csv``; configurations already there are skipped (the run is resumable).
The chapter calls :func:`measure_step` (in the notebook's process) and :func:`peak_memory` (one subprocess)
on a small grid in fast mode.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from ..models.ode import ODESolveError
from .._process import peak_rss_mb, run_fresh

NAME = "adjoint_memory.csv"
KEYS = ("dataset", "method", "T", "adjoint", "hidden")
#: the other options that change a result, also part of a configuration's resume key (memory and time depend on
#: the step, β, the number of timed steps and the torch threads)
OPTIONS = ("step_size", "beta", "repeats", "threads")

__all__ = ["measure_step", "peak_memory", "peak_rss_mb", "main"]  # peak_rss_mb: from physgnn._process


def _model(data, method: str, T: float, adjoint: bool, hidden: int, step_size: float, beta: float, seed: int):
    from ..models import ACMP

    torch.manual_seed(seed)
    return ACMP(data.num_features, hidden, int(data.y.max()) + 1, T=T, method=method, step_size=step_size, adjoint=adjoint, beta=beta)


def measure_step(data, method: str = "rk4", T: float = 1.0, adjoint: bool = False, *, hidden: int = 16, step_size: float = 0.1,
                 beta: float = 0.1, repeats: int = 3, seed: int = 0, device=None) -> dict:
    """Run ``repeats`` training steps of ACMP on ``data`` (one split, masks [N]) in this process, on ``device``
    (default CPU; ``saved_mb`` counts bytes on any device, the peak resident memory only the host's).

    Returns a dict with ``saved_mb`` (bytes autograd saved for backward in the first forward pass),
    ``step_seconds`` (median over the steps after the first), ``nfe_forward``, ``nfe_total`` and ``status``
    (``"ok"``, or ``"failed"`` with ``error`` when the solver raised an ``AssertionError``).
    """
    if data.train_mask.dim() != 1:
        raise ValueError("measure_step: data must hold one split (masks [N]); use physgnn.data.load(name, split=0)")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"measure_step: repeats must be a positive integer, got {repeats!r}")
    dev = torch.device(device or "cpu")
    model = _model(data, method, T, adjoint, hidden, step_size, beta, seed).to(dev)
    data = data.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    mask = data.train_mask
    saved = [0]

    def pack(t):
        saved[0] += t.numel() * t.element_size()
        return t

    times, nfe_fwd, nfe_total, error = [], 0, 0, ""
    try:
        for step in range(repeats + 1 if repeats > 1 else 1):
            start = time.perf_counter()
            opt.zero_grad()
            if step == 0:
                with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                    out = model(data.x, data.edge_index)
            else:
                out = model(data.x, data.edge_index)
            nfe_fwd = model.ode.nfe
            torch.nn.functional.cross_entropy(out[mask], data.y[mask]).backward()
            nfe_total = model.ode.nfe
            opt.step()
            times.append(time.perf_counter() - start)
    except (AssertionError, ODESolveError) as err:  # solver failures: GraphODE's forward, torchdiffeq's in the backward
        error = f"{type(err).__name__}: {str(err)[:120]}"
    step_times = times[1:] if len(times) > 1 else times
    return {
        "status": "failed" if error else "ok",
        "error": error,
        "saved_mb": saved[0] / 2**20,
        "step_seconds": statistics.median(step_times) if step_times else float("nan"),
        "nfe_forward": nfe_fwd,
        "nfe_total": nfe_total,
    }


def _child(spec: str) -> None:
    """Entry point of the measuring subprocess: load the data, measure, print one JSON line."""
    from ..data import load

    cfg = json.loads(spec)
    torch.set_num_threads(cfg.pop("threads"))
    data = load(cfg.pop("dataset"), split=cfg.pop("split"))
    base = peak_rss_mb()
    row = measure_step(data, **cfg)
    peak = peak_rss_mb()
    row.update(peak_mb=peak, delta_mb=peak - base)
    print(json.dumps(row))


def peak_memory(dataset: str = "cora", method: str = "rk4", T: float = 1.0, adjoint: bool = False, *, hidden: int = 16,
                step_size: float = 0.1, beta: float = 0.1, repeats: int = 2, split: int = 0, seed: int = 0, threads: int = 1,
                device: str = "cpu") -> dict:
    """:func:`measure_step` in a fresh Python process, plus its peak resident memory (``peak_mb``, see
    :func:`peak_rss_mb`) and the rise above the level before the model was built (``delta_mb``), both in MiB
    (the pattern of :func:`physgnn.bench.peak_memory`)."""
    spec = dict(dataset=dataset, split=split, method=method, T=float(T), adjoint=bool(adjoint), hidden=hidden, step_size=step_size,
                beta=beta, repeats=repeats, seed=seed, threads=threads, device=str(device))
    return run_fresh("physgnn.experiments.adjoint_memory", "_child", json.dumps(spec))


def main(argv=None) -> int:
    from tqdm.auto import tqdm

    from ..results import append_row, command_line, done, key, run_lock, versions
    from ._runner import add_device_argument, dataset_name, parse_device, refuse_duplicates

    parser = argparse.ArgumentParser(prog="python -m physgnn experiment adjoint_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=dataset_name, default="cora")
    parser.add_argument("--T", nargs="+", type=float, default=[0.5, 1, 2, 4, 8, 16], help="end times (rk4)")
    parser.add_argument("--dopri5-T", nargs="+", type=float, default=[0.5, 1, 2, 3, 10], help="end times for dopri5")
    parser.add_argument("--methods", nargs="+", default=["rk4", "dopri5"], choices=["euler", "midpoint", "rk4", "dopri5"])
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--step-size", type=float, default=0.1)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    refuse_duplicates(parser, args, "T", "dopri5_T", "methods")

    grid = [(m, T, adj) for m in args.methods for T in (args.dopri5_T if m == "dopri5" else args.T) for adj in (False, True)]
    mine = tuple(getattr(args, o) for o in OPTIONS)
    command = command_line(argv, "python -m physgnn experiment adjoint_memory")
    with run_lock(NAME):  # a second run into the same file at the same time is refused
        finished = done(NAME, KEYS + OPTIONS)
        todo = [g for g in grid if key(args.dataset, *g, args.hidden, *mine) not in finished]
        print(f"{len(grid) - len(todo)} of {len(grid)} configurations already in results/{NAME} with these options")
        for method, T, adjoint in tqdm(todo, desc="adjoint_memory"):
            r = peak_memory(args.dataset, method, T, adjoint, hidden=args.hidden, step_size=args.step_size, beta=args.beta,
                            repeats=args.repeats, threads=args.threads, device=device)
            row = {"dataset": args.dataset, "method": method, "T": T, "adjoint": adjoint, "hidden": args.hidden,
                   "step_size": args.step_size, "beta": args.beta, "repeats": args.repeats, "threads": args.threads, **r,
                   "command": command, **versions()}
            append_row(NAME, row, unique=KEYS + OPTIONS)
            tqdm.write(f"{method} T={T} adjoint={adjoint}: {r['status']} peak {r['peak_mb']:.0f} MB (+{r['delta_mb']:.0f}), "
                       f"saved {r['saved_mb']:.0f} MB, {r['step_seconds']:.2f} s/step {r['error']}")
    return 0
