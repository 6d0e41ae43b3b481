r"""Learned repulsion: where does a trainable β go, and does it follow the graph's homophily?

Chapter 7 (*ACMP on real graphs*) plots these numbers. For each dataset and split it trains ACMP-GCN
(:class:`physgnn.models.ACMP`, random-walk couplings ``a_ij = 1/d_i``, the official code's field) with
``learn_beta=True``: the repulsion β of the field

.. math::

    \dot x_i = \alpha \odot \Bigl(\sum_{j \in N(i)} (a_{ij} - \beta)\, x_j - x_i\Bigr) + \delta \odot x_i \odot (1 - x_i \odot x_i)

is an ordinary parameter, trained by Adam with everything else (and with Adam's weight decay), from the same start ``beta0`` on every dataset
(default 0.25). The other settings are those that the reproduce command (:mod:`physgnn.reproduce`) uses for
``acmp-gcn``: 64 hidden channels, rk4 with step 0.1, input dropout 0.5, Adam with learning rate 0.01 and weight
decay 5e-4, at most 200 epochs with patience 50; end time ``T`` = 1 (the value the validation search chose on
Texas, Wisconsin and Cornell). Each row records

* ``beta0``, ``beta``: the start of β and its value in the model that ``fit`` selects (the epoch of best validation
  accuracy), ``beta_change = beta - beta0``; ``beta_final`` at the last epoch, ``beta_min``/``beta_max`` over
  the finite values seen, and ``diverged_epochs``, the number of epochs whose model gave non-finite outputs
  (β can grow until a hub's repulsion ``β·d_i`` blows the solve up, as on Cora);
* ``homophily``: the edge homophily of the dataset (:func:`physgnn.energy.homophily`, all labels);
* ``val``, ``test``, ``train``: accuracies at the epoch of best validation accuracy; ``best_epoch``, ``epochs_run``;
* ``alpha``, ``delta``: the learned diffusion rate and Allen–Cahn strength of the selected model (``fit`` restores
  the best epoch's weights), averaged over channels;
* ``seconds``, the command and the package versions.

    python -m physgnn experiment learned_beta [--datasets texas wisconsin cornell cora citeseer chameleon actor]
        [--splits 0 1 2] [--beta0 0.25] [--T 1.0]

Rows go to ``results/learned_beta.csv``; a (dataset, split, beta0, T) row already there is skipped, so an interrupted
run resumes. :func:`run_one` is one cell of the sweep; the chapter calls it on one small case in fast mode.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

NAME = "learned_beta.csv"
KEYS = ("dataset", "split", "beta0", "T")
#: Default datasets, small ones first (the run is resumable, so what finishes first is usable first).
DATASETS = ["texas", "wisconsin", "cornell", "cora", "citeseer", "chameleon", "actor"]
#: Fixed settings, as the reproduce command's ``acmp-gcn`` (physgnn.reproduce.GRIDS) and its training budget.
MODEL = dict(hidden=64, coupling="rw", form="code", step_size=0.1, dropout_in=0.5)
TRAINING = dict(epochs=200, patience=50, lr=0.01, weight_decay=5e-4)

__all__ = ["DATASETS", "MODEL", "TRAINING", "make_model", "run_one", "main"]


def make_model(data, *, beta0: float = 0.25, T: float = 1.0, **overrides):
    """ACMP-GCN with a trainable β that starts at ``beta0`` (settings :data:`MODEL`, overridable)."""
    from ..models import ACMP

    kwargs = dict(MODEL, **overrides)
    hidden = kwargs.pop("hidden")
    return ACMP(data.num_features, hidden, int(data.y.max()) + 1, beta=float(beta0), learn_beta=True, T=float(T), **kwargs)


def run_one(data, *, beta0: float = 0.25, T: float = 1.0, seed: int = 0, homophily: float | None = None, device=None, **training) -> dict:
    """Train one ACMP-GCN with learned β on ``data`` (one split, masks [N]) on ``device`` (default CPU). Returns a
    row (dict); when no epoch was finite, ``beta`` (β at the best epoch) is NaN.

    ``training`` overrides :data:`TRAINING` (e.g. ``epochs=20`` in fast mode).
    """
    from ..energy import homophily as edge_homophily
    from ..train import fit

    if data.train_mask.dim() != 1:
        raise ValueError("run_one: data must hold one split (masks [N]); use physgnn.data.load(name, split=s)")
    for key in ("train_mask", "val_mask", "test_mask"):   # some files store masks as uint8
        data[key] = data[key].bool()
    h = edge_homophily(data.edge_index, data.y) if homophily is None else homophily
    torch.manual_seed(seed)
    net = make_model(data, beta0=beta0, T=T)
    field = net.field
    # fit() evaluates once per epoch after the update; record β and finiteness of that evaluated model
    beta_eval, finite_eval = [], []

    def watch(module, inputs, output):
        if not module.training:
            beta_eval.append(float(field.beta))
            finite_eval.append(bool(torch.isfinite(output).all()))

    handle = net.register_forward_hook(watch)
    start = time.perf_counter()
    try:
        res = fit(net, data, progress=False, device=device, **dict(TRAINING, **training))
    finally:
        handle.remove()
    seconds = time.perf_counter() - start
    finite_betas = [b for b in beta_eval if math.isfinite(b)]
    with torch.no_grad():
        alpha = float(field.alpha.mean())
        delta = float(field.delta.mean())
    beta = beta_eval[res.best_epoch] if res.best_epoch >= 0 else float("nan")
    return {
        "beta0": float(beta0),
        "beta": beta,
        "beta_change": beta - float(beta0),
        "beta_final": beta_eval[-1],
        "beta_min": min(finite_betas, default=float("nan")),   # nan: β itself turned non-finite at once
        "beta_max": max(finite_betas, default=float("nan")),
        "diverged_epochs": finite_eval.count(False),
        "homophily": h,
        "val": res.val,
        "test": res.test,
        "train": res.train,
        "best_epoch": res.best_epoch,
        "epochs_run": res.epochs_run,
        "alpha": alpha,
        "delta": delta,
        "seconds": seconds,
    }


def main(argv=None) -> int:
    from tqdm.auto import tqdm

    from ..data import load
    from ..energy import homophily as edge_homophily
    from ..results import append_row, command_line, done, key, run_lock, versions
    from ._runner import add_device_argument, dataset_name, parse_device, refuse_duplicates

    parser = argparse.ArgumentParser(prog="python -m physgnn experiment learned_beta", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=DATASETS)
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--beta0", type=float, default=0.25, help="the common start of β (default 0.25)")
    parser.add_argument("--T", type=float, default=1.0, help="end time of the ODE (default 1)")
    parser.add_argument("--threads", type=int, default=1)
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    refuse_duplicates(parser, args, "datasets", "splits")
    torch.set_num_threads(args.threads)

    # the model's settings and training budget are fixed (MODEL, TRAINING) but saved in every row: they are part of
    # the resume key, so rows made before a change of either are not taken as done
    keys = KEYS + tuple(MODEL) + tuple(TRAINING)
    fixed = (*MODEL.values(), *TRAINING.values())
    grid = [(d, s) for d in args.datasets for s in args.splits]
    command = command_line(argv, "python -m physgnn experiment learned_beta")
    with run_lock(NAME):  # a second run into the same file at the same time is refused
        finished = done(NAME, keys)
        todo = [(d, s) for d, s in grid if key(d, s, args.beta0, args.T, *fixed) not in finished]
        print(f"{len(grid) - len(todo)} of {len(grid)} runs already in results/{NAME}")
        hom = {}
        for dataset, split in tqdm(todo, desc="learned_beta"):
            data = load(dataset, split=split)
            if dataset not in hom:
                hom[dataset] = edge_homophily(data.edge_index, data.y)
            row = run_one(data, beta0=args.beta0, T=args.T, seed=split, homophily=hom[dataset], device=device)
            append_row(NAME, {"dataset": dataset, "split": split, "beta0": args.beta0, "T": args.T, **row,
                              **{k: v for k, v in MODEL.items()}, **TRAINING, "command": command, **versions()}, unique=keys)
            tqdm.write(f"{dataset} split {split}: h = {row['homophily']:.3f}, beta {args.beta0} -> {row['beta']:.4f}, "
                       f"val {row['val']:.3f} test {row['test']:.3f} ({row['seconds']:.0f} s)")
    return 0
